//! Fixture tests for the VMs probe: real `virsh` 9.0 output from libvirt's test driver.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::events::EventKind;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/virsh/libvirt-9.0/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 45, 0).unwrap()
}

/// Parses a fixture written with `@@<name>` markers, as printed with a nonce.
fn marked(input: &str) -> (Vec<Vm>, Vec<crate::probes::Warning>) {
    parse_dominfo(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at())
}

fn vms(file: &str) -> Vec<Vm> {
    let (vms, warnings) = marked(&read(file));
    assert_eq!(warnings, vec![]);
    vms
}

/// One line per VM: `name state id vcpus max_kib used_kib persistent autostart`.
fn render(vms: &[Vm]) -> String {
    let opt = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    vms.iter()
        .map(|v| {
            format!(
                "{} [{}] id={} vcpus={} max={} used={} persistent={} autostart={}",
                v.name,
                v.state,
                opt(v.id.map(|x| x.to_string())),
                opt(v.vcpus.map(|x| x.to_string())),
                opt(v.max_memory_kib.map(|x| x.to_string())),
                opt(v.used_memory_kib.map(|x| x.to_string())),
                opt(v.persistent.map(|x| x.to_string())),
                opt(v.autostart.map(|x| x.to_string())),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(file: &str, expected: &str) {
    assert_eq!(render(&vms(file)), expected.trim());
}

#[test]
fn names() {
    let (names, _) = parse_names(&read("list-names.txt"), at());
    assert_eq!(names, ["test", "vm-paused", "win11.gaming", "db01"]);
}

#[test]
fn dominfo_running_paused_shut_off() {
    check(
        "dominfo.txt",
        "
test [running] id=1 vcpus=2 max=8388608 used=2097152 persistent=true autostart=false
vm-paused [paused] id=2 vcpus=1 max=524288 used=524288 persistent=true autostart=false
win11.gaming [running] id=3 vcpus=4 max=4194304 used=4194304 persistent=true autostart=false
db01 [shut off] id=- vcpus=2 max=1048576 used=1048576 persistent=true autostart=false",
    );
}

#[test]
fn diff_state_changes() {
    let before = vms("dominfo.txt");
    let after = vms("dominfo-after.txt");
    assert_eq!(diff(&before, &before), vec![]);
    assert_eq!(
        diff(&before, &after),
        vec![EventKind::VmStateChanged {
            vm: "win11.gaming".into(),
            previous: Some("running".into()),
            current: Some("shut off".into()),
        }]
    );
    let gone: Vec<Vm> = after.iter().filter(|v| v.name != "db01").cloned().collect();
    assert_eq!(
        diff(&after, &gone),
        vec![EventKind::VmStateChanged {
            vm: "db01".into(),
            previous: Some("shut off".into()),
            current: None,
        }]
    );
}

#[test]
fn a_vanished_domain_is_a_warning() {
    let out = "@@vm\nerror: failed to get domain 'gone'\n\n@@vm\nName: x\nState: running\n";
    let (vms, warnings) = marked(out);
    assert_eq!(vms.len(), 1);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, Some(2));
}

/// VM names with control bytes or over 256 bytes are refused, in the list and in dominfo.
#[test]
fn hostile_vm_names() {
    let long = "v".repeat(5 << 20);
    let (names, warnings) = parse_names(&format!("web\u{0}1\n{long}\n\ndb\n"), at());
    assert_eq!(names, ["db"]);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(1), Some(2)]);
    let out = format!("@@vm\nName: {long}\nState: running\n@@vm\nName: ok\nState: shut off\n");
    let (vms, warnings) =
        parse_dominfo(&crate::probes::sections::mark(&out, "n0nce"), "n0nce", at());
    assert_eq!(vms.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.message.len() < 300), "{warnings:?}");
}

#[test]
fn never_panics() {
    let mut inputs = vec![read("dominfo.txt"), read("list-names.txt")];
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..rng.usize(0..300)).map(|_| rng.u8(..)).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for input in &inputs {
        for end in (0..=input.len()).filter(|i| input.is_char_boundary(*i)) {
            let _ = marked(&input[..end]);
            let _ = parse_names(&input[..end], at());
        }
    }
    let _ = marked(&"@@vm\nName: x\nMax memory: 99999999999999999999 GiB\n".repeat(30_000));
}
