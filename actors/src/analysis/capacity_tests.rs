//! Tests of the capacity forecast: growing, full, flat, shrinking and thin series, pools,
//! the order of the answer and argument checks.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::store::{Bucket, Point};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap().to_utc()
}

fn one(metric: &str, instance: &str, values: &[(i64, f64)]) -> Series {
    Series {
        metric: metric.into(),
        device: "nas".into(),
        instance: Some(instance.into()),
        resolution: Bucket::Hour,
        unit: "bytes".into(),
        points: values
            .iter()
            .map(|&(h, v)| Point {
                at: base() + Duration::hours(h),
                min: v,
                avg: v,
                max: v,
                count: 12,
            })
            .collect(),
    }
}

/// The used and size series of one filesystem of 100 GiB, used `percent(hour)` over `hours`.
fn fs(mount: &str, hours: i64, percent: impl Fn(i64) -> f64) -> Vec<Series> {
    let used: Vec<_> = (0..hours).map(|h| (h, percent(h) * GIB)).collect();
    let size: Vec<_> = (0..hours).map(|h| (h, 100.0 * GIB)).collect();
    vec![one("fs.used_bytes", mount, &used), one("fs.size_bytes", mount, &size)]
}

fn predict(series: &[Series]) -> Vec<CapacityForecast> {
    predict_capacity(series, 90.0, &Thresholds::default()).unwrap()
}

#[test]
fn verdicts_of_typical_filesystems() {
    let wobble = |h: i64| if h % 2 == 0 { 0.2 } else { -0.2 };
    // (name, series, status, reason contains)
    let cases: Vec<(&str, Vec<Series>, CapacityStatus, &str)> = vec![
        (
            "growing 1 point a day",
            fs("/", 72, |h| 50.0 + h as f64 / 24.0 + wobble(h)),
            CapacityStatus::WillCross,
            "",
        ),
        (
            "already full",
            fs("/", 48, |h| 95.0 + h as f64 / 240.0),
            CapacityStatus::AlreadyAbove,
            "",
        ),
        ("flat", fs("/", 48, |_| 60.0), CapacityStatus::NotGrowing, ""),
        ("shrinking", fs("/", 48, |h| 70.0 - h as f64 / 24.0), CapacityStatus::NotGrowing, ""),
        (
            "too few points",
            fs("/", 5, |h| 50.0 + h as f64),
            CapacityStatus::NotEnoughData,
            "5 points",
        ),
        (
            "half a day",
            fs("/", 12, |h| 50.0 + h as f64),
            CapacityStatus::NotEnoughData,
            "days of data",
        ),
        (
            "no size",
            vec![one("fs.used_bytes", "/", &[(0, 1.0), (30, 2.0)])],
            CapacityStatus::NotEnoughData,
            "no used or no size",
        ),
    ];
    for (name, series, status, reason) in cases {
        let got = predict(&series);
        assert_eq!(got.len(), 1, "{name}");
        let f = &got[0];
        assert_eq!(f.status, status, "{name}: {f:?}");
        assert!(f.reason.as_deref().unwrap_or("").contains(reason), "{name}: {:?}", f.reason);
        assert_eq!(f.crosses_at.is_some(), status == CapacityStatus::WillCross, "{name}");
        assert_eq!(
            (f.kind, f.name.as_str(), f.device.as_str()),
            (StorageKind::Filesystem, "/", "nas")
        );
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{name}: {json}");
    }
}

#[test]
fn the_crossing_date_follows_the_fitted_rate_from_the_last_point() {
    // 50 % + 2 points a day, hourly for 3 days: last point 50 + 71/12 %.
    let got = predict(&fs("/data", 72, |h| 50.0 + h as f64 / 12.0));
    let f = &got[0];
    let current = 50.0 + 71.0 / 12.0;
    assert!((f.current_percent.unwrap() - current).abs() < 1e-9, "{f:?}");
    assert!((f.growth_percent_per_day.unwrap() - 2.0).abs() < 1e-9, "{f:?}");
    assert!((f.growth_bytes_per_day.unwrap() - 2.0 * GIB).abs() < 1.0, "{f:?}");
    let days = (90.0 - current) / 2.0;
    assert!((f.days_left.unwrap() - days).abs() < 1e-6, "{f:?}");
    let expected =
        base() + Duration::hours(71) + Duration::milliseconds((days * 86_400_000.0) as i64);
    assert!((f.crosses_at.unwrap() - expected).num_seconds().abs() <= 1);
    assert_eq!(f.r_squared, Some(1.0));
    assert_eq!((f.points, f.as_of), (72, Some(base() + Duration::hours(71))));
    assert!(f.summary.contains("reaches 90 %"), "{}", f.summary);
}

#[test]
fn pools_use_alloc_over_size_and_the_most_urgent_come_first() {
    let mut series = fs("/", 48, |_| 40.0);
    series.extend(fs("/slow", 48, |h| 50.0 + h as f64 / 240.0));
    series.extend(fs("/fast", 48, |h| 50.0 + h as f64 / 2.4));
    let alloc: Vec<_> = (0..48).map(|h| (h, 9.5 * GIB)).collect();
    let size: Vec<_> = (0..48).map(|h| (h, 10.0 * GIB)).collect();
    series.push(one("pool.alloc_bytes", "tank", &alloc));
    series.push(one("pool.size_bytes", "tank", &size));
    series.push(one("host.load1", "", &[(0, 1.0)]));
    let got = predict(&series);
    let order: Vec<_> = got.iter().map(|f| (f.name.as_str(), f.status)).collect();
    assert_eq!(
        order,
        [
            ("tank", CapacityStatus::AlreadyAbove),
            ("/fast", CapacityStatus::WillCross),
            ("/slow", CapacityStatus::WillCross),
            ("/", CapacityStatus::NotGrowing),
        ]
    );
    assert_eq!(got[0].kind, StorageKind::Pool);
    assert!((got[0].current_percent.unwrap() - 95.0).abs() < 1e-9);
}

#[test]
fn points_without_a_size_are_left_out_and_bad_thresholds_refused() {
    let mut series = fs("/", 48, |h| 50.0 + h as f64 / 24.0);
    series[1].points.retain(|p| p.at < base() + Duration::hours(40));
    assert_eq!(predict(&series)[0].points, 40);
    for bad in [0.0, -5.0, 100.5, f64::NAN] {
        let err = predict_capacity(&series, bad, &Thresholds::default()).unwrap_err();
        assert!(err.to_string().starts_with("the threshold must be"), "{err}");
    }
    assert!(predict_capacity(&series, 100.0, &Thresholds::default()).is_ok());
}
