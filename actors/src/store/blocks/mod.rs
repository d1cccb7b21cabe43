//! Compacted samples: closed hours of a series' raw samples packed into one block each
//! (`codec`), so 30 days of 30-second samples fit in a few bytes per sample. This part is
//! engine-neutral: which hours may be compacted, how a block and late raw rows merge, and
//! what a corrupt block is reported as. The engines keep blocks in `sample_blocks`
//! (`store::sqlite::blocks`, `store::postgres::blocks`).
//!
//! Rules, the same on every engine: an hour is compacted once it ended at least two hours
//! ago and is rolled up (rollups are computed from raw rows, before compaction); a late
//! sample into a compacted hour stays raw until the next run merges it into the block;
//! reads of raw points answer blocks and raw rows merged in time order (one point per
//! second: a block's point wins over a raw row of the same second).

pub mod codec;

use std::collections::BTreeMap;

use super::error::StoreError;
use super::query::Time;

const HOUR: i64 = 3600;

/// How long after an hour ends it may be compacted (late samples usually arrive sooner).
pub const GRACE_SECS: i64 = 2 * HOUR;

/// Where the sample tables' storage stands (`Store::storage_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageStats {
    /// Raw sample rows (not yet compacted, or late into a compacted hour).
    pub raw_rows: u64,
    /// Blocks in `sample_blocks`.
    pub blocks: u64,
    /// Points held by the blocks.
    pub block_points: u64,
}

impl StorageStats {
    /// Every stored raw point, compacted or not.
    pub fn points(&self) -> u64 {
        self.raw_rows + self.block_points
    }
}

/// The start of the hour holding `ts` (unix seconds).
pub fn hour_of(ts: i64) -> i64 {
    ts.div_euclid(HOUR) * HOUR
}

/// The start of the UTC day holding `ts` (unix seconds).
pub fn day_of(ts: i64) -> i64 {
    ts.div_euclid(24 * HOUR) * 24 * HOUR
}

/// The points of several blocks (each with its start) in time order, one per second: where
/// blocks overlap (a late hour block beside a day block), the earlier-starting block's point
/// wins, as a block's point wins over a raw row in [`merge`].
pub fn concat(mut parts: Vec<(i64, Vec<(i64, f64)>)>) -> Vec<(i64, f64)> {
    parts.sort_by_key(|p| p.0);
    let mut all: Vec<(i64, f64)> = parts.into_iter().flat_map(|p| p.1).collect();
    all.sort_by_key(|p| p.0); // stable: the earlier block's point stays first
    all.dedup_by_key(|p| p.0);
    all
}

/// Raw rows before this instant (unix seconds, hour-aligned) may be compacted at `now`:
/// their hour ended `GRACE_SECS` ago and is rolled up (`rolled_up_to`, `None`: never).
pub fn limit(now: Time, rolled_up_to: Option<i64>) -> Option<i64> {
    let grace = hour_of(now.timestamp() - GRACE_SECS);
    rolled_up_to.map(|b| b.min(grace))
}

/// `points` grouped by hour (points sorted by time stay sorted).
pub fn by_hour(points: Vec<(i64, f64)>) -> BTreeMap<i64, Vec<(i64, f64)>> {
    let mut out: BTreeMap<i64, Vec<(i64, f64)>> = BTreeMap::new();
    for p in points {
        out.entry(hour_of(p.0)).or_default().push(p);
    }
    out
}

/// Block points and raw points merged in time order, one per second (the block's first).
pub fn merge(mut block: Vec<(i64, f64)>, raw: Vec<(i64, f64)>) -> Vec<(i64, f64)> {
    if raw.is_empty() {
        return block;
    }
    block.extend(raw);
    block.sort_by_key(|p| p.0); // stable: a block's point stays before a raw one
    block.dedup_by_key(|p| p.0);
    block
}

/// One block to store: the hour's `raw` rows merged into the `existing` block's points.
pub struct Packed {
    /// Hour start.
    pub start: i64,
    /// Time of the last point.
    pub end_ts: i64,
    /// Point count.
    pub n: i32,
    /// The encoded block.
    pub data: Vec<u8>,
}

