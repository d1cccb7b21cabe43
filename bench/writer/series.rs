//! The series-query part of the writer bench: 30 days of 5-minute host samples for 50
//! devices written through the store (then rolled up, and the sample events pruned as the
//! retention job would), and a 7-day hourly series of one device read back, timed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::metrics::MetricsSample;
use infrastructor_actors::store::{Bucket, Retention, SeriesQuery, Store};

use crate::Row;
use crate::measure::{ms, percentile};

/// A lean 5-minute host sample (CPU, memory, swap, load) of `device` at `at`.
fn host(device: &str, at: chrono::DateTime<Utc>, rng: &mut fastrand::Rng) -> Arc<Event> {
    let sample = MetricsSample {
        cpu_percent: Some(rng.f64() * 100.0),
        mem_total_bytes: Some(16_000_000_000),
        mem_available_bytes: Some(8_000_000_000 + rng.u64(..1_000_000_000)),
        swap_total_bytes: Some(2_000_000_000),
        swap_free_bytes: Some(1_900_000_000),
        swap_used_bytes: Some(100_000_000),
        load1: Some(rng.f64() * 4.0),
        load5: Some(rng.f64() * 4.0),
        load15: Some(rng.f64() * 4.0),
        ..Default::default()
    };
    Arc::new(Event::new(device, at, EventKind::MetricsSampled { sample }))
}

/// Fills `store` (devices × days of 5-minute samples), then times the query.
pub async fn hourly_week(store: &Store, devices: usize, days: i64) -> Row {
    let now = Utc::now();
    let start = now - chrono::Duration::days(days);
    let mut rng = fastrand::Rng::with_seed(1);
    let mut batch = Vec::with_capacity(5_000);
    let steps = days * 288;
    let filled = Instant::now();
    for step in 0..steps {
        let at = start + chrono::Duration::minutes(5 * step);
        for d in 0..devices {
            batch.push(host(&format!("host{d:04}"), at, &mut rng));
        }
        if batch.len() >= 5_000 {
            store.insert(&batch).await.expect("insert");
            batch.clear();
        }
    }
    store.insert(&batch).await.expect("insert");
    store.rollup(now).await.expect("rollup");
    store.prune(now, Retention::default()).await.expect("prune");
    eprintln!("series bench: {} samples written in {:?}", steps * devices as i64, filled.elapsed());
    let q = SeriesQuery {
        device: "host0001".into(),
        metric: "host.cpu_percent".into(),
        instance: None,
        from: now - chrono::Duration::days(7),
        to: now,
        bucket: Bucket::Hour,
    };
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let series = store.series(&q).await.expect("series");
        times.push(t.elapsed());
        assert!(series[0].points.len() >= 168, "{} points", series[0].points.len());
    }
    let p50 = percentile(&mut times, 50.0);
    let target = Duration::from_millis(20);
    Row {
        what: format!(
            "7-day hourly series of 1 device out of {days} d of 5-min samples × {devices} devices (p50 of 50)"
        ),
        engine: store.engine_name(),
        value: ms(p50),
        target: format!("≤ 20 ms: {}", if p50 <= target { "met" } else { "NOT met" }),
    }
}
