//! Fixture tests for the updates probe: a real apt capture and dnf/pacman formats.

use chrono::{DateTime, TimeZone, Utc};

use super::parse::NO_MANAGER;
use super::*;
use crate::model::updates::Package;
use crate::testing::Scripted;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/updates/", $name))
    };
}

const APT: &str = fixture!("apt-debian12.txt");
const DNF: &str = fixture!("dnf-rocky9.txt");
const DNF_WRAPPED: &str = fixture!("dnf-wrapped.txt");
const PACMAN: &str = fixture!("pacman.txt");
const NONE: &str = fixture!("none.txt");

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()
}

/// Parses a fixture written with `@@<name>` markers, as printed with a nonce.
fn marked(input: &str) -> (Result<Upgradable, String>, Vec<crate::probes::Warning>) {
    parse_upgradable(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at())
}

fn render(p: &Package) -> String {
    format!(
        "{} {} {} -> {} {}{}",
        p.name,
        p.arch.as_deref().unwrap_or("-"),
        p.current.as_deref().unwrap_or("?"),
        p.candidate,
        p.repo.as_deref().unwrap_or("-"),
        if p.security { " SECURITY" } else { "" }
    )
}

/// Checks the manager, the package count, the security count and the first `expected` lines.
fn check(output: &str, manager: &str, count: usize, security: usize, expected: &str) {
    let (parsed, warnings) = marked(output);
    assert_eq!(warnings, vec![]);
    let parsed = parsed.expect("a manager");
    assert_eq!(parsed.manager, manager);
    assert_eq!(parsed.packages.len(), count);
    assert_eq!(parsed.packages.iter().filter(|p| p.security).count(), security);
    let expected: Vec<&str> = expected.trim().lines().collect();
    let rendered: Vec<String> = parsed.packages.iter().take(expected.len()).map(render).collect();
    assert_eq!(rendered, expected);
}

#[test]
fn apt_debian12() {
    check(
        APT,
        "apt",
        119,
        69,
        "
appstream amd64 0.16.1-2 -> 0.16.1-2+b1 oldstable
apt amd64 2.6.1 -> 2.6.2 oldstable-security SECURITY
apt-transport-https all 2.6.1 -> 2.6.2 oldstable-security SECURITY",
    );
}

#[test]
fn dnf_rocky9() {
    check(
        DNF,
        "dnf",
        9,
        5,
        "
NetworkManager x86_64 ? -> 1:1.46.0-19.el9_4 baseos
NetworkManager-libnm x86_64 ? -> 1:1.46.0-19.el9_4 baseos
kernel x86_64 ? -> 5.14.0-427.31.1.el9_4 baseos SECURITY
kernel-core x86_64 ? -> 5.14.0-427.31.1.el9_4 baseos SECURITY
openssl x86_64 ? -> 1:3.0.7-28.el9_4 baseos SECURITY
openssl-libs x86_64 ? -> 1:3.0.7-28.el9_4 baseos SECURITY
python3-perf x86_64 ? -> 5.14.0-427.31.1.el9_4 baseos SECURITY
texlive-collection-latexrecommended noarch ? -> 9:20200406-26.el9_2 appstream
tzdata noarch ? -> 2024a-1.el9 baseos",
    );
    check(
        DNF_WRAPPED,
        "dnf",
        3,
        1,
        "
glibc i686 ? -> 2.34-100.el9_4.2 baseos
glibc x86_64 ? -> 2.34-100.el9_4.2 baseos SECURITY
rust-toolset-srpm-macros-extra-long-name noarch ? -> 1.75.0-1.el9 appstream",
    );
}

#[test]
fn pacman() {
    check(
        PACMAN,
        "pacman",
        4,
        0,
        "
curl - 8.8.0-1 -> 8.9.1-2 -
linux - 6.9.7.arch1-1 -> 6.10.3.arch1-2 -
linux-firmware - 20240610.9a4ef3ef-1 -> 20240809.283bdc81-1 -
openssl - 3.3.1-1 -> 3.3.1-2 -",
    );
}

