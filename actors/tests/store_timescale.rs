//! TimescaleDB only: the sample hypertable's chunks compressed by hand (`compress_chunk`)
//! answer the same raw, hourly and daily series; a late sample lands in a compressed chunk
//! and is counted; retention deletes raw samples from compressed chunks.

#[path = "store/engines.rs"]
mod engines;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::metrics::MetricsSample;
use infrastructor_actors::store::{Bucket, Retention, Series, SeriesQuery, Store};

/// Samples every five minutes over three days.
const STEPS: i64 = 3 * 24 * 12;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

fn cpu(at: DateTime<Utc>, value: f64) -> Arc<Event> {
    let sample = MetricsSample { cpu_percent: Some(value), ..Default::default() };
    Arc::new(Event::new("tower", at, EventKind::MetricsSampled { sample }))
}

fn query(hours: (i64, i64), bucket: Bucket) -> SeriesQuery {
    SeriesQuery {
        device: "tower".into(),
        metric: "host.cpu_percent".into(),
        instance: None,
        from: t0() + Duration::hours(hours.0),
        to: t0() + Duration::hours(hours.1),
        bucket,
    }
}

/// Raw hour 10, hourly and daily over the three days.
async fn answers(db: &Store) -> Vec<Series> {
    let mut out = Vec::new();
    for q in
        [query((10, 11), Bucket::Raw), query((0, 72), Bucket::Hour), query((0, 72), Bucket::Day)]
    {
        out.extend(db.series(&q).await.unwrap());
    }
    out
}

#[tokio::test]
async fn compressed_chunks_answer_the_same() {
    for e in engines::all().await {
        if e.name != "timescaledb" {
            continue;
        }
        let db = &e.store;
        let events: Vec<_> =
            (0..STEPS).map(|i| cpu(t0() + Duration::minutes(5 * i), i as f64)).collect();
        for chunk in events.chunks(500) {
            db.insert(chunk).await.unwrap();
        }
        db.rollup(t0() + Duration::minutes(71 * 60 + 30)).await.unwrap();
        let before = answers(db).await;
        assert_eq!(before.len(), 3);
        assert_eq!((before[0].points.len(), before[1].points.len()), (12, 72));
        let client = e.db.as_ref().unwrap().client().await;
        let compressed: i64 = client
            .query_one("SELECT count(compress_chunk(c, true)) FROM show_chunks('samples') c", &[])
            .await
            .unwrap()
            .get(0);
        assert!(compressed >= 3, "the three days' chunks are compressed: {compressed}");
        let left: i64 = client
            .query_one(
                "SELECT count(*) FROM timescaledb_information.chunks
                 WHERE hypertable_name = 'samples' AND NOT is_compressed",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0);
        assert_eq!(answers(db).await, before, "compressed chunks answer the same");

        // A late sample in a compressed chunk, in a closed hour and day, and again (a duplicate).
        let late = cpu(t0() + Duration::minutes(10 * 60 + 2), 5_000.0);
        assert_eq!(db.insert(&[late]).await.unwrap(), 1);
        let again = cpu(t0() + Duration::minutes(10 * 60 + 2), 7.0);
        db.insert(&[again]).await.unwrap();
        assert_eq!(db.sample_count().await.unwrap(), STEPS as u64 + 1, "same series and second");
        let after = answers(db).await;
        assert_eq!(after[0].points.len(), 13);
        let hour = &after[1].points[10];
        assert_eq!((hour.count, hour.max), (13, 5_000.0));
        assert_eq!((after[2].points[0].count, after[2].points[0].max), (289, 5_000.0));
        assert_eq!(after[1].points[11..], before[1].points[11..], "other hours unchanged");

        // Retention deletes day 0's raw samples from the compressed chunk; the rollups stay.
        let now = t0() + Duration::days(31);
        db.rollup(now).await.unwrap();
        db.prune(now, Retention::default()).await.unwrap();
        assert_eq!(db.sample_count().await.unwrap(), (STEPS - 288) as u64);
        let pruned = answers(db).await;
        assert!(pruned[0].points.is_empty(), "day 0 raw is gone");
        assert_eq!(pruned[1..], after[1..], "the rollups are kept");
    }
}
