//! The time-series query: its arguments (`SeriesQuery`, `Bucket`), its answer (`Series` of
//! `Point`s) and the argument checks, the same on every engine.

use serde::{Deserialize, Serialize};

use super::catalog;
use crate::store::error::StoreError;
use crate::store::query::Time;

/// Longest range a series query may span.
pub const MAX_RANGE: chrono::Duration = chrono::Duration::days(2 * 366);
/// Longest range of a `Bucket::Raw` query (a point per sample: bounded so an answer stays
/// small; longer ranges are asked in hours or days).
pub const MAX_RAW_RANGE: chrono::Duration = chrono::Duration::days(7);
/// Longest instance name accepted.
pub const MAX_INSTANCE: usize = 512;
/// Longest metric and device names accepted.
pub const MAX_NAME: usize = 256;

/// How the points of a series are bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Chosen from the range: up to 12 h raw, up to 31 days hourly, else daily.
    Auto,
    /// Every sample (min = avg = max = value, count = 1).
    Raw,
    /// Whole UTC hours.
    Hour,
    /// Whole UTC days.
    Day,
}

impl Bucket {
    /// The resolution a query over `from..to` gets (`Auto` resolved).
    pub fn resolve(self, from: Time, to: Time) -> Bucket {
        match self {
            Bucket::Auto if to - from <= chrono::Duration::hours(12) => Bucket::Raw,
            Bucket::Auto if to - from <= chrono::Duration::days(31) => Bucket::Hour,
            Bucket::Auto => Bucket::Day,
            b => b,
        }
    }

    /// The bucket width in seconds (`None` for raw).
    pub fn seconds(self) -> Option<i64> {
        match self {
            Bucket::Hour => Some(3600),
            Bucket::Day => Some(86_400),
            Bucket::Raw | Bucket::Auto => None,
        }
    }
}

/// One time series of one device: a metric, optionally one instance of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeriesQuery {
    /// The device.
    pub device: String,
    /// A metric of the catalogue, e.g. `fs.used_bytes`.
    pub metric: String,
    /// One instance (mount point, interface, container…); `None`: every instance, one
    /// series each.
    pub instance: Option<String>,
    /// Start of the range (inclusive). Hour and day buckets cover the whole buckets the
    /// range overlaps.
    pub from: Time,
    /// End of the range (exclusive).
    pub to: Time,
    /// Resolution.
    pub bucket: Bucket,
}

impl SeriesQuery {
    /// Checks the arguments: a catalogued metric, a range that is neither empty, reversed,
    /// nor longer than `MAX_RANGE` (`MAX_RAW_RANGE` for raw points), names of sane length.
    pub fn validate(&self) -> Result<(), StoreError> {
        let invalid = |m: String| Err(StoreError::Invalid(m));
        if catalog::metric(&self.metric).is_none() {
            return invalid(format!("unknown metric {:?}", truncate(&self.metric)));
        }
        check_device(&self.device)?;
        if self.instance.as_ref().is_some_and(|i| i.len() > MAX_INSTANCE) {
            return invalid(format!("instance must be at most {MAX_INSTANCE} bytes long"));
        }
        if self.instance.as_ref().is_some_and(|i| i.contains('\0')) {
            return invalid("an instance name cannot hold a NUL character".into());
        }
        check_range(self.from, self.to, self.bucket)
    }

    /// The resolution this query gets.
    pub fn resolution(&self) -> Bucket {
        self.bucket.resolve(self.from, self.to)
    }
}

/// Checks a device name: 1 to `MAX_NAME` bytes, no NUL.
pub fn check_device(device: &str) -> Result<(), StoreError> {
    if device.is_empty() || device.len() > MAX_NAME {
        return Err(StoreError::Invalid(format!("device name must be 1 to {MAX_NAME} bytes long")));
    }
    if device.contains('\0') {
        return Err(StoreError::Invalid("a device name cannot hold a NUL character".into()));
    }
    Ok(())
}

/// Checks a series range for a bucket.
pub fn check_range(from: Time, to: Time, bucket: Bucket) -> Result<(), StoreError> {
    if from >= to {
        return Err(StoreError::Invalid(format!(
            "the time range is empty: from {from} is not before to {to}"
        )));
    }
    if to - from > MAX_RANGE {
        return Err(StoreError::Invalid(format!(
            "the time range spans {} days, more than the {} allowed",
            (to - from).num_days(),
            MAX_RANGE.num_days()
        )));
    }
    if bucket.resolve(from, to) == Bucket::Raw && to - from > MAX_RAW_RANGE {
        return Err(StoreError::Invalid(format!(
            "raw points are served for at most {} days; ask for hour or day buckets",
            MAX_RAW_RANGE.num_days()
        )));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

/// One bucket of a series (or one raw sample).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Point {
    /// Start of the bucket (the sample's time for raw points).
    pub at: Time,
    /// Smallest value in the bucket.
    pub min: f64,
    /// Mean of the values in the bucket.
    pub avg: f64,
    /// Largest value in the bucket.
    pub max: f64,
    /// How many samples the bucket holds.
    pub count: u64,
}

/// The answer to a series query: one metric of one device and instance, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Series {
    /// The metric.
    pub metric: String,
    /// The device.
    pub device: String,
    /// The instance; `None` for device-wide metrics.
    pub instance: Option<String>,
    /// The resolution of the points (never `Auto`).
    pub resolution: Bucket,
    /// The metric's unit (see `catalog::Metric::unit`).
    pub unit: String,
    /// The points, oldest first.
    pub points: Vec<Point>,
}

impl Series {
    /// The series of `metric` for `device` and `instance` (`""`: none) at `resolution`.
    pub(crate) fn new(
        metric: &catalog::Metric,
        device: String,
        instance: String,
        resolution: Bucket,
        points: Vec<Point>,
    ) -> Self {
        Self {
            metric: metric.name.to_string(),
            device,
            instance: (!instance.is_empty()).then_some(instance),
            resolution,
            unit: metric.unit.to_string(),
            points,
        }
    }
}

/// The bucket-aligned bounds (unix seconds) a query reads: `[from, to)` rounded out to whole
/// buckets, unchanged for raw.
pub fn aligned(from: Time, to: Time, bucket: Bucket) -> (i64, i64) {
    let (f, t) = (from.timestamp(), to.timestamp() + i64::from(to.timestamp_subsec_nanos() > 0));
    match bucket.seconds() {
        None => (f, t),
        Some(w) => (f.div_euclid(w) * w, (t + w - 1).div_euclid(w) * w),
    }
}

/// A time from unix seconds (out-of-range values clamp to the epoch).
pub fn time_of(secs: i64) -> Time {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