#[test]
fn no_manager_and_bad_lines() {
    assert_eq!(marked(NONE), (Err(NO_MANAGER.into()), vec![]));
    let input = "junk\n@@apt\nListing...\nfoo/stable 1 amd64\nbar 1 amd64 [upgradable from: 0]\n\
                 ok/x-security 2 all [upgradable from: 1]\n@@pacman\nbad line\nzz 1 -> 2\n";
    let (parsed, warnings) = marked(input);
    let parsed = parsed.unwrap();
    assert_eq!(parsed.manager, "pacman", "the last manager section wins");
    assert_eq!(
        parsed.packages.iter().map(render).collect::<Vec<_>>(),
        ["ok all 1 -> 2 x-security SECURITY", "zz - 1 -> 2 -"]
    );
    let lines: Vec<_> = warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [Some(1), Some(4), Some(5), Some(8)]);
    let (parsed, warnings) = marked("@@dnf\nlonely.noarch\n@@dnf-security\n");
    assert_eq!(warnings.len(), 1);
    assert_eq!(parsed, Err("`dnf`: 1 of 1 lines unreadable".into()), "mostly unreadable");
    let (parsed, _) = marked("@@pacman\nbad line\n");
    assert_eq!(parsed, Err("`pacman`: 1 of 1 lines unreadable".into()));
    assert_eq!(marked("").0, Err("no package manager section (output cut short?)".into()));
}

/// Package names and versions with control bytes or over 256 bytes refuse their line, for
/// every manager.
#[test]
fn hostile_package_names() {
    let long = "p".repeat(5 << 20);
    let apt = format!(
        "@@apt\nba\u{0}d/stable 2 amd64 [upgradable from: 1]\n{long}/stable 2 amd64 [upgradable from: 1]\n\
         ok/stable 2 amd64 [upgradable from: 1\u{1b}]\nfine/stable 2 amd64 [upgradable from: 1]\n\
         a/stable 2 amd64 [upgradable from: 1]\nb/stable 2 amd64 [upgradable from: 1]\n\
         c/stable 2 amd64 [upgradable from: 1]\n"
    );
    let (parsed, warnings) =
        parse_upgradable(&crate::probes::sections::mark(&apt, "n0nce"), "n0nce", at());
    let names: Vec<_> = parsed.unwrap().packages.into_iter().map(|p| p.name).collect();
    // Three hostile lines among seven: refused one by one, the rest kept.
    assert_eq!(names, ["a", "b", "c", "fine"]);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(2), Some(3), Some(4)]);
    assert!(warnings.iter().all(|w| w.message.len() < 300), "{warnings:?}");
    let pacman = "@@pacman\nb\u{7}ad 1 -> 2\ngood 1 -> 2\n";
    let (parsed, warnings) =
        parse_upgradable(&crate::probes::sections::mark(pacman, "n0nce"), "n0nce", at());
    assert_eq!(parsed.unwrap().packages.len(), 1);
    assert_eq!(warnings.len(), 1);
    let dnf = format!(
        "@@dnf\n{long}.x86_64 1.0-1 baseos\ngood.x86_64 1.0-1 base\u{0}os\nfine.noarch 2-1 appstream\n\
         a.noarch 2-1 appstream\nb.noarch 2-1 appstream\n"
    );
    let (parsed, warnings) =
        parse_upgradable(&crate::probes::sections::mark(&dnf, "n0nce"), "n0nce", at());
    let names: Vec<_> = parsed.unwrap().packages.into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["a", "b", "fine"]);
    assert_eq!(warnings.len(), 2);
}

#[test]
fn updates_available_rule() {
    assert!(became_available(None, (3, 0)), "first poll with updates");
    assert!(!became_available(None, (0, 0)));
    assert!(!became_available(Some((3, 1)), (5, 1)), "more updates, same security count");
    assert!(became_available(Some((3, 1)), (3, 2)), "security count rose");
    assert!(became_available(Some((0, 0)), (1, 0)));
    assert!(!became_available(Some((4, 2)), (0, 0)));
}

