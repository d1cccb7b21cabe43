//! Fixture tests for the drives probe: captured smartctl 7.3 errors and scans, and SATA, NVMe,
//! failing and standby reports written in the exact smartctl 7.3 JSON format.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::command::Command;
use crate::probes::PollContext;
use crate::transport::{Output, Transport, TransportError};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/smartctl/", $name))
    };
}

const SCAN: &str = fixture!("scan-open-devices.json");
const SCAN_EMPTY: &str = fixture!("scan-open-no-devices.json");
const HEALTHY: &str = fixture!("sata-hdd-healthy.json");
const FAILING: &str = fixture!("sata-hdd-failing.json");
const NVME: &str = fixture!("nvme-healthy.json");
const SSD: &str = fixture!("sata-ssd-samsung870.json");
const STANDBY: &str = fixture!("sata-standby.json");
const NO_TYPE: &str = fixture!("error-vda-unable-to-detect.json");
const OPEN_FAILED: &str = fixture!("error-sda-open-failed.json");
const ALL: [&str; 14] = [
    SSD,
    SCAN,
    SCAN_EMPTY,
    HEALTHY,
    FAILING,
    NVME,
    STANDBY,
    NO_TYPE,
    OPEN_FAILED,
    fixture!("sas-hdd-healthy.json"),
    fixture!("usb-jmicron-hdd.json"),
    fixture!("sata-hdd-failing-later.json"),
    fixture!("sata-identity-failed.json"),
    fixture!("sata-smart-read-failed.json"),
];

pub(super) fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 14, 7).unwrap()
}

/// `device type protocol model serial capacity | standby passed temp hours | realloc pending
/// uncorrectable crc | nvme used spare media | exit`, `-` for `None`.
fn render(d: &Drive) -> String {
    fn o<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map_or("-".into(), T::to_string)
    }
    format!(
        "{} {} {} {} {} {} | standby={} passed={} {}C {}h | {} {} {} {} | {} {} {} | exit={}",
        d.device,
        o(&d.dev_type),
        o(&d.protocol),
        o(&d.model).replace(' ', "_"),
        o(&d.serial),
        o(&d.capacity_bytes),
        d.standby,
        o(&d.smart_passed),
        o(&d.temperature_c),
        o(&d.power_on_hours),
        o(&d.reallocated_sectors),
        o(&d.pending_sectors),
        o(&d.offline_uncorrectable),
        o(&d.crc_errors),
        o(&d.nvme_percentage_used),
        o(&d.nvme_available_spare),
        o(&d.nvme_media_errors),
        o(&d.smartctl_exit_status),
    )
}

pub(super) fn check(output: &str, expected: &str) {
    let (drive, warnings) = parse_info(output, at());
    let rendered = match drive {
        Some(d) => render(&d),
        None => "none".into(),
    };
    let warnings: Vec<String> = warnings.into_iter().map(|w| w.message).collect();
    assert_eq!(format!("{rendered}\n{}", warnings.join("\n")).trim(), expected.trim());
}

#[test]
fn reports() {
    check(
        HEALTHY,
        "/dev/sda sat ATA WDC_WD40EFRX-68N32N0 WD-WCC7K4NL2XH8 4000787030016 | standby=false \
         passed=true 36C 34671h | 0 0 0 0 | - - - | exit=0",
    );
    check(
        FAILING,
        "/dev/sdb sat ATA ST3000DM001-1CH166 Z1F4HDXK 3000592982016 | standby=false \
         passed=false 37C 52114h | 61720 176 176 27 | - - - | exit=88",
    );
    check(
        SSD,
        "/dev/sdf sat ATA Samsung_SSD_870_EVO_1TB S6PTNM0T812345X 1000204886016 | standby=false \
         passed=true 33C 7421h | 0 - - 0 | - - - | exit=0",
    );
    check(
        NVME,
        "/dev/nvme0 nvme NVMe Samsung_SSD_980_PRO_1TB S5GXNF0R712345A 1000204886016 | \
         standby=false passed=true 41C 9815h | - - - - | 3 100 0 | exit=0",
    );
    check(
        STANDBY,
        "/dev/sdc sat ATA - - - | standby=true passed=- -C -h | - - - - | - - - | exit=2",
    );
    check(NO_TYPE, "none\nsmartctl error: /dev/vda: Unable to detect device type");
    check(
        OPEN_FAILED,
        "none\nsmartctl error: Smartctl open device: /dev/sda failed: No such device",
    );
    check("{}", "none\nsmartctl output names no device");
    check("", "none\nunreadable smartctl output: EOF while parsing a value at line 1 column 0");
}

#[test]
fn scans() {
    let (entries, warnings) = parse_scan(SCAN, at());
    let names: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {}", e.name, e.dev_type.as_deref().unwrap_or("-")))
        .collect();
    assert_eq!(
        names,
        [
            "/dev/sda sat",
            "/dev/sdb sat",
            "/dev/sdc sat",
            "/dev/nvme0 nvme",
            "/dev/bus/0 megaraid,0"
        ]
    );
    assert_eq!(
        warnings,
        [Warning::general("/dev/sdd cannot be opened: /dev/sdd: Permission denied")]
    );
    assert_eq!(parse_scan(SCAN_EMPTY, at()), (vec![], vec![]), "no `devices` key: no drives");
    assert_eq!(parse_scan("nope", at()).0, vec![]);
}

