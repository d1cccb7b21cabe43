//! Fixture tests for the services probe: systemd 252 outputs and a machine without systemd.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::testing::Scripted;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/systemd/", $name))
    };
}

const FAILED: &str = fixture!("failed-252.txt");
const AFTER: &str = fixture!("failed-252-after.txt");
const NONE: &str = fixture!("none-252.txt");
const NOT_BOOTED_STDERR: &str = fixture!("not-booted.stderr");

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()
}

fn check(output: &str, expected: &str) {
    let (units, warnings) = parse_failed_units(output, at());
    assert_eq!(warnings, vec![]);
    let rendered: Vec<String> = units
        .iter()
        .map(|u| format!("{} | {} | {} | {} | {}", u.unit, u.load, u.active, u.sub, u.description))
        .collect();
    assert_eq!(rendered.join("\n"), expected.trim());
}

#[test]
fn systemd_252() {
    check(
        FAILED,
        "
mnt-backup.mount | loaded | failed | failed | /mnt/backup
nginx.service | loaded | failed | failed | A high performance web server and a reverse proxy server
old-agent.service | not-found | failed | failed | old-agent.service
systemd-networkd-wait-online.service | loaded | failed | failed | Wait for Network to be Configured",
    );
    check(NONE, "");
}

#[test]
fn glyph_column_and_bad_lines() {
    let input = "● a.service loaded failed failed A\n* b.socket loaded failed failed\nbroken line\n\
                 nodot loaded failed failed x\n";
    let (units, warnings) = parse_failed_units(input, at());
    let names: Vec<_> = units.iter().map(|u| (u.unit.as_str(), u.description.as_str())).collect();
    assert_eq!(names, [("a.service", "A"), ("b.socket", "")]);
    let lines: Vec<_> = warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [Some(3), Some(4)]);
}

/// Unit names with control bytes or over 256 bytes are refused; descriptions are cleaned.
#[test]
fn hostile_unit_names() {
    let long = format!("{}.service", "u".repeat(5 << 20));
    let input = format!(
        "a\u{0}b.service loaded failed failed X\n{long} loaded failed failed Y\n\
         ok.service loaded failed failed Z\u{1b}[2J\n"
    );
    let (units, warnings) = parse_failed_units(&input, at());
    let units: Vec<_> = units.iter().map(|u| (u.unit.as_str(), u.description.as_str())).collect();
    assert_eq!(units, [("ok.service", "Z [2J")]);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(1), Some(2)]);
    assert!(warnings.iter().all(|w| w.message.len() < 300), "{warnings:?}");
}

#[test]
fn diff_reports_failures_and_recoveries() {
    let (before, _) = parse_failed_units(FAILED, at());
    let (after, _) = parse_failed_units(AFTER, at());
    let rendered: Vec<String> = diff(&before, &after).iter().map(|e| format!("{e:?}")).collect();
    assert_eq!(
        rendered,
        [
            r#"ServiceFailed { unit: "certbot.service", description: "Certbot" }"#,
            r#"ServiceRecovered { unit: "nginx.service" }"#,
        ]
    );
    assert_eq!(diff(&after, &after), vec![]);
}

fn types(events: &[EventKind]) -> Vec<&'static str> {
    events.iter().map(EventKind::type_name).collect()
}

#[tokio::test]
async fn probe_reports_units_failed_at_first_sight_once() {
    let transport = Scripted::with_stderr([
        ("failed_units", 0, FAILED, ""),
        ("failed_units", 0, FAILED, ""),
        ("failed_units", 0, AFTER, ""),
        ("failed_units", 1, "", NOT_BOOTED_STDERR),
    ]);
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let mut probe = ServicesProbe::default();
    let first = probe.poll(&ctx).await.unwrap();
    assert_eq!(
        types(&first),
        ["ServicesSampled", "ServiceFailed", "ServiceFailed", "ServiceFailed", "ServiceFailed"]
    );
    assert_eq!(types(&probe.poll(&ctx).await.unwrap()), ["ServicesSampled"]);
    let third = probe.poll(&ctx).await.unwrap();
    assert_eq!(types(&third), ["ServicesSampled", "ServiceFailed", "ServiceRecovered"]);
    let err = probe.poll(&ctx).await.unwrap_err().to_string();
    assert_eq!(
        err,
        "`failed_units` exited with status 1: System has not been booted with systemd as init \
         system (PID 1). Can't operate."
    );
}

/// Every prefix of the fixtures, and garbage, parses without panicking.
#[test]
fn parser_never_panics() {
    let mut rng = fastrand::Rng::with_seed(4);
    let garbage: Vec<String> = vec![
        (0..50_000).map(|_| rng.char(..)).collect(),
        (0..20_000).map(|_| ["● ", "a.service ", "\n", " ", "*", "é"][rng.usize(..6)]).collect(),
        "x.service ".repeat(200_000),
    ];
    for input in [FAILED, AFTER] {
        for (i, _) in input.char_indices() {
            let _ = parse_failed_units(&input[..i], at());
        }
    }
    for input in &garbage {
        let _ = parse_failed_units(input, at());
    }
}
