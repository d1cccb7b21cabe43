//! The typed sample tables, one test body per case run on every engine: three days of
//! synthetic five-minute samples of two devices, read back raw, hourly and daily (the open
//! hour included), by instance, as capacity inputs; late and duplicate samples; retention;
//! typed errors for bad arguments.

#[path = "store/engines.rs"]
mod engines;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::containers::{Container, Usage};
use infrastructor_actors::model::metrics::{Filesystem, MetricsSample};
use infrastructor_actors::model::zfs::{Pool, ZfsSample};
use infrastructor_actors::store::{Bucket, Retention, Series, SeriesQuery, Store};

/// Samples every five minutes over three days: 864 per series.
const STEPS: i64 = 3 * 24 * 12;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

fn at(i: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(5 * i)
}

/// The known values of sample `i` of a device (`k` 0 for tower, 1 for nas).
fn cpu(k: i64, i: i64) -> f64 {
    (i + 1000 * k) as f64
}
fn used(k: i64, mount: &str, i: i64) -> u64 {
    let base = if mount == "/" { 1_000 } else { 50_000 };
    (base + 10 * k + i * (1 + (i % 3))) as u64
}

fn metrics(device: &str, k: i64, i: i64) -> Arc<Event> {
    let fs = |mount: &str| Filesystem {
        source: format!("/dev/{mount}"),
        mount: mount.into(),
        size_bytes: 1_000_000,
        used_bytes: used(k, mount, i),
        avail_bytes: 1_000_000 - used(k, mount, i),
    };
    let sample = MetricsSample {
        cpu_percent: Some(cpu(k, i)),
        filesystems: vec![fs("/"), fs("/data")],
        ..Default::default()
    };
    Arc::new(Event::new(device, at(i), EventKind::MetricsSampled { sample }))
}

fn containers(device: &str, i: i64) -> Arc<Event> {
    let c = |name: &str, cpu: f64| Container {
        name: name.into(),
        state: "running".into(),
        usage: Usage { cpu_percent: Some(cpu), ..Default::default() },
        ..Default::default()
    };
    let kind = EventKind::ContainerStatsSampled {
        containers: vec![c("web", (i % 7) as f64), c("db", 2.0 * i as f64), c("stopped", f64::NAN)],
    };
    Arc::new(Event::new(device, at(i), kind))
}

fn pools(i: i64) -> Arc<Event> {
    let pool = Pool {
        name: "tank".into(),
        health: "ONLINE".into(),
        size_bytes: Some(8_000),
        alloc_bytes: Some(100 + i as u64),
        ..Default::default()
    };
    let sample = ZfsSample { pools: vec![pool], ..Default::default() };
    Arc::new(Event::new("nas", at(i), EventKind::PoolStatusSampled { sample }))
}

/// Every event of the three days, in time order.
fn all_events() -> Vec<Arc<Event>> {
    let mut out = Vec::new();
    for i in 0..STEPS {
        out.push(metrics("tower", 0, i));
        out.push(metrics("nas", 1, i));
        out.push(containers("tower", i));
        if i % 12 == 0 {
            out.push(pools(i));
        }
    }
    out
}

/// `(bucket start, min, avg, max, count)` of `(time, value)` samples, computed here.
fn buckets(
    samples: impl IntoIterator<Item = (DateTime<Utc>, f64)>,
    width: i64,
) -> Vec<(i64, f64, f64, f64, u64)> {
    let mut acc: BTreeMap<i64, (f64, f64, f64, u64)> = BTreeMap::new();
    for (t, v) in samples {
        let b = t.timestamp().div_euclid(width) * width;
        let e = acc.entry(b).or_insert((f64::MAX, f64::MIN, 0.0, 0));
        *e = (e.0.min(v), e.1.max(v), e.2 + v, e.3 + 1);
    }
    acc.into_iter().map(|(b, (mn, mx, s, c))| (b, mn, s / c as f64, mx, c)).collect()
}

fn got(s: &Series) -> Vec<(i64, f64, f64, f64, u64)> {
    s.points.iter().map(|p| (p.at.timestamp(), p.min, p.avg, p.max, p.count)).collect()
}