/// Answers `smartctl_scan` and `smartctl_info` (by the device at the end of the line).
struct FakeTransport {
    scan: String,
    /// `/dev/sdb` hangs (killed on the device at its deadline).
    hang_sdb: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl Transport for FakeTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let ok = |stdout: &str, status| {
            Ok(Output {
                stdout: stdout.into(),
                stderr: String::new(),
                status,
                ..Default::default()
            })
        };
        if command.name == "smartctl_scan" {
            assert!(command.line.starts_with("sudo -n smartctl --scan-open -j"));
            return ok(&self.scan, 0);
        }
        assert_eq!(command.name, "smartctl_info");
        assert!(command.line.starts_with("sudo -n smartctl -j -a -n standby"), "{}", command.line);
        match command.line.rsplit(' ').next().unwrap_or_default() {
            "/dev/sdb" if self.hang_sdb.load(std::sync::atomic::Ordering::SeqCst) => {
                Err(TransportError::Hung {
                    command: "smartctl_info",
                    after: Duration::from_secs(20),
                })
            }
            "/dev/sda" => ok(HEALTHY, 0),
            "/dev/sdb" => ok(FAILING, 88),
            "/dev/sdc" => ok(STANDBY, 2),
            "/dev/nvme0" => ok(NVME, 0),
            "/dev/bus/0" => ok(OPEN_FAILED, 2),
            "/dev/vda" => ok(NO_TYPE, 1),
            other => panic!("unexpected device {other}"),
        }
    }
    async fn connect(&self) -> Result<(), TransportError> {
        Ok(())
    }
    async fn disconnect(&self) {}
    fn describe(&self) -> String {
        "fake".into()
    }
}

#[tokio::test]
async fn probe_reads_every_drive_it_can() {
    // The scan fixture plus a hostile name and the VM's virtio disk.
    let scan = SCAN.replacen(
        "\"devices\": [",
        "\"devices\": [\n{\"name\": \"/dev/sda; reboot\", \"type\": \"sat\"},\n{\"name\": \"/dev/vda\"},",
        1,
    );
    let transport = FakeTransport { scan, hang_sdb: Default::default() };
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: true,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let events = DrivesProbe::default().poll(&ctx).await.unwrap();
    let [EventKind::DriveHealthSampled { drives }] = events.as_slice() else {
        panic!("{events:?}")
    };
    let summary: Vec<String> = drives
        .iter()
        .map(|d| format!("{} standby={} passed={:?}", d.device, d.standby, d.smart_passed))
        .collect();
    assert_eq!(
        summary,
        [
            "/dev/sda standby=false passed=Some(true)",
            "/dev/sdb standby=false passed=Some(false)",
            "/dev/sdc standby=true passed=None",
            "/dev/nvme0 standby=false passed=Some(true)",
        ]
    );
}

#[tokio::test]
async fn a_hung_drive_is_an_error_in_a_sample_of_the_others() {
    let transport = FakeTransport { scan: SCAN.to_string(), hang_sdb: Default::default() };
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: true,
        command_timeout: Duration::from_secs(20),
    };
    let mut probe = DrivesProbe::default();
    probe.poll(&ctx).await.unwrap();
    transport.hang_sdb.store(true, std::sync::atomic::Ordering::SeqCst);
    let events = probe.poll(&ctx).await.expect("the others still make a sample");
    let [EventKind::DriveHealthSampled { drives }] = events.as_slice() else {
        panic!("no changes from a hung drive: {events:?}")
    };
    let summary: Vec<_> =
        drives.iter().map(|d| (d.device.as_str(), d.smart_passed, d.error.is_some())).collect();
    assert_eq!(
        summary,
        [
            ("/dev/sda", Some(true), false),
            ("/dev/sdb", Some(false), true),
            ("/dev/sdc", None, false),
            ("/dev/nvme0", Some(true), false),
        ]
    );
    assert!(drives[1].error.as_deref().unwrap().contains("did not finish"), "{:?}", drives[1]);
    // Back to normal: still no change events (its values never changed).
    transport.hang_sdb.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(probe.poll(&ctx).await.unwrap().len(), 1);
}

/// Every prefix of every fixture, and some garbage, parses without panicking.
#[test]
fn parsers_never_panic() {
    let mut rng = fastrand::Rng::with_seed(5);
    let garbage = [
        "[".repeat(200_000),
        r#"{"devices": [1, {"name": 2}, {"name": "/dev/x", "open_error": null}], "device": 3}"#.into(),
        r#"{"device": {}, "ata_smart_attributes": {"table": [{"id": 5, "raw": {"string": "99999999999999999999999"}}]}, "smartctl": {"messages": [{}, 1]}}"#.into(),
        r#"{"device": {}, "temperature": {"current": -5}, "user_capacity": {"bytes": -1}, "nvme_smart_health_information_log": {"percentage_used": 1e300}}"#.into(),
        (0..50_000).map(|_| rng.char(..)).collect(),
    ];
    // Each parser gets every prefix of its own fixtures and the whole of the others'.
    for input in ALL {
        let is_scan = input == SCAN || input == SCAN_EMPTY;
        for (i, _) in input.char_indices() {
            if is_scan {
                let _ = parse_scan(&input[..i], at());
            } else {
                let _ = parse_info(&input[..i], at());
            }
        }
        let _ = (parse_info(input, at()), parse_scan(input, at()));
    }
    for input in &garbage {
        let _ = parse_info(input, at());
        let _ = parse_scan(input, at());
    }
}
