//! Tests for judging a smartctl run by its exit bit mask (`judge_report`), and for hostile
//! identity strings and temperatures in `parse_info`.

use super::tests::at;
use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/smartctl/", $name))
    };
}

/// `Ok <device> messages=[…]` or `Err <reason>`.
fn judged(stdout: &str, stderr: &str, status: i32) -> String {
    match judge_report(stdout, stderr, status, at()).0 {
        Ok(d) => format!("Ok {} messages={:?}", d.device, d.smartctl_messages),
        Err(why) => format!("Err {why}"),
    }
}

#[test]
fn failures_keep_smartctl_s_own_reason() {
    // Bit 0 with an empty stderr: the reason is in the JSON.
    assert_eq!(
        judged(fixture!("error-vda-unable-to-detect.json"), "", 1),
        "Err smartctl exited with status 1: /dev/vda: Unable to detect device type"
    );
    // Bit 1 with a device object: open/identify failed, and why.
    assert_eq!(
        judged(fixture!("sata-identity-failed.json"), "", 2),
        "Err device open failed (status 2): Read Device Identity failed: scsi error unsupported \
         field in scsi command; A mandatory SMART command failed: exiting. To continue, add one \
         or more '-T permissive' options."
    );
    assert_eq!(
        judged(fixture!("error-sda-open-failed.json"), "", 2),
        "Err no report (status 2): Smartctl open device: /dev/sda failed: No such device"
    );
    // No JSON at all (sudo refused): stderr is all there is.
    assert_eq!(
        judged("", "sudo: a password is required\n", 1),
        "Err smartctl exited with status 1: sudo: a password is required"
    );
    assert_eq!(judged("", "", 1), "Err smartctl exited with status 1: no message");
}

#[test]
fn findings_bits_keep_the_valid_report() {
    // Bit 2: a SMART command failed, the identity and health are still valid.
    let (drive, _) = judge_report(fixture!("sata-smart-read-failed.json"), "", 4, at());
    let drive = drive.unwrap();
    assert_eq!(
        (drive.model.as_deref(), drive.smart_passed, drive.attributes.len()),
        (Some("WDC WD40EFRX-68N32N0"), Some(true), 0)
    );
    assert_eq!(drive.smartctl_messages, ["Read SMART Data failed: scsi error aborted command"]);
    // Bits 3, 4, 6: a failing disk, full report.
    assert_eq!(judged(fixture!("sata-hdd-failing.json"), "", 88), "Ok /dev/sdb messages=[]");
    // Bit 1 on a sleeping drive is standby, not a failure.
    assert_eq!(judged(fixture!("sata-standby.json"), "", 2), "Ok /dev/sdc messages=[]");
    assert_eq!(judged(fixture!("sata-hdd-healthy.json"), "", 0), "Ok /dev/sda messages=[]");
}

#[test]
fn hostile_identity_and_temperature() {
    let long = "M".repeat(5 << 20);
    let report = format!(
        r#"{{"device": {{"name": "/dev/sda", "type": "sat\u0000", "protocol": "ATA"}},
            "model_name": "{long}", "serial_number": "WD-\u001b[2J123",
            "temperature": {{"current": 255}},
            "smartctl": {{"messages": [{{"string": "bad\u0000news", "severity": "warning"}}]}}}}"#
    );
    let (drive, warnings) = parse_info(&report, at());
    let d = drive.unwrap();
    assert_eq!(
        (d.device.as_str(), d.dev_type, d.model, d.serial, d.temperature_c),
        ("/dev/sda", None, None, None, None)
    );
    assert_eq!(d.smartctl_messages, ["bad news"]);
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.message.len() < 300), "{warnings:?}");
    let cold = r#"{"device": {"name": "/dev/sdb"}, "temperature": {"current": -300}}"#;
    assert_eq!(parse_info(cold, at()).0.unwrap().temperature_c, None);
}
