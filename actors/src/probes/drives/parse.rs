//! Parser for `smartctl -j -a -n standby <device>` (smartctl 7.x JSON).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::drives::{Drive, NvmeHealth, SmartAttribute};
use crate::probes::sane::{DRIVE_C, clean_name, clean_text, shown};
use crate::probes::{Warning, first_line};

/// Parses one drive's report. `None` when the output names no device (smartctl could not
/// open or identify it); its error messages become warnings.
pub fn parse_info(output: &str, _observed_at: DateTime<Utc>) -> (Option<Drive>, Vec<Warning>) {
    let root: Value = match serde_json::from_str(output) {
        Ok(v) => v,
        Err(e) => {
            return (None, vec![Warning::general(format!("unreadable smartctl output: {e}"))]);
        }
    };
    let messages = messages(&root);
    let mut warnings: Vec<Warning> = messages
        .iter()
        .filter(|(severity, _)| severity != "information")
        .map(|(severity, text)| {
            Warning::general(format!("smartctl {}: {}", shown(severity), clean_text(text, 512)))
        })
        .collect();
    let Some(device) = root.get("device") else {
        if warnings.is_empty() {
            warnings.push(Warning::general("smartctl output names no device"));
        }
        return (None, warnings);
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    // Identity strings must be names; a field that is not is left out with a warning.
    let mut name = |field: &str, v: Option<String>| {
        let v = v?;
        clean_name(&v)
            .map_err(|why| {
                warnings.push(Warning::general(format!("{field} `{}`: {why}", shown(&v))))
            })
            .ok()
    };
    let device_name = name("device name", text(device.get("name")));
    let model = name(
        "model",
        // smartctl ≥ 7.3 names the SCSI identity `scsi_model_name`.
        text(root.get("model_name")).or_else(|| text(root.get("scsi_model_name"))),
    );
    let serial = name("serial", text(root.get("serial_number")));
    let dev_type = name("device type", text(device.get("type")));
    let protocol = name("protocol", text(device.get("protocol")));
    let nvme = root.get("nvme_smart_health_information_log");
    let nvme_u64 = |key: &str| nvme.and_then(|n| n.get(key)).and_then(Value::as_u64);
    let temperature = root
        .get("temperature")
        .and_then(|t| t.get("current"))
        .and_then(Value::as_i64)
        .or_else(|| nvme.and_then(|n| n.get("temperature")).and_then(Value::as_i64))
        .or_else(|| attribute(&root, 194).and_then(|v| i64::try_from(v).ok()));
    let (lo, hi) = DRIVE_C;
    let temperature_c = temperature.filter(|t| (lo..=hi).contains(t));
    if let (Some(t), None) = (temperature, temperature_c) {
        warnings.push(Warning::general(format!("temperature {t} °C is not a drive temperature")));
    }
    let drive = Drive {
        device: device_name.unwrap_or_default(),
        dev_type,
        model,
        serial,
        capacity_bytes: path_u64(&root, &["user_capacity", "bytes"])
            .or_else(|| root.get("nvme_total_capacity").and_then(Value::as_u64)),
        protocol,
        standby: messages.iter().any(|(_, text)| is_standby_message(text)),
        smart_passed: root
            .get("smart_status")
            .and_then(|s| s.get("passed"))
            .and_then(Value::as_bool),
        temperature_c,
        power_on_hours: path_u64(&root, &["power_on_time", "hours"])
            .or_else(|| nvme_u64("power_on_hours")),
        reallocated_sectors: attribute(&root, 5),
        pending_sectors: attribute(&root, 197),
        offline_uncorrectable: attribute(&root, 198),
        crc_errors: attribute(&root, 199),
        nvme_percentage_used: nvme_u64("percentage_used"),
        nvme_available_spare: nvme_u64("available_spare"),
        nvme_media_errors: nvme_u64("media_errors"),
        reported_uncorrect: attribute(&root, 187),
        nvme_error_log_entries: nvme_u64("num_err_log_entries"),
        scsi_grown_defects: root.get("scsi_grown_defect_list").and_then(Value::as_u64),
        scsi_uncorrected_errors: scsi_uncorrected(&root),
        attributes: attributes(&root),
        nvme_health: nvme.map(nvme_health),
        smartctl_exit_status: root
            .get("smartctl")
            .and_then(|s| s.get("exit_status"))
            .and_then(Value::as_i64),
        smartctl_messages: findings(&messages),
        error: None,
    };
    (Some(drive), warnings)
}

/// smartctl exit bit 0: the command line did not parse (or `sudo -n` refused).
const FAIL_COMMAND: i32 = 1;
/// smartctl exit bit 1: the device could not be opened, or it is in standby with `-n standby`.
const FAIL_OPEN_OR_STANDBY: i32 = 2;

/// Judges one `smartctl -j -a -n standby` run by its exit status, a bit mask: bit 0 (command
/// line error) gives no drive; a report naming no device gives none; bit 1 (open failed)
/// gives none unless the drive is asleep (standby shares the bit); bit 2 (a SMART command
/// failed) and bits 3–7 (health findings: failing, attributes at threshold, error logs) keep
/// the report, which is valid, with smartctl's messages in `smartctl_messages`.
///
/// The reason of a failure comes from the JSON `smartctl.messages` (with `-j` smartctl writes
/// its errors there and stderr is usually empty), else from the first line of stderr.
pub fn judge_report(
    stdout: &str,
    stderr: &str,
    status: i32,
    observed_at: DateTime<Utc>,
) -> (Result<Drive, String>, Vec<Warning>) {
    let (drive, warnings) = parse_info(stdout, observed_at);
    let reason = || {
        let from_json = serde_json::from_str::<Value>(stdout)
            .map(|root| findings(&messages(&root)).join("; "))
            .unwrap_or_default();
        let reason = if from_json.is_empty() { first_line(stderr) } else { from_json };
        if reason.is_empty() { "no message".to_string() } else { reason }
    };
    if status < 0 || status & FAIL_COMMAND != 0 {
        return (Err(format!("smartctl exited with status {status}: {}", reason())), warnings);
    }
    let Some(drive) = drive else {
        return (Err(format!("no report (status {status}): {}", reason())), warnings);
    };
    if status & FAIL_OPEN_OR_STANDBY != 0 && !drive.standby {
        return (Err(format!("device open failed (status {status}): {}", reason())), warnings);
    }
    (Ok(drive), warnings)
}

/// The messages that are not merely informational, cleaned and capped (at most 8 of 512 bytes).
fn findings(messages: &[(String, String)]) -> Vec<String> {
    messages
        .iter()
        .filter(|(severity, _)| severity != "information")
        .take(8)
        .map(|(_, text)| clean_text(text.trim(), 512))
        .collect()
}

/// `Device is in STANDBY mode, exit(2)` (also SLEEP, `STANDBY (OS)`, and IDLE with `-n idle`).
pub fn is_standby_message(text: &str) -> bool {
    text.contains("Device is in ") && text.contains(" mode")
}

/// `smartctl.messages[]` as `(severity, string)`.
fn messages(root: &Value) -> Vec<(String, String)> {
    let Some(list) = root.get("smartctl").and_then(|s| s.get("messages")).and_then(Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|m| {
            let text = m.get("string")?.as_str()?.to_string();
            let severity = m.get("severity").and_then(Value::as_str).unwrap_or("error");
            Some((severity.to_string(), text))
        })
        .collect()
}

fn path_u64(root: &Value, path: &[&str]) -> Option<u64> {
    path.iter().try_fold(root, |v, key| v.get(key))?.as_u64()
}

/// Raw value of ATA attribute `id`: the leading number of `raw.string` (vendors pack extra
/// data into the upper bytes of `raw.value`, e.g. temperature min/max), else `raw.value`.
fn attribute(root: &Value, id: u64) -> Option<u64> {
    let table = root.get("ata_smart_attributes")?.get("table")?.as_array()?;
    let raw = table.iter().find(|a| a.get("id").and_then(Value::as_u64) == Some(id))?.get("raw")?;
    raw_value(raw)
}

/// The leading number of `raw.string`, else `raw.value`.
fn raw_value(raw: &Value) -> Option<u64> {
    let leading = raw.get("string").and_then(Value::as_str).and_then(|s| {
        let digits: String = s.trim_start().chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    });
    leading.or_else(|| raw.get("value").and_then(Value::as_u64))
}

/// The whole `ata_smart_attributes.table`; rows without an id are skipped.
fn attributes(root: &Value) -> Vec<SmartAttribute> {
    let Some(table) =
        root.get("ata_smart_attributes").and_then(|a| a.get("table")).and_then(Value::as_array)
    else {
        return Vec::new();
    };
    table
        .iter()
        .filter_map(|a| {
            let id = a.get("id")?.as_u64()?;
            let u = |key: &str| a.get(key).and_then(Value::as_u64);
            Some(SmartAttribute {
                id,
                name: a.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
                value: u("value"),
                worst: u("worst"),
                thresh: u("thresh"),
                raw: a.get("raw").and_then(raw_value),
                failing_now: a.get("when_failed").and_then(Value::as_str) == Some("now"),
            })
        })
        .collect()
}

fn nvme_health(n: &Value) -> NvmeHealth {
    let u = |key: &str| n.get(key).and_then(Value::as_u64);
    NvmeHealth {
        critical_warning: u("critical_warning"),
        temperature: u("temperature"),
        available_spare: u("available_spare"),
        available_spare_threshold: u("available_spare_threshold"),
        percentage_used: u("percentage_used"),
        data_units_read: u("data_units_read"),
        data_units_written: u("data_units_written"),
        host_reads: u("host_reads"),
        host_writes: u("host_writes"),
        controller_busy_time: u("controller_busy_time"),
        power_cycles: u("power_cycles"),
        power_on_hours: u("power_on_hours"),
        unsafe_shutdowns: u("unsafe_shutdowns"),
        media_errors: u("media_errors"),
        num_err_log_entries: u("num_err_log_entries"),
        warning_temp_time: u("warning_temp_time"),
        critical_comp_time: u("critical_comp_time"),
    }
}

/// `scsi_error_counter_log.{read,write}.total_uncorrected_errors`, summed.
fn scsi_uncorrected(root: &Value) -> Option<u64> {
    let log = root.get("scsi_error_counter_log")?;
    let side = |k: &str| log.get(k)?.get("total_uncorrected_errors")?.as_u64();
    match (side("read"), side("write")) {
        (None, None) => None,
        (r, w) => Some(r.unwrap_or(0).saturating_add(w.unwrap_or(0))),
    }
}