fn query(
    device: &str,
    metric: &str,
    instance: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: Bucket,
) -> SeriesQuery {
    SeriesQuery {
        device: device.into(),
        metric: metric.into(),
        instance: instance.map(str::to_string),
        from,
        to,
        bucket,
    }
}

async fn one(db: &Store, q: SeriesQuery) -> Series {
    let mut all = db.series(&q).await.unwrap();
    assert_eq!(all.len(), 1, "{q:?}: {all:?}");
    all.remove(0)
}

async fn load(db: &Store) {
    for chunk in all_events().chunks(500) {
        db.insert(chunk).await.unwrap();
    }
}

#[tokio::test]
async fn raw_hourly_and_daily_series_with_the_open_hour() {
    for e in engines::all().await {
        let db = &e.store;
        load(db).await;
        // Rolled up to 71:00: hour 71 (and so day 2) is still open, read from raw samples.
        let now = t0() + Duration::minutes(71 * 60 + 30);
        assert!(db.rollup(now).await.unwrap() > 0, "{}", e.name);
        assert_eq!(db.rollup(now).await.unwrap(), 0, "{}: nothing new to roll up", e.name);
        let end = t0() + Duration::hours(72);
        let tower: Vec<_> = (0..STEPS).map(|i| (at(i), cpu(0, i))).collect();

        let raw = one(
            db,
            query(
                "tower",
                "host.cpu_percent",
                None,
                t0() + Duration::hours(10),
                t0() + Duration::hours(11),
                Bucket::Auto,
            ),
        )
        .await;
        assert_eq!(raw.resolution, Bucket::Raw, "{}", e.name);
        assert_eq!((raw.unit.as_str(), raw.instance.as_deref()), ("percent", None), "{}", e.name);
        assert_eq!(got(&raw), buckets(tower[120..132].to_vec(), 1), "{}", e.name);

        let hourly =
            one(db, query("tower", "host.cpu_percent", None, t0(), end, Bucket::Auto)).await;
        assert_eq!(hourly.resolution, Bucket::Hour, "{}", e.name);
        assert_eq!(hourly.points.len(), 72, "{}", e.name);
        assert_eq!(got(&hourly), buckets(tower.clone(), 3600), "{}", e.name);
        assert_eq!(hourly.points[71].max, cpu(0, STEPS - 1), "{}: the open hour", e.name);

        let daily = one(db, query("tower", "host.cpu_percent", None, t0(), end, Bucket::Day)).await;
        assert_eq!(got(&daily), buckets(tower.clone(), 86_400), "{}", e.name);
        assert_eq!(daily.points[2].count, 288, "{}: the open day is whole", e.name);
        // Auto over more than 31 days is daily; a range inside buckets covers them whole.
        let long =
            query("nas", "host.cpu_percent", None, t0() - Duration::days(40), end, Bucket::Auto);
        let nas: Vec<_> = (0..STEPS).map(|i| (at(i), cpu(1, i))).collect();
        let long = one(db, long).await;
        assert_eq!(
            (long.resolution, got(&long)),
            (Bucket::Day, buckets(nas.clone(), 86_400)),
            "{}",
            e.name
        );
        let inside = query(
            "nas",
            "host.cpu_percent",
            None,
            t0() + Duration::minutes(70),
            t0() + Duration::minutes(130),
            Bucket::Hour,
        );
        assert_eq!(got(&one(db, inside).await), buckets(nas[12..36].to_vec(), 3600), "{}", e.name);

        // A late sample in an hour and day already rolled up is counted in both.
        let late_at = t0() + Duration::minutes(10 * 60 + 2);
        let sample = MetricsSample { cpu_percent: Some(5_000.0), ..Default::default() };
        db.insert(&[Arc::new(Event::new("tower", late_at, EventKind::MetricsSampled { sample }))])
            .await
            .unwrap();
        let mut with_late = tower.clone();
        with_late.push((late_at, 5_000.0));
        let hourly =
            one(db, query("tower", "host.cpu_percent", None, t0(), end, Bucket::Hour)).await;
        assert_eq!(got(&hourly), buckets(with_late.clone(), 3600), "{}", e.name);
        assert_eq!(hourly.points[10].count, 13, "{}", e.name);
        let daily = one(db, query("tower", "host.cpu_percent", None, t0(), end, Bucket::Day)).await;
        assert_eq!(got(&daily), buckets(with_late, 86_400), "{}", e.name);
    }
}

