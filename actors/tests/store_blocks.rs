//! Compaction of raw samples into hourly blocks, one test body run on every engine: three
//! days of 30-second samples are rolled up and compacted; raw and hourly answers are the
//! same before and after (within the metric's resolution), rows move from `samples` to
//! `sample_blocks` (on PostgreSQL the hours of a closed day merged into one block, and its
//! hourly rollups packed into one row), a late sample into a compacted hour is answered and
//! merged at the next run, retention deletes old blocks, and a corrupt block is a typed error
//! naming it.

#[path = "store/engines.rs"]
mod engines;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::containers::{Container, Usage};
use infrastructor_actors::store::{Bucket, Retention, SeriesQuery, Store, StoreError};

/// Samples every 30 s over three days.
const STEPS: i64 = 3 * 24 * 120;
/// Series per event: two containers × (cpu, mem).
const SERIES: u64 = 4;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

/// The containers sample at `at`, values drifting like real ones.
fn sample(at: DateTime<Utc>, rng: &mut fastrand::Rng) -> Arc<Event> {
    let c = |name: &str, rng: &mut fastrand::Rng| Container {
        name: name.into(),
        state: "running".into(),
        usage: Usage {
            cpu_percent: Some(rng.f64() * 37.0),
            mem_usage_bytes: Some(100_000_000 + rng.u64(..10_000_000)),
            ..Default::default()
        },
        ..Default::default()
    };
    let containers = vec![c("web", rng), c("db", rng)];
    Arc::new(Event::new("tower", at, EventKind::ContainerStatsSampled { containers }))
}

fn raw(metric: &str, instance: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> SeriesQuery {
    SeriesQuery {
        device: "tower".into(),
        metric: metric.into(),
        instance: Some(instance.into()),
        from,
        to,
        bucket: Bucket::Raw,
    }
}

/// `(unix seconds, value)` of the one series `q` answers.
async fn points(db: &Store, q: &SeriesQuery) -> Vec<(i64, f64)> {
    let mut all = db.series(q).await.unwrap();
    assert_eq!(all.len(), 1, "{q:?}");
    all.remove(0).points.iter().map(|p| (p.at.timestamp(), p.avg)).collect()
}

fn same_within(a: &[(i64, f64)], b: &[(i64, f64)], quantum: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: point count");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.0, y.0, "{what}: times");
        assert!((x.1 - y.1).abs() <= quantum / 2.0 + 1e-9, "{what}: {} vs {}", x.1, y.1);
    }
}

