//! `analyze_performance_trends`: a least squares line through each series' bucket means over
//! time, with its slope per day, fit quality and significance, and a direction.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::Thresholds;
use super::stats::{Fit, ols};
use crate::store::{Bucket, Series};

/// Which way a series is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A significant upward slope.
    Rising,
    /// A significant downward slope.
    Falling,
    /// No significant slope, or one too small against the series' mean to matter.
    Flat,
    /// Fewer than 3 points, or all at one instant: no line can be fitted.
    NotEnoughData,
}

/// The fitted line of one series. Every number is finite.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct TrendFit {
    /// Change per day, in the series' unit.
    pub slope_per_day: f64,
    /// The line's value at the first point (`from`), in the series' unit.
    pub intercept: f64,
    /// Share of the variance the line explains, 0 to 1.
    pub r_squared: f64,
    /// The slope over its standard error; `None` when every point lies on the line.
    pub t_statistic: Option<f64>,
    /// Two-sided p-value of the slope against none.
    pub p_value: f64,
    /// Whether the slope is significant: at least `trend_min_points` points and a p-value
    /// below `trend_alpha` (5 %).
    pub significant: bool,
    /// Mean of the points, in the series' unit.
    pub mean: f64,
    /// The slope per day as a share of the mean's size; `None` when the mean is 0.
    pub relative_slope_per_day: Option<f64>,
}

/// The trend of one series.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Trend {
    /// The metric, e.g. `host.cpu_percent`.
    pub metric: String,
    /// The device.
    pub device: String,
    /// The instance (mount point, interface, container…); `None` for device-wide metrics.
    pub instance: Option<String>,
    /// The metric's unit.
    pub unit: String,
    /// The points' resolution: `raw`, `hour` or `day`.
    pub resolution: String,
    /// Points used (those with a finite mean).
    pub points: usize,
    /// First point used.
    pub from: Option<DateTime<Utc>>,
    /// Last point used.
    pub to: Option<DateTime<Utc>>,
    /// The verdict.
    pub direction: Direction,
    /// The line; `None` when there is not enough data.
    pub fit: Option<TrendFit>,
    /// One line for a reader, e.g. `host.cpu_percent on tower: rising 1.2 percent/day`.
    pub summary: String,
}

/// The trend of each series, in the order given: an ordinary least squares fit of the
/// bucket means over time (days since the series' first point). A series with fewer than 3
/// usable points says [`Direction::NotEnoughData`] instead of a fit.
pub fn analyze_performance_trends(series: &[Series], t: &Thresholds) -> Vec<Trend> {
    series.iter().map(|s| trend_of(s, t)).collect()
}

fn trend_of(s: &Series, t: &Thresholds) -> Trend {
    let used: Vec<_> = s.points.iter().filter(|p| p.avg.is_finite()).collect();
    let (from, to) = (used.first().map(|p| p.at), used.last().map(|p| p.at));
    let xy: Vec<(f64, f64)> = match from {
        Some(first) => used.iter().map(|p| (days_between(first, p.at), p.avg)).collect(),
        None => Vec::new(),
    };
    let fit = ols(&xy).map(|f| fit_of(&f, t));
    let direction = fit.as_ref().map_or(Direction::NotEnoughData, |f| direction_of(f, t));
    let mut trend = Trend {
        metric: s.metric.clone(),
        device: s.device.clone(),
        instance: s.instance.clone(),
        unit: s.unit.clone(),
        resolution: resolution_name(s.resolution).to_string(),
        points: used.len(),
        from,
        to,
        direction,
        fit,
        summary: String::new(),
    };
    trend.summary = summary(&trend);
    trend
}

/// Days from `a` to `b` (fractional).
pub(crate) fn days_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 86_400_000.0
}

fn fit_of(f: &Fit, t: &Thresholds) -> TrendFit {
    TrendFit {
        slope_per_day: f.slope,
        intercept: f.intercept,
        r_squared: f.r_squared,
        t_statistic: f.t,
        p_value: f.p_value,
        significant: f.n >= t.trend_min_points && f.p_value < t.trend_alpha,
        mean: f.mean_y,
        relative_slope_per_day: (f.mean_y != 0.0).then(|| f.slope / f.mean_y.abs()),
    }
}

fn direction_of(f: &TrendFit, t: &Thresholds) -> Direction {
    let tiny = f.relative_slope_per_day.is_some_and(|r| r.abs() < t.trend_flat_fraction_per_day);
    if !f.significant || tiny || f.slope_per_day == 0.0 {
        Direction::Flat
    } else if f.slope_per_day > 0.0 {
        Direction::Rising
    } else {
        Direction::Falling
    }
}

fn resolution_name(b: Bucket) -> &'static str {
    match b {
        Bucket::Raw => "raw",
        Bucket::Hour => "hour",
        Bucket::Day => "day",
        Bucket::Auto => "auto",
    }
}