#[tokio::test]
async fn instances_capacity_and_duplicates() {
    for e in engines::all().await {
        let db = &e.store;
        load(db).await;
        let stored = db.sample_count().await.unwrap();
        // 2 devices × (cpu + 3 per filesystem × 2) + tower's 2 running containers, per step,
        // and 3 pool figures every hour (no capacity given); the NaN of `stopped` is not
        // stored.
        assert_eq!(stored, (STEPS * (2 * 7 + 2) + STEPS / 12 * 3) as u64, "{}", e.name);
        db.rollup(t0() + Duration::hours(30)).await.unwrap();
        // A batch written again (a retry after a lost acknowledgement) adds nothing, and
        // neither do other events observed in the same second.
        let evs = all_events();
        let mut seen = Vec::new();
        for chunk in evs.chunks(700) {
            seen.push(db.insert(chunk).await.unwrap());
        }
        assert_eq!(seen.iter().sum::<usize>(), evs.len(), "{}: new ids are new events", e.name);
        let first = all_events();
        assert_eq!(db.insert(&first[..50]).await.unwrap(), 50, "{}", e.name);
        assert_eq!(db.insert(&first[..50]).await.unwrap(), 0, "{}: same ids", e.name);
        assert_eq!(db.sample_count().await.unwrap(), stored, "{}: same series and second", e.name);
        let end = t0() + Duration::hours(72);
        let hourly = one(db, query("nas", "host.cpu_percent", None, t0(), end, Bucket::Hour)).await;
        let want: Vec<_> = (0..STEPS).map(|i| (at(i), cpu(1, i))).collect();
        assert_eq!(got(&hourly), buckets(want, 3600), "{}: nothing counted twice", e.name);

        // Instances: one asked for, or every one, in name order.
        let web =
            one(db, query("tower", "container.cpu_percent", Some("web"), t0(), end, Bucket::Hour))
                .await;
        let want: Vec<_> = (0..STEPS).map(|i| (at(i), (i % 7) as f64)).collect();
        assert_eq!(got(&web), buckets(want, 3600), "{}", e.name);
        let all = db
            .series(&query("tower", "container.cpu_percent", None, t0(), end, Bucket::Day))
            .await
            .unwrap();
        let names: Vec<_> = all.iter().map(|s| s.instance.clone().unwrap()).collect();
        assert_eq!(names, ["db", "web"], "{}", e.name);
        let fs = db
            .series(&query("nas", "fs.used_bytes", Some("/data"), t0(), end, Bucket::Day))
            .await
            .unwrap();
        let want: Vec<_> = (0..STEPS).map(|i| (at(i), used(1, "/data", i) as f64)).collect();
        assert_eq!(fs.len(), 1, "{}", e.name);
        assert_eq!(got(&fs[0]), buckets(want, 86_400), "{}", e.name);
        let none = db
            .series(&query("nas", "container.cpu_percent", None, t0(), end, Bucket::Day))
            .await
            .unwrap();
        assert!(none.is_empty(), "{}: never stored", e.name);

        // Capacity: hourly under 31 days, every device, fs and pool series.
        let cap = db.capacity(None, t0(), end).await.unwrap();
        let ids: Vec<_> = cap
            .iter()
            .map(|s| format!("{} {} {}", s.metric, s.device, s.instance.as_deref().unwrap_or("-")))
            .collect();
        assert_eq!(
            ids,
            [
                "fs.used_bytes nas /",
                "fs.used_bytes nas /data",
                "fs.used_bytes tower /",
                "fs.used_bytes tower /data",
                "fs.size_bytes nas /",
                "fs.size_bytes nas /data",
                "fs.size_bytes tower /",
                "fs.size_bytes tower /data",
                "pool.alloc_bytes nas tank",
                "pool.size_bytes nas tank",
            ],
            "{}",
            e.name
        );
        assert!(
            cap.iter().all(|s| s.resolution == Bucket::Hour && s.points.len() == 72),
            "{}",
            e.name
        );
        let alloc: Vec<_> = (0..STEPS).step_by(12).map(|i| (at(i), (100 + i) as f64)).collect();
        assert_eq!(got(&cap[8]), buckets(alloc, 3600), "{}", e.name);
        let tower = db.capacity(Some("tower"), t0() - Duration::days(60), end).await.unwrap();
        assert_eq!(tower.len(), 4, "{}", e.name);
        assert!(
            tower.iter().all(|s| s.resolution == Bucket::Day && s.points.len() == 3),
            "{}",
            e.name
        );
    }
}

