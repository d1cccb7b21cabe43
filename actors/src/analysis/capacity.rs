//! `predict_capacity`: a least squares line through each filesystem's or pool's used share
//! over time, and the date it crosses a threshold at that rate.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::stats::ols;
use super::trend::days_between;
use super::{AnalysisError, Thresholds};
use crate::store::Series;

/// What holds the space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageKind {
    /// A mounted filesystem (`fs.used_bytes` / `fs.size_bytes`, by mount point).
    Filesystem,
    /// A ZFS pool (`pool.alloc_bytes` / `pool.size_bytes`, by pool name).
    Pool,
}

/// The forecast's verdict, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapacityStatus {
    /// Already at or above the threshold.
    AlreadyAbove,
    /// Growing: `crosses_at` says when it reaches the threshold.
    WillCross,
    /// Flat or shrinking: it does not reach the threshold at this rate.
    NotGrowing,
    /// Too few points, or too short a span, for a forecast (`reason` says which).
    NotEnoughData,
}

/// The forecast of one filesystem or pool. Every number is finite.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CapacityForecast {
    /// The device.
    pub device: String,
    /// Filesystem or pool.
    pub kind: StorageKind,
    /// Mount point or pool name.
    pub name: String,
    /// The threshold asked for, percent.
    pub threshold_percent: f64,
    /// The verdict.
    pub status: CapacityStatus,
    /// Why there is no forecast, for `not_enough_data`.
    pub reason: Option<String>,
    /// Points with both a used and a size value.
    pub points: usize,
    /// Days between the first and the last point.
    pub span_days: f64,
    /// Time of the last point: `current_percent` and `days_left` are as of then.
    pub as_of: Option<DateTime<Utc>>,
    /// Used share at the last point, percent.
    pub current_percent: Option<f64>,
    /// Used bytes at the last point.
    pub used_bytes: Option<f64>,
    /// Size at the last point, bytes.
    pub size_bytes: Option<f64>,
    /// Fitted growth of the used share, percentage points per day.
    pub growth_percent_per_day: Option<f64>,
    /// Fitted growth of the used bytes, bytes per day.
    pub growth_bytes_per_day: Option<f64>,
    /// How well the line fits the used share, 0 to 1.
    pub r_squared: Option<f64>,
    /// When the threshold is reached at the fitted rate from the last point (`will_cross`).
    pub crosses_at: Option<DateTime<Utc>>,
    /// Days from `as_of` to `crosses_at` (0 when already above).
    pub days_left: Option<f64>,
    /// One line for a reader.
    pub summary: String,
}

/// One forecast per filesystem and pool found in `series` (the `Store::capacity` series;
/// others are ignored), most urgent first: the used share (used / size per bucket) fitted
/// by least squares over time; the threshold reached at the fitted rate from the last
/// point. Fewer than `capacity_min_points` points or a span under `capacity_min_span_days`
/// give `not_enough_data`. `threshold_percent` must be within (0, 100].
pub fn predict_capacity(
    series: &[Series],
    threshold_percent: f64,
    t: &Thresholds,
) -> Result<Vec<CapacityForecast>, AnalysisError> {
    if !(threshold_percent > 0.0 && threshold_percent <= 100.0) {
        return Err(AnalysisError::Invalid(format!(
            "the threshold must be a percentage above 0 and at most 100, not {threshold_percent}"
        )));
    }
    let mut groups: BTreeMap<(String, StorageKind, String), Pair<'_>> = BTreeMap::new();
    for s in series {
        let Some((kind, used)) = role(&s.metric) else { continue };
        let key = (s.device.clone(), kind, s.instance.clone().unwrap_or_default());
        let pair = groups.entry(key).or_default();
        if used { pair.used = Some(s) } else { pair.size = Some(s) }
    }
    let mut out: Vec<CapacityForecast> = groups
        .into_iter()
        .map(|((device, kind, name), pair)| {
            forecast(device, kind, name, &pair, threshold_percent, t)
        })
        .collect();
    let days = |f: &CapacityForecast| f.days_left.unwrap_or(f64::MAX);
    out.sort_by(|a, b| {
        (a.status.cmp(&b.status))
            .then(days(a).total_cmp(&days(b)))
            .then_with(|| (&a.device, &a.name).cmp(&(&b.device, &b.name)))
    });
    Ok(out)
}

#[derive(Default)]
struct Pair<'a> {
    used: Option<&'a Series>,
    size: Option<&'a Series>,
}

/// `(kind, is the used series)` of a capacity metric.
fn role(metric: &str) -> Option<(StorageKind, bool)> {
    Some(match metric {
        "fs.used_bytes" => (StorageKind::Filesystem, true),
        "fs.size_bytes" => (StorageKind::Filesystem, false),
        "pool.alloc_bytes" => (StorageKind::Pool, true),
        "pool.size_bytes" => (StorageKind::Pool, false),
        _ => return None,
    })
}

