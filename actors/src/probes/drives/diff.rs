//! Change events from consecutive drive samples, per drive (keyed by serial, else device).
//!
//! Only awake samples are compared: a drive in standby has no SMART data, so its next awake
//! sample is compared with the last awake one, and waking up is not a change.

use std::collections::HashMap;

use crate::events::EventKind;
use crate::model::drives::Drive;

/// Temperature threshold for HDDs and SATA/SAS SSDs, °C.
pub const HOT_C: i64 = 55;
/// Temperature threshold for NVMe drives, °C.
pub const HOT_NVME_C: i64 = 70;
/// A drive above its threshold counts as cooled again only this far below it, °C.
pub const HYSTERESIS_C: i64 = 3;

/// What the drives probe remembers between polls.
#[derive(Debug, Default)]
pub struct DriveTracker {
    by_key: HashMap<String, Seen>,
}

#[derive(Debug)]
struct Seen {
    /// The last known SMART verdict.
    passed: Option<bool>,
    /// The last known value of each of [`counters`].
    counters: [Option<u64>; COUNTERS],
    /// Whether the drive is above its temperature threshold (with hysteresis).
    hot: bool,
}

const COUNTERS: usize = 9;

/// The error counters whose increase is reported, with smartctl's names.
fn counters(d: &Drive) -> [(&'static str, Option<u64>); COUNTERS] {
    [
        ("Reallocated_Sector_Ct", d.reallocated_sectors),
        ("Current_Pending_Sector", d.pending_sectors),
        ("Offline_Uncorrectable", d.offline_uncorrectable),
        ("UDMA_CRC_Error_Count", d.crc_errors),
        ("Reported_Uncorrect", d.reported_uncorrect),
        ("media_errors", d.nvme_media_errors),
        ("num_err_log_entries", d.nvme_error_log_entries),
        ("scsi_grown_defect_list", d.scsi_grown_defects),
        ("total_uncorrected_errors", d.scsi_uncorrected_errors),
    ]
}

/// The temperature threshold of `d`, °C.
pub fn threshold_c(d: &Drive) -> i64 {
    if d.protocol.as_deref() == Some("NVMe") || d.dev_type.as_deref() == Some("nvme") {
        HOT_NVME_C
    } else {
        HOT_C
    }
}

fn verdict(passed: bool) -> String {
    if passed { "passed" } else { "failed" }.to_string()
}

impl DriveTracker {
    /// Records `drives` and returns the changes since each drive's previous awake sample.
    /// The first sample of a drive gives no events.
    pub fn observe(&mut self, drives: &[Drive]) -> Vec<EventKind> {
        let mut events = Vec::new();
        for cur in drives.iter().filter(|d| !d.standby) {
            let threshold = threshold_c(cur);
            let Some(seen) = self.by_key.get_mut(&cur.key()) else {
                let hot = cur.temperature_c.is_some_and(|t| t >= threshold);
                let counters = counters(cur).map(|(_, v)| v);
                self.by_key.insert(cur.key(), Seen { passed: cur.smart_passed, counters, hot });
                continue;
            };
            if let (Some(before), Some(now)) = (seen.passed, cur.smart_passed)
                && before != now
            {
                events.push(EventKind::DriveHealthChanged {
                    drive: cur.to_ref(),
                    previous: verdict(before),
                    current: verdict(now),
                });
            }
            seen.passed = cur.smart_passed.or(seen.passed);
            for (last, (attribute, now)) in seen.counters.iter_mut().zip(counters(cur)) {
                if let (Some(previous), Some(current)) = (*last, now)
                    && current > previous
                {
                    events.push(EventKind::SmartAttributeIncreased {
                        drive: cur.to_ref(),
                        attribute: attribute.to_string(),
                        previous,
                        current,
                    });
                }
                *last = now.or(*last);
            }
            if let Some(t) = cur.temperature_c {
                let crossed = if seen.hot { t <= threshold - HYSTERESIS_C } else { t >= threshold };
                if crossed {
                    seen.hot = !seen.hot;
                    events.push(EventKind::DriveTemperatureCrossed {
                        drive: cur.to_ref(),
                        temperature_c: t,
                        threshold_c: threshold,
                        rising: seen.hot,
                    });
                }
            }
        }
        events
    }
}