#[tokio::test]
async fn retention_deletes_old_raw_samples_and_keeps_rollups() {
    for e in engines::all().await {
        let db = &e.store;
        load(db).await;
        let end = t0() + Duration::hours(72);
        let now = t0() + Duration::days(31);
        let hourly = query("tower", "host.cpu_percent", None, t0(), end, Bucket::Hour);
        let before = one(db, hourly.clone()).await;
        // Raw samples not yet rolled up survive retention whatever their age.
        db.prune(now, Retention::default()).await.unwrap();
        assert_eq!(one(db, hourly.clone()).await, before, "{}", e.name);
        db.rollup(now).await.unwrap();
        db.prune(now, Retention::default()).await.unwrap();
        // Day 0 is older than 30 days: its raw load samples went, its rollups stay.
        let raw = query(
            "tower",
            "host.cpu_percent",
            None,
            t0() + Duration::hours(10),
            t0() + Duration::hours(11),
            Bucket::Raw,
        );
        assert!(one(db, raw).await.points.is_empty(), "{}", e.name);
        let raw = query(
            "tower",
            "host.cpu_percent",
            None,
            t0() + Duration::hours(30),
            t0() + Duration::hours(31),
            Bucket::Raw,
        );
        assert_eq!(one(db, raw).await.points.len(), 12, "{}: day 1 is kept", e.name);
        assert_eq!(one(db, hourly).await, before, "{}", e.name);
        // Pool figures are health: their raw samples are kept a year.
        let pool = query(
            "nas",
            "pool.alloc_bytes",
            Some("tank"),
            t0(),
            t0() + Duration::hours(6),
            Bucket::Raw,
        );
        assert_eq!(one(db, pool).await.points.len(), 6, "{}", e.name);
        // A year on, the rollups go too.
        db.prune(now + Duration::days(366), Retention::default()).await.unwrap();
        let daily = query("tower", "host.cpu_percent", None, t0(), end, Bucket::Day);
        assert!(one(db, daily).await.points.is_empty(), "{}", e.name);
    }
}

#[tokio::test]
async fn bad_series_arguments_are_typed_errors() {
    for e in engines::all().await {
        let db = &e.store;
        let (from, to) = (t0(), t0() + Duration::hours(1));
        let ok = query("tower", "host.cpu_percent", None, from, to, Bucket::Auto);
        assert!(db.series(&ok).await.unwrap().is_empty(), "{}", e.name);
        let bad = [
            (SeriesQuery { metric: "host.nope".into(), ..ok.clone() }, "unknown metric"),
            (SeriesQuery { to: from, ..ok.clone() }, "empty"),
            (SeriesQuery { from: to, to: from, ..ok.clone() }, "empty"),
            (SeriesQuery { from: to - Duration::days(3 * 365), ..ok.clone() }, "more than"),
            (SeriesQuery { instance: Some("x".repeat(1000)), ..ok.clone() }, "instance"),
            (SeriesQuery { device: String::new(), ..ok.clone() }, "device"),
            (SeriesQuery { instance: Some("a\0b".into()), ..ok.clone() }, "NUL"),
            (
                SeriesQuery { from: to - Duration::days(30), bucket: Bucket::Raw, ..ok.clone() },
                "raw",
            ),
        ];
        for (q, says) in bad {
            let err = db.series(&q).await.unwrap_err();
            assert!(err.is_invalid() && err.to_string().contains(says), "{}: {err}", e.name);
        }
        let err = db.capacity(None, to, from).await.unwrap_err();
        assert!(err.is_invalid(), "{}: {err}", e.name);
        let err = db.capacity(Some(""), from, to).await.unwrap_err();
        assert!(err.is_invalid(), "{}: {err}", e.name);
    }
}