fn summary(t: &Trend) -> String {
    let what = match &t.instance {
        Some(i) => format!("{} of {} on {}", t.metric, i, t.device),
        None => format!("{} on {}", t.metric, t.device),
    };
    match (&t.fit, t.direction) {
        (None, _) => format!("{what}: not enough data ({} points, 3 needed)", t.points),
        (Some(f), d) => {
            let verdict = match d {
                Direction::Rising => "rising",
                Direction::Falling => "falling",
                _ => "flat",
            };
            format!(
                "{what}: {verdict}, {:+.4} {}/day (r² {:.2}, p {:.3}, {} points)",
                f.slope_per_day, t.unit, f.r_squared, f.p_value, t.points
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Point;

    pub(crate) fn series(metric: &str, instance: Option<&str>, values: &[(i64, f64)]) -> Series {
        let base = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap().to_utc();
        Series {
            metric: metric.into(),
            device: "tower".into(),
            instance: instance.map(Into::into),
            resolution: Bucket::Hour,
            unit: "percent".into(),
            points: values
                .iter()
                .map(|&(hour, v)| Point {
                    at: base + chrono::Duration::hours(hour),
                    min: v,
                    avg: v,
                    max: v,
                    count: 1,
                })
                .collect(),
        }
    }

    fn hourly(n: i64, f: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
        (0..n).map(|h| (h, f(h))).collect()
    }

    #[test]
    fn directions_of_typical_series() {
        let wobble = |h: i64| if h % 2 == 0 { 0.5 } else { -0.5 };
        // (name, points, direction)
        type Case = (&'static str, Vec<(i64, f64)>, Direction);
        let cases: Vec<Case> = vec![
            ("rising 1/hour", hourly(48, |h| 20.0 + h as f64 + wobble(h)), Direction::Rising),
            ("falling", hourly(48, |h| 80.0 - 0.5 * h as f64 + wobble(h)), Direction::Falling),
            ("noise only", hourly(48, |h| 50.0 + 3.0 * wobble(h)), Direction::Flat),
            ("constant", hourly(24, |_| 42.0), Direction::Flat),
            // Significant but tiny against its mean: 0.024 per day on 1000.
            ("tiny slope", hourly(48, |h| 1000.0 + 0.001 * h as f64), Direction::Flat),
            // A clear line, but fewer points than a significant trend needs.
            (
                "too few for significance",
                hourly(5, |h| h as f64 * 10.0 + wobble(h)),
                Direction::Flat,
            ),
            ("two points", hourly(2, |h| h as f64), Direction::NotEnoughData),
            ("empty", vec![], Direction::NotEnoughData),
            (
                "not finite",
                vec![(0, f64::NAN), (1, 1.0), (2, f64::INFINITY)],
                Direction::NotEnoughData,
            ),
        ];
        for (name, points, want) in cases {
            let s = series("host.cpu_percent", None, &points);
            let got = &analyze_performance_trends(&[s], &Thresholds::default())[0];
            assert_eq!(got.direction, want, "{name}: {got:?}");
            assert_eq!(got.fit.is_none(), want == Direction::NotEnoughData, "{name}");
            let json = serde_json::to_string(got).unwrap();
            assert!(!json.contains("NaN") && !json.contains("inf"), "{name}: {json}");
        }
    }

    #[test]
    fn slope_is_per_day_in_the_series_unit() {
        let s = series("fs.used_percent", Some("/"), &hourly(24, |h| 10.0 + 0.5 * h as f64));
        let got = &analyze_performance_trends(&[s], &Thresholds::default())[0];
        let f = got.fit.as_ref().unwrap();
        assert!((f.slope_per_day - 12.0).abs() < 1e-9, "{f:?}");
        assert!((f.intercept - 10.0).abs() < 1e-9, "{f:?}");
        assert_eq!((f.r_squared, f.p_value, f.t_statistic, f.significant), (1.0, 0.0, None, true));
        assert_eq!(got.direction, Direction::Rising);
        assert_eq!(got.points, 24);
        assert_eq!(got.resolution, "hour");
        assert!(
            got.summary.contains("rising") && got.summary.contains("of / on tower"),
            "{}",
            got.summary
        );
    }

    #[test]
    fn not_enough_data_is_said_and_serialized_without_a_fit() {
        let s = series("host.load1", None, &[(0, 1.0), (1, 2.0)]);
        let got = &analyze_performance_trends(&[s], &Thresholds::default())[0];
        let json = serde_json::to_value(got).unwrap();
        assert_eq!(json["direction"], "not_enough_data");
        assert!(json["fit"].is_null());
        assert!(got.summary.contains("not enough data"), "{}", got.summary);
    }
}
