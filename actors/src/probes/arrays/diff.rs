//! Diffing two arrays samples into `ArrayDegraded` / `ArrayRecovered`.

use super::{UNRAID, bad_disks};
use crate::events::EventKind;
use crate::model::arrays::ArraysSample;

/// Arrays of a sample that need a disk replaced, with what is wrong: name → detail. That is
/// a degraded array, and also a whole one with a failed member (a spare took its place).
fn degraded(sample: &ArraysSample) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = sample
        .md
        .iter()
        .filter(|a| a.degraded || a.failed_member)
        .map(|a| {
            let mut detail = match (a.raid_disks, a.working_disks, &a.slots) {
                (Some(n), Some(m), Some(s)) => format!("[{n}/{m}] [{s}]"),
                _ if !a.active => "inactive".to_string(),
                _ => "degraded".to_string(),
            };
            for m in a.members.iter().filter(|m| m.faulty) {
                detail.push_str(&format!(" {}(F)", m.device));
            }
            if !a.degraded {
                detail.push_str(" (array still whole)");
            }
            (a.name.clone(), detail)
        })
        .collect();
    if let Some(u) = sample.unraid.as_ref().filter(|u| u.degraded) {
        let mut detail = bad_disks(u).join(", ");
        if detail.is_empty() {
            detail = format!("disabled={} missing={} invalid={}", u.disabled, u.missing, u.invalid);
        }
        out.push((UNRAID.to_string(), detail));
    }
    out
}

/// `ArrayDegraded` for every array degraded now and not before (including a new array that
/// is degraded), `ArrayRecovered` for every array degraded before and present and whole now.
pub fn diff(previous: &ArraysSample, current: &ArraysSample) -> Vec<EventKind> {
    let before = degraded(previous);
    let now = degraded(current);
    let exists = |name: &str| {
        current.md.iter().any(|a| a.name == name) || (name == UNRAID && current.unraid.is_some())
    };
    let mut events = Vec::new();
    for (array, detail) in &now {
        if !before.iter().any(|(b, _)| b == array) {
            events.push(EventKind::ArrayDegraded { array: array.clone(), detail: detail.clone() });
        }
    }
    for (array, _) in &before {
        if !now.iter().any(|(n, _)| n == array) && exists(array) {
            events.push(EventKind::ArrayRecovered { array: array.clone() });
        }
    }
    events
}