#[tokio::test]
async fn probe_announces_updates_once() {
    let transport = Scripted::new([
        ("upgradable", 0, APT),
        ("upgradable", 0, APT),
        ("upgradable", 0, "@@apt\nListing...\n"),
        ("upgradable", 0, DNF),
        ("upgradable", 0, NONE),
    ]);
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let mut probe = UpdatesProbe::default();
    let mut polls = Vec::new();
    for _ in 0..4 {
        let events = probe.poll(&ctx).await.unwrap();
        polls.push(
            events
                .iter()
                .map(|e| format!("{e:?}").chars().take(40).collect::<String>())
                .collect::<Vec<_>>(),
        );
    }
    let available =
        |i: usize| polls[i].iter().filter(|e| e.starts_with("UpdatesAvailable")).count();
    assert_eq!([available(0), available(1), available(2), available(3)], [1, 0, 0, 1]);
    let err = probe.poll(&ctx).await.unwrap_err().to_string();
    assert!(err.contains("no supported package manager"), "{err}");
}

/// Every prefix of the fixtures, and garbage, parses without panicking.
#[test]
fn parser_never_panics() {
    let mut rng = fastrand::Rng::with_seed(6);
    let garbage: Vec<String> = vec![
        (0..50_000).map(|_| rng.char(..)).collect(),
        (0..20_000)
            .map(|_| {
                [
                    "@@apt\n",
                    "@@dnf\n",
                    "@@dnf-security\n",
                    "@@pacman\n",
                    "a/b ",
                    "x.y ",
                    "-> ",
                    "[upgradable from: ",
                    "]",
                    "\n",
                    "-",
                    ".",
                ][rng.usize(..12)]
            })
            .collect(),
        "@@dnf\n".to_string() + &"x.y\n".repeat(100_000),
        "@@apt\n".to_string() + &"a".repeat(500_000),
    ];
    for input in [APT, DNF, DNF_WRAPPED, PACMAN] {
        for (i, _) in input.char_indices() {
            let _ = marked(&input[..i]);
        }
    }
    for input in &garbage {
        let _ = marked(input);
    }
}

/// `security_since` holds from the first poll that saw security updates until one sees none,
/// and continues from the stored sample after a restart.
#[tokio::test]
async fn security_updates_are_dated_from_when_they_appeared() {
    let transport = Scripted::new([
        ("upgradable", 0, APT),
        ("upgradable", 0, APT),
        ("upgradable", 0, "@@apt\nListing...\n"),
        ("upgradable", 0, DNF),
        ("upgradable", 0, DNF),
        ("upgradable", 0, DNF),
    ]);
    let day = |d: i64| at() + chrono::Duration::days(d);
    let since = |events: &[EventKind]| match &events[0] {
        EventKind::UpdatesSampled { security_since, .. } => *security_since,
        other => panic!("{other:?}"),
    };
    let mut probe = UpdatesProbe::default();
    let poll_at = async |probe: &mut UpdatesProbe, d: i64| {
        let ctx = PollContext {
            transport: &transport,
            observed_at: day(d),
            sudo: false,
            command_timeout: std::time::Duration::from_secs(20),
        };
        probe.poll(&ctx).await.unwrap()
    };
    assert_eq!(since(&poll_at(&mut probe, 0).await), Some(day(0)));
    let second = poll_at(&mut probe, 1).await;
    assert_eq!(since(&second), Some(day(0)), "still pending since the first poll");
    assert_eq!(since(&poll_at(&mut probe, 2).await), None, "none pending");
    assert_eq!(since(&poll_at(&mut probe, 3).await), Some(day(3)), "a new run");
    let mut resumed = UpdatesProbe::default();
    resumed.resume(&crate::events::Event::new("d", day(1), second[0].clone()));
    assert_eq!(since(&poll_at(&mut resumed, 5).await), Some(day(0)), "across a restart");
    // A sample stored before the field existed: pending at least since it was taken.
    let EventKind::UpdatesSampled { manager, packages, security_count, .. } = second[0].clone()
    else {
        unreachable!()
    };
    let old = EventKind::UpdatesSampled { manager, packages, security_count, security_since: None };
    let mut from_old = UpdatesProbe::default();
    from_old.resume(&crate::events::Event::new("d", day(4), old));
    assert_eq!(since(&poll_at(&mut from_old, 6).await), Some(day(4)));
}
