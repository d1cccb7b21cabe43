//! Parser for `smartctl --scan-open -j`: the drives smartctl can open.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::probes::Warning;

/// One entry of the scan's `devices` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEntry {
    /// Device path, e.g. `/dev/sda`.
    pub name: String,
    /// smartctl device type to pass back with `-d`, e.g. `sat`, `nvme`, `megaraid,0`.
    pub dev_type: Option<String>,
}

/// Parses the scan. No `devices` key means no drives (smartctl 7.3 omits it when empty).
/// Entries with an `open_error` or without a name are skipped with a warning.
pub fn parse_scan(output: &str, _observed_at: DateTime<Utc>) -> (Vec<ScanEntry>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let root: Value = match serde_json::from_str(output) {
        Ok(v) => v,
        Err(e) => return (Vec::new(), vec![Warning::general(format!("unreadable scan: {e}"))]),
    };
    let Some(devices) = root.get("devices").and_then(Value::as_array) else {
        return (Vec::new(), warnings);
    };
    let mut entries = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let name = d.get("name").and_then(Value::as_str);
        let open_error = d.get("open_error").and_then(Value::as_str);
        match (name, open_error) {
            (Some(name), None) => entries.push(ScanEntry {
                name: name.to_string(),
                dev_type: d.get("type").and_then(Value::as_str).map(str::to_string),
            }),
            (Some(name), Some(err)) => {
                warnings.push(Warning::general(format!("{name} cannot be opened: {err}")))
            }
            (None, _) => warnings.push(Warning::general(format!("scan entry {i} has no name"))),
        }
    }
    (entries, warnings)
}