/// `(time, used, size)` of every bucket both series have, oldest first.
fn joined(pair: &Pair<'_>) -> Vec<(DateTime<Utc>, f64, f64)> {
    let (Some(used), Some(size)) = (pair.used, pair.size) else { return Vec::new() };
    let sizes: BTreeMap<_, _> = size.points.iter().map(|p| (p.at, p.avg)).collect();
    let mut rows: Vec<_> = used
        .points
        .iter()
        .filter_map(|p| {
            let size = *sizes.get(&p.at)?;
            let ok = p.avg.is_finite() && p.avg >= 0.0 && size.is_finite() && size > 0.0;
            ok.then_some((p.at, p.avg, size))
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows
}

fn forecast(
    device: String,
    kind: StorageKind,
    name: String,
    pair: &Pair<'_>,
    threshold: f64,
    t: &Thresholds,
) -> CapacityForecast {
    let rows = joined(pair);
    let last = rows.last().copied();
    let span_days = match (rows.first(), last) {
        (Some(a), Some(b)) => days_between(a.0, b.0),
        _ => 0.0,
    };
    let mut f = CapacityForecast {
        device,
        kind,
        name,
        threshold_percent: threshold,
        status: CapacityStatus::NotEnoughData,
        reason: None,
        points: rows.len(),
        span_days,
        as_of: last.map(|r| r.0),
        current_percent: last.map(|r| 100.0 * r.1 / r.2),
        used_bytes: last.map(|r| r.1),
        size_bytes: last.map(|r| r.2),
        growth_percent_per_day: None,
        growth_bytes_per_day: None,
        r_squared: None,
        crosses_at: None,
        days_left: None,
        summary: String::new(),
    };
    let first = rows.first().map(|r| r.0);
    let percent: Vec<_> = rows.iter().map(|r| (x(first, r.0), 100.0 * r.1 / r.2)).collect();
    let bytes: Vec<_> = rows.iter().map(|r| (x(first, r.0), r.1)).collect();
    f.reason = if pair.used.is_none() || pair.size.is_none() {
        Some("no used or no size series".into())
    } else if rows.len() < t.capacity_min_points.max(3) {
        Some(format!("{} points, at least {} needed", rows.len(), t.capacity_min_points.max(3)))
    } else if span_days < t.capacity_min_span_days {
        Some(format!("{span_days:.2} days of data, at least {} needed", t.capacity_min_span_days))
    } else {
        None
    };
    let fit = if f.reason.is_none() { ols(&percent) } else { None };
    if let (Some(fit), Some(current)) = (fit, f.current_percent) {
        f.growth_percent_per_day = Some(fit.slope);
        f.growth_bytes_per_day = ols(&bytes).map(|b| b.slope);
        f.r_squared = Some(fit.r_squared);
        if current >= threshold {
            f.status = CapacityStatus::AlreadyAbove;
            f.days_left = Some(0.0);
        } else if fit.slope >= t.capacity_min_growth_percent_per_day.max(f64::MIN_POSITIVE) {
            let days = (threshold - current) / fit.slope;
            let at = chrono::Duration::try_milliseconds((days * 86_400_000.0) as i64)
                .and_then(|d| f.as_of?.checked_add_signed(d));
            f.status =
                if at.is_some() { CapacityStatus::WillCross } else { CapacityStatus::NotGrowing };
            f.crosses_at = at;
            f.days_left = at.map(|_| days);
        } else {
            f.status = CapacityStatus::NotGrowing;
        }
    } else if f.reason.is_none() {
        f.reason = Some("every point is at one instant".into());
    }
    f.summary = summary(&f);
    f
}

fn x(first: Option<DateTime<Utc>>, at: DateTime<Utc>) -> f64 {
    first.map_or(0.0, |f| days_between(f, at))
}

fn summary(f: &CapacityForecast) -> String {
    let what = format!("{} on {}", f.name, f.device);
    let now = f.current_percent.map_or(String::new(), |p| format!(" at {p:.1} %"));
    let rate = f.growth_percent_per_day.map_or(String::new(), |g| {
        format!(", {g:+.3} points/day (r² {:.2})", f.r_squared.unwrap_or(0.0))
    });
    match f.status {
        CapacityStatus::NotEnoughData => {
            format!("{what}: not enough data ({})", f.reason.as_deref().unwrap_or("unknown"))
        }
        CapacityStatus::AlreadyAbove => {
            format!("{what}{now}: already above {} %{rate}", f.threshold_percent)
        }
        CapacityStatus::NotGrowing => format!("{what}{now}: not growing{rate}"),
        CapacityStatus::WillCross => format!(
            "{what}{now}: reaches {} % in {:.1} days ({}){rate}",
            f.threshold_percent,
            f.days_left.unwrap_or(0.0),
            f.crosses_at.map_or(String::new(), |d| d.format("%Y-%m-%d").to_string())
        ),
    }
}

#[cfg(test)]
#[path = "capacity_tests.rs"]
mod tests;
