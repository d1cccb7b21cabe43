//! Parsers for Unraid's `/var/local/emhttp/var.ini` and `disks.ini` (`key="value"` lines,
//! `["section"]` headers in `disks.ini`).

use chrono::DateTime;

use crate::model::arrays::{UnraidArray, UnraidDisk};
use crate::probes::Warning;
use crate::probes::sane::{DRIVE_C, clean_name, percent, shown};

/// Disk states that make the array degraded.
const BAD: &[&str] = &[
    "DISK_DSBL",
    "DISK_DSBL_NEW",
    "DISK_NP_DSBL",
    "DISK_NP_MISSING",
    "DISK_INVALID",
    "DISK_WRONG",
];

/// `key="value"` → (`key`, `value`).
fn kv(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.trim().split_once('=')?;
    let v = v.trim();
    let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
    Some((k.trim(), v))
}

/// The array figures of `var.ini`.
pub fn parse_var_ini(
    lines: &[&str],
    first_line: usize,
    warnings: &mut Vec<Warning>,
) -> UnraidArray {
    let mut a = UnraidArray::default();
    let (mut resync, mut pos, mut size, mut action) = (0u64, None, None, None);
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = kv(line) else {
            warnings.push(Warning::at(first_line + i, "var.ini: expected key=\"value\""));
            continue;
        };
        let num = || v.parse::<u64>().ok();
        let time = || {
            v.parse::<i64>().ok().filter(|t| *t > 0).and_then(|t| DateTime::from_timestamp(t, 0))
        };
        match k {
            "mdState" => a.state = clean_name(v).unwrap_or_default(),
            "mdNumDisabled" => a.disabled = v.parse().unwrap_or(0),
            "mdNumMissing" => a.missing = v.parse().unwrap_or(0),
            "mdNumInvalid" => a.invalid = v.parse().unwrap_or(0),
            "mdResync" => resync = num().unwrap_or(0),
            "mdResyncPos" => pos = num(),
            "mdResyncSize" => size = num(),
            "mdResyncAction" => action = clean_name(v).ok(),
            "sbSynced" => a.last_sync_started = time(),
            "sbSynced2" => a.last_sync_finished = time(),
            "sbSyncErrs" => a.last_sync_errors = num(),
            "sbSyncExit" => a.last_sync_exit = v.parse().ok(),
            _ => {}
        }
    }
    if resync > 0 {
        a.sync_action = action;
        a.sync_percent = match (pos, size) {
            (Some(p), Some(s)) if s > 0 => percent((p as f64 * 1000.0 / s as f64).round() / 10.0),
            _ => None,
        };
    }
    a.degraded = a.disabled > 0 || a.missing > 0 || a.invalid > 0;
    a
}

/// The disk slots of `disks.ini`.
pub fn parse_disks_ini(
    lines: &[&str],
    first_line: usize,
    warnings: &mut Vec<Warning>,
) -> Vec<UnraidDisk> {
    let mut disks: Vec<UnraidDisk> = Vec::new();
    let mut skipping = false;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(section) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let name = section.trim_matches('"');
            skipping = match clean_name(name) {
                Ok(name) => {
                    disks.push(UnraidDisk { name, ..UnraidDisk::default() });
                    false
                }
                Err(why) => {
                    let message = format!("disks.ini: slot `{}`: {why}", shown(name));
                    warnings.push(Warning::at(first_line + i, message));
                    true
                }
            };
            continue;
        }
        if skipping {
            continue;
        }
        let (Some((k, v)), Some(d)) = (kv(t), disks.last_mut()) else {
            warnings.push(Warning::at(
                first_line + i,
                "disks.ini: expected key=\"value\" in a section",
            ));
            continue;
        };
        let some = || clean_name(v).ok();
        let (lo, hi) = DRIVE_C;
        match k {
            "name" => d.name = clean_name(v).unwrap_or_else(|_| d.name.clone()),
            "device" => d.device = some(),
            "id" => d.id = some(),
            "status" => d.status = some().unwrap_or_default(),
            "type" => d.kind = some(),
            "temp" => d.temp_c = v.parse().ok().filter(|t| (lo..=hi).contains(t)),
            "numErrors" => d.num_errors = v.parse().ok(),
            _ => {}
        }
    }
    disks
}

/// Disks whose state makes the array degraded, as `name STATUS`. `DISK_NP_DSBL` counts only
/// for a slot that had a disk assigned (non-empty `id`): an unused second parity slot reads
/// `DISK_NP_DSBL` too.
pub fn bad_disks(a: &UnraidArray) -> Vec<String> {
    a.disks
        .iter()
        .filter(|d| BAD.contains(&d.status.as_str()))
        .filter(|d| d.status != "DISK_NP_DSBL" || d.id.is_some())
        .map(|d| format!("{} {}", d.name, d.status))
        .collect()
}