#[tokio::test]
async fn compaction_keeps_every_answer_and_moves_rows_into_blocks() {
    for e in engines::all().await {
        let (db, name) = (&e.store, e.name);
        let mut rng = fastrand::Rng::with_seed(3);
        let events: Vec<_> =
            (0..STEPS).map(|i| sample(t0() + Duration::seconds(30 * i), &mut rng)).collect();
        for chunk in events.chunks(2000) {
            db.insert(chunk).await.unwrap();
        }
        let total = SERIES * STEPS as u64;
        let (from, to) = (t0(), t0() + Duration::days(3));
        let cpu = raw("container.cpu_percent", "web", from, to);
        let mem = raw("container.mem_bytes", "db", from, to);
        let hourly = SeriesQuery { bucket: Bucket::Hour, ..cpu.clone() };
        let (cpu_before, mem_before) = (points(db, &cpu).await, points(db, &mem).await);
        assert_eq!(cpu_before.len(), STEPS as usize, "{name}");

        // Hour 72 is open: rolled up to 72:00, compacted up to 70:00 (two hours of grace).
        let now = t0() + Duration::minutes(72 * 60 + 30);
        assert!(db.rollup(now).await.unwrap() > 0, "{name}");
        let hourly_before = points(db, &hourly).await;
        let blocks = db.compact(now).await.unwrap();
        let stats = db.storage_stats().await.unwrap();
        if name == "timescaledb" {
            // Native compression instead: nothing is packed, everything still answers.
            assert_eq!((blocks, stats.blocks, stats.raw_rows), (0, 0, total), "{name}");
            assert_eq!(points(db, &cpu).await, cpu_before, "{name}");
            continue;
        }
        // One block per series and hour; on PostgreSQL the closed days 0 and 1 are one block
        // each (hours 48..70 stay hour blocks).
        let (hour_blocks, left) = if name == "sqlite" { (70, 46) } else { (24, 23) };
        assert_eq!(blocks as u64, SERIES * hour_blocks, "{name}: blocks per series");
        assert_eq!(stats.blocks, SERIES * hour_blocks, "{name}");
        assert_eq!(stats.raw_rows, SERIES * 2 * 120, "{name}: hours 70 and 71 stay raw");
        assert_eq!(stats.points(), total, "{name}");
        assert_eq!(db.sample_count().await.unwrap(), total, "{name}");
        same_within(&points(db, &cpu).await, &cpu_before, 0.01, name);
        let page = infrastructor_actors::store::samples::catalog::metric("container.mem_bytes")
            .unwrap()
            .quantum;
        same_within(&points(db, &mem).await, &mem_before, page, name);
        assert_eq!(points(db, &hourly).await, hourly_before, "{name}: rollups unaffected");
        if let (Some(tmp), "postgresql") = (&e.db, name) {
            // Rolled up to 72:00: the hourly rollups of the closed days 0..2 are packed, one
            // row per series and day.
            let c = tmp.client().await;
            let q = "SELECT (SELECT count(*) FROM rollup_hour WHERE bucket < $1),
                            count(*), COALESCE(sum(cardinality(hours)), 0)::bigint
                     FROM rollup_hour_packed";
            let day3 = (t0() + Duration::days(3)).timestamp();
            let r = c.query_one(q, &[&day3]).await.unwrap();
            let got: (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
            let series = SERIES as i64;
            assert_eq!(got, (0, series * 3, series * 72), "{name}: loose, packed rows, hours");
        }
        // Ranges cutting through hours (and days), across the compacted/raw edge and from
        // inside one day's block into the next.
        for (a, b) in [
            (t0() + Duration::seconds(3600 * 69 + 1234), t0() + Duration::hours(71)),
            (t0() + Duration::seconds(3600 * 10 + 1234), t0() + Duration::hours(30)),
        ] {
            let part: Vec<_> = cpu_before
                .iter()
                .copied()
                .filter(|p| p.0 >= a.timestamp() && p.0 < b.timestamp())
                .collect();
            same_within(
                &points(db, &raw("container.cpu_percent", "web", a, b)).await,
                &part,
                0.01,
                name,
            );
        }
        assert_eq!(db.compact(now).await.unwrap(), 0, "{name}: nothing new to compact");

        // A late sample into compacted hour 5: answered at once, packed at the next run.
        let late_at = t0() + Duration::seconds(5 * 3600 + 15);
        db.insert(&[sample(late_at, &mut rng)]).await.unwrap();
        let hour5 = raw(
            "container.cpu_percent",
            "web",
            t0() + Duration::hours(5),
            t0() + Duration::hours(6),
        );
        let got = points(db, &hour5).await;
        assert_eq!(got.len(), 121, "{name}");
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "{name}: time order");
        assert_eq!(got[1].0, late_at.timestamp(), "{name}");
        assert_eq!(db.storage_stats().await.unwrap().raw_rows, SERIES * 241, "{name}");
        assert_eq!(db.compact(now).await.unwrap() as u64, SERIES, "{name}: hour 5 re-packed");
        let stats = db.storage_stats().await.unwrap();
        assert_eq!((stats.raw_rows, stats.blocks), (SERIES * 240, SERIES * hour_blocks), "{name}");
        same_within(&points(db, &hour5).await, &got, 0.01, name);

        // Retention of raw load samples: two days before `now` is 24:30, so the blocks of
        // hours 0..24 (whose last point is before it) go; hour 24 ends after it and stays
        // (on PostgreSQL: day 0's block goes, day 1's stays).
        let keep = Retention {
            raw_samples: std::time::Duration::from_secs(2 * 86_400),
            ..Default::default()
        };
        db.prune(now, keep).await.unwrap();
        let stats = db.storage_stats().await.unwrap();
        assert_eq!(stats.blocks, SERIES * left, "{name}");
        let first = points(db, &cpu).await[0].0;
        assert_eq!(first, (t0() + Duration::hours(24)).timestamp(), "{name}");

        // A damaged block is a typed error naming the series and the hour.
        if let Some(tmp) = &e.db {
            let c = tmp.client().await;
            c.batch_execute(
                "UPDATE sample_blocks SET data = '\\x0909'::bytea WHERE start = (SELECT min(start)
                 FROM sample_blocks) AND series = (SELECT id FROM series WHERE instance = 'web'
                 AND metric = 'container.cpu_percent')",
            )
            .await
            .unwrap();
            match db.series(&cpu).await {
                Err(StoreError::Corrupt { detail, .. }) => {
                    assert!(detail.contains("tower/container.cpu_percent/web"), "{detail}");
                    assert!(detail.contains("2026-11-21 00:00 UTC"), "{detail}");
                }
                other => panic!("{name}: {other:?}"),
            }
            assert!(
                db.compact(now + Duration::hours(1)).await.is_ok(),
                "{name}: hour 0 has no raw rows"
            );
        }
    }
}