/// Packs hour `start` of series `label`: `existing` (a stored block, if any) merged with
/// `raw` at `quantum`. A corrupt stored block is `StoreError::Corrupt`.
pub fn pack(
    label: &str,
    start: i64,
    existing: Option<&[u8]>,
    raw: Vec<(i64, f64)>,
    quantum: f64,
) -> Result<Packed, StoreError> {
    let old = match existing {
        Some(b) => codec::decode(b).map_err(|e| corrupt(label, start, e))?,
        None => Vec::new(),
    };
    let points = merge(old, raw);
    let end_ts = points.last().map_or(start, |p| p.0);
    let n = i32::try_from(points.len()).map_err(|_| StoreError::Corrupt {
        seq: -1,
        detail: format!("series {label}: hour {start} holds too many samples for one block"),
    })?;
    Ok(Packed { start, end_ts, n, data: codec::encode(&points, quantum) })
}

/// Decodes the block of hour `start` of series `label`.
pub fn decode(label: &str, start: i64, data: &[u8]) -> Result<Vec<(i64, f64)>, StoreError> {
    codec::decode(data).map_err(|e| corrupt(label, start, e))
}

/// The error of a block that does not decode, naming its series and hour.
fn corrupt(label: &str, start: i64, e: codec::CorruptBlock) -> StoreError {
    let hour = chrono::DateTime::from_timestamp(start, 0)
        .map_or_else(|| start.to_string(), |t| t.format("%Y-%m-%d %H:00 UTC").to_string());
    StoreError::Corrupt {
        seq: -1,
        detail: format!("sample block of series {label}, hour {hour}: {e}"),
    }
}

/// A series' name for messages: `device/metric[/instance]`.
pub fn label(device: &str, metric: &str, instance: &str) -> String {
    if instance.is_empty() {
        format!("{device}/{metric}")
    } else {
        format!("{device}/{metric}/{instance}")
    }
}

/// The catalogue resolution of `metric` (`0`, kept exactly, for a metric it does not know).
pub fn quantum_of(metric: &str) -> f64 {
    super::samples::catalog::metric(metric).map_or(0.0, |m| m.quantum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_time_order_and_one_point_a_second() {
        let m = merge(vec![(10, 1.0), (30, 3.0)], vec![(20, 2.0), (30, 9.0), (5, 0.5)]);
        assert_eq!(m, vec![(5, 0.5), (10, 1.0), (20, 2.0), (30, 3.0)]);
    }

    #[test]
    fn blocks_concatenate_in_time_order_the_earlier_block_winning_a_second() {
        let day = vec![(0, 1.0), (10, 2.0), (3600 * 5 + 20, 3.0)];
        let late = vec![(3600 * 5, 9.0), (3600 * 5 + 20, 8.0)];
        let all = concat(vec![(3600 * 5, late), (0, day)]);
        assert_eq!(all, vec![(0, 1.0), (10, 2.0), (3600 * 5, 9.0), (3600 * 5 + 20, 3.0)]);
        assert_eq!((day_of(86_400 * 3 + 5), day_of(-1)), (86_400 * 3, -86_400));
    }

    #[test]
    fn hours_are_compacted_after_the_grace_and_once_rolled_up() {
        let now = chrono::DateTime::from_timestamp(10 * HOUR + 1800, 0).unwrap();
        assert_eq!(limit(now, None), None);
        assert_eq!(limit(now, Some(10 * HOUR)), Some(8 * HOUR));
        assert_eq!(limit(now, Some(5 * HOUR)), Some(5 * HOUR));
    }

    #[test]
    fn a_corrupt_block_names_its_series_and_hour() {
        let e = pack("tower/host.cpu_percent", 7200, Some(&[9, 9]), vec![], 0.01);
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("tower/host.cpu_percent") && msg.contains("1970-01-01 02:00"),
            "{msg}"
        );
    }
}
