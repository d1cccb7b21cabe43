//! Drive change events from consecutive samples, and the SAS, USB-bridge and attribute-table
//! parts of the reports.

use super::tests::{at, check};
use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/smartctl/", $name))
    };
}

const HEALTHY: &str = fixture!("sata-hdd-healthy.json");
const LATER: &str = fixture!("sata-hdd-failing-later.json");
const NVME: &str = fixture!("nvme-healthy.json");
const STANDBY: &str = fixture!("sata-standby.json");
const SAS: &str = fixture!("sas-hdd-healthy.json");
const USB: &str = fixture!("usb-jmicron-hdd.json");

fn drive(output: &str) -> Drive {
    parse_info(output, at()).0.expect("a drive")
}

#[test]
fn sas_usb_and_later_reports() {
    check(
        SAS,
        "/dev/sde scsi SCSI SEAGATE_ST4000NM0023 Z1Z7QX2K0000C5301ABC 4000787030016 | \
         standby=false passed=true 33C 41237h | - - - - | - - - | exit=0",
    );
    check(
        USB,
        "/dev/sdd usbjmicron ATA ST8000DM004-2CX188 ZCT0QK4N 8001563222016 | standby=false \
         passed=true 44C 34671h | 0 0 0 0 | - - - | exit=0",
    );
    check(
        LATER,
        "/dev/sda sat ATA WDC_WD40EFRX-68N32N0 WD-WCC7K4NL2XH8 4000787030016 | standby=false \
         passed=true 38C 35391h | 8 2 0 0 | - - - | exit=0",
    );
    let sas = drive(SAS);
    assert_eq!((sas.scsi_grown_defects, sas.scsi_uncorrected_errors), (Some(12), Some(0)));
    assert!(sas.attributes.is_empty() && sas.nvme_health.is_none());
}

#[test]
fn full_attribute_table_and_nvme_log() {
    let hdd = drive(LATER);
    let rows: Vec<String> = hdd
        .attributes
        .iter()
        .filter(|a| [5, 9, 194, 197].contains(&a.id))
        .map(|a| {
            let o = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
            format!(
                "{} {} {} {} {} {} {}",
                a.id,
                a.name,
                o(a.value),
                o(a.worst),
                o(a.thresh),
                o(a.raw),
                a.failing_now
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "5 Reallocated_Sector_Ct 199 200 140 8 false",
            "9 Power_On_Hours 53 53 0 35391 false",
            "194 Temperature_Celsius 114 101 0 38 false",
            "197 Current_Pending_Sector 200 200 0 2 false",
        ]
    );
    assert_eq!(hdd.attributes.len(), 17, "every row of the table");
    let failing = drive(fixture!("sata-hdd-failing.json"));
    let now: Vec<u64> = failing.attributes.iter().filter(|a| a.failing_now).map(|a| a.id).collect();
    assert_eq!(now, [5]);
    let nvme = drive(NVME).nvme_health.expect("NVMe log");
    assert_eq!(
        (nvme.percentage_used, nvme.available_spare, nvme.media_errors, nvme.critical_warning),
        (Some(3), Some(100), Some(0), Some(0))
    );
    assert!(nvme.num_err_log_entries.is_some() && nvme.power_on_hours == Some(9815));
}

/// `Type device detail`, one per line.
fn render(events: &[crate::events::EventKind]) -> String {
    use crate::events::EventKind as E;
    events
        .iter()
        .map(|e| match e {
            E::DriveHealthChanged { drive, previous, current } => {
                format!("{} {} {previous} -> {current}", e.type_name(), drive.device)
            }
            E::SmartAttributeIncreased { drive, attribute, previous, current } => {
                format!("{} {} {attribute} {previous} -> {current}", e.type_name(), drive.device)
            }
            E::DriveTemperatureCrossed { drive, temperature_c, threshold_c, rising } => format!(
                "{} {} {temperature_c}C/{threshold_c}C rising={rising}",
                e.type_name(),
                drive.device
            ),
            other => other.type_name().to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn counters_that_rise_are_reported_once() {
    let mut tracker = DriveTracker::default();
    assert_eq!(tracker.observe(&[drive(HEALTHY), drive(NVME)]), vec![], "first sample");
    assert_eq!(tracker.observe(&[drive(HEALTHY), drive(NVME)]), vec![]);
    // Asleep in between: no data, no change; waking up is not a change either.
    let mut asleep = drive(STANDBY);
    asleep.device = "/dev/sda".into();
    assert_eq!(tracker.observe(&[asleep]), vec![]);
    assert_eq!(
        render(&tracker.observe(&[drive(LATER), drive(NVME)])),
        "SmartAttributeIncreased /dev/sda Reallocated_Sector_Ct 0 -> 8\n\
         SmartAttributeIncreased /dev/sda Current_Pending_Sector 0 -> 2"
    );
    assert_eq!(tracker.observe(&[drive(LATER), drive(NVME)]), vec![], "reported once");
    // Pending sectors remapped (going down) is not reported.
    assert_eq!(tracker.observe(&[drive(HEALTHY)]), vec![]);
    // The same drive under another device name (serial is the key).
    let mut moved = drive(LATER);
    moved.device = "/dev/sdx".into();
    assert_eq!(render(&tracker.observe(&[moved])).lines().count(), 2);
}

#[test]
fn health_verdict_changes_but_not_from_standby() {
    let mut tracker = DriveTracker::default();
    let mut d = drive(HEALTHY);
    tracker.observe(std::slice::from_ref(&d));
    d.smart_passed = None;
    assert_eq!(tracker.observe(std::slice::from_ref(&d)), vec![], "unknown verdict");
    d.smart_passed = Some(false);
    assert_eq!(
        render(&tracker.observe(std::slice::from_ref(&d))),
        "DriveHealthChanged /dev/sda passed -> failed"
    );
    assert_eq!(tracker.observe(&[d]), vec![]);
}

#[test]
fn temperature_crossings_have_hysteresis() {
    let mut tracker = DriveTracker::default();
    let temps = |tracker: &mut DriveTracker, base: &str, list: &[i64]| -> String {
        let mut out = Vec::new();
        for t in list {
            let mut d = drive(base);
            d.temperature_c = Some(*t);
            let events = render(&tracker.observe(&[d]));
            if !events.is_empty() {
                out.push(events);
            }
        }
        out.join("\n")
    };
    assert_eq!(
        temps(&mut tracker, HEALTHY, &[40, 54, 55, 56, 53, 52, 55, 51, 56]),
        "DriveTemperatureCrossed /dev/sda 55C/55C rising=true\n\
         DriveTemperatureCrossed /dev/sda 52C/55C rising=false\n\
         DriveTemperatureCrossed /dev/sda 55C/55C rising=true\n\
         DriveTemperatureCrossed /dev/sda 51C/55C rising=false\n\
         DriveTemperatureCrossed /dev/sda 56C/55C rising=true"
    );
    assert_eq!(
        temps(&mut tracker, NVME, &[60, 69, 72, 68, 67]),
        "DriveTemperatureCrossed /dev/nvme0 72C/70C rising=true\n\
         DriveTemperatureCrossed /dev/nvme0 67C/70C rising=false"
    );
    // Already hot at the first sample: no event, but cooling down is reported.
    let mut fresh = DriveTracker::default();
    assert_eq!(
        temps(&mut fresh, SAS, &[60, 58, 51]),
        "DriveTemperatureCrossed /dev/sde 51C/55C rising=false"
    );
}
