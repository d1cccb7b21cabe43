//! `bench/writer`: the store's speed and size on each engine, printed as a markdown table
//! against the targets: writer throughput (beside a raw binary COPY on PostgreSQL),
//! the start-up rebuild of 1,000 devices' state, a 7-day hourly series out of 30 days of
//! samples, and bytes per stored sample with the 30-day projection.
//!
//! `cargo bench --bench writer -- [--quick] [--disk]` (`--disk`: the disk rows only; PostgreSQL from `INFRASTRUCTOR_TEST_DATABASE_URL`
//! or `postgres://postgres@127.0.0.1:5432/postgres`; a throwaway database is made and dropped).

mod disk;
#[allow(dead_code)]
#[path = "../fleet/measure.rs"]
mod measure;
mod pg;
mod series;
mod synth;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use infrastructor_actors::events::Event;
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::Store;

/// One row of the result table.
pub struct Row {
    /// What was measured.
    pub what: String,
    /// The engine.
    pub engine: &'static str,
    /// The figure.
    pub value: String,
    /// The target and whether it was met.
    pub target: String,
}

/// Whether `--quick` was given (smaller data, for a smoke run).
fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut rows = Vec::new();
    let sqlite_dir = tempfile::tempdir().expect("a temporary folder");
    if !std::env::args().any(|a| a == "--disk") {
        speed(&mut rows, sqlite_dir.path()).await;
    }
    rows.push(disk::sqlite(sqlite_dir.path()).await);
    rows.extend(disk::postgres().await);
    println!("| measure | engine | result | target |");
    println!("|---|---|---:|---|");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.what, r.engine, r.value, r.target);
    }
}

/// The speed rows: writer throughput, series query, start-up rebuild, on each engine.
async fn speed(rows: &mut Vec<Row>, sqlite_dir: &std::path::Path) {
    let events = workload(50, if quick() { 20 } else { 200 });
    let sqlite = Store::open_sqlite(&sqlite_dir.join("bench.db")).await.expect("sqlite");
    let took = write(&sqlite, &events).await;
    rows.push(throughput(&sqlite, &events, took, None));
    let (devices, days) = if quick() { (5, 8) } else { (50, 30) };
    rows.push(series::hourly_week(&sqlite, devices, days).await);
    let rebuild_dir = tempfile::tempdir().expect("a temporary folder");
    let fresh = Store::open_sqlite(&rebuild_dir.path().join("bench.db")).await.expect("sqlite");
    rows.push(rebuild(&fresh).await);
    match pg::Throwaway::create().await {
        Ok(db) => {
            let store = Store::connect_postgres(&db.url).await.expect("connect");
            let took = write(&store, &events).await;
            let client = pg::connect(&db.url).await.expect("connect");
            let raw = pg::raw_copy(&client, &events).await;
            rows.push(throughput(&store, &events, took, Some(raw)));
            rows.push(series::hourly_week(&store, devices, days).await);
            drop((store, client));
            db.drop_now().await;
        }
        Err(why) => eprintln!("PostgreSQL rows skipped: {why}"),
    }
}

/// Events of `hosts` hosts (30 containers each) for `polls` container polls (a metrics
/// sample every 10th poll: 30 s vs 5 min).
fn workload(hosts: usize, polls: usize) -> Vec<Arc<Event>> {
    let mut hs: Vec<_> = (0..hosts).map(|i| synth::Host::new(i, 30)).collect();
    let start = Utc::now() - chrono::Duration::seconds(30 * polls as i64);
    let mut out = Vec::new();
    for p in 0..polls {
        let at = start + chrono::Duration::seconds(30 * p as i64);
        for h in &mut hs {
            out.push(h.containers(at));
            if p % 10 == 0 {
                out.push(h.metrics(at));
            }
        }
    }
    out
}

/// Store writes in batches of 5,000 events, as the writer does; the time taken.
async fn write(store: &Store, events: &[Arc<Event>]) -> Duration {
    let started = Instant::now();
    for batch in events.chunks(5_000) {
        store.insert(batch).await.expect("insert");
    }
    started.elapsed()
}

/// The throughput row, against a raw COPY of the same rows when there is one.
fn throughput(store: &Store, events: &[Arc<Event>], took: Duration, raw: Option<Duration>) -> Row {
    let per_sec = |d: Duration| events.len() as f64 / d.as_secs_f64();
    let sample_rows: usize =
        events.iter().map(|e| infrastructor_actors::store::samples::rows(e).len()).sum();
    let rows_per_sec = sample_rows as f64 / took.as_secs_f64();
    let (value, target) = match raw {
        Some(raw) => {
            let share = raw.as_secs_f64() / took.as_secs_f64() * 100.0;
            (
                format!(
                    "{:.0} events/s; raw COPY {:.0}/s ({share:.0} %)",
                    per_sec(took),
                    per_sec(raw)
                ),
                format!("≥ 50 % of raw COPY: {}", if share >= 50.0 { "met" } else { "NOT met" }),
            )
        }
        None => (
            format!("{:.0} events/s = {rows_per_sec:.0} sample rows/s", per_sec(took)),
            format!(
                "≥ 100,000 sample rows/s: {}",
                if rows_per_sec >= 100_000.0 { "met" } else { "NOT met" }
            ),
        ),
    };
    Row {
        what: format!("writer: {} sample events in batches of 5,000", events.len()),
        engine: store.engine_name(),
        value,
        target,
    }
}

/// The state of 1,000 devices (each: a containers sample of 30, a metrics sample, tools,
/// online) rebuilt from the store into a projection, as at start-up.
async fn rebuild(store: &Store) -> Row {
    let devices = if quick() { 100 } else { 1_000 };
    let now = Utc::now();
    let mut events = Vec::new();
    for i in 0..devices {
        let mut h = synth::Host::new(i, 30);
        for k in 0..3 {
            let at = now - chrono::Duration::minutes(10 - k);
            events.push(h.containers(at));
            events.push(h.metrics(at));
        }
        let online =
            infrastructor_actors::events::EventKind::DeviceOnline { transport: "ssh".into() };
        events.push(Arc::new(Event::new(&h.name, now, online)));
    }
    for batch in events.chunks(5_000) {
        store.insert(batch).await.expect("insert");
    }
    let started = Instant::now();
    let last: Vec<_> =
        store.latest_per_kind().await.expect("read").into_iter().map(Arc::new).collect();
    let projection = Projection::new(16 << 20);
    projection.apply_all(&last);
    let took = started.elapsed();
    assert_eq!(projection.snapshot().devices.len(), devices);
    let target = Duration::from_secs(1);
    Row {
        what: format!("start-up rebuild of {devices} devices' state"),
        engine: store.engine_name(),
        value: measure::ms(took),
        target: format!("≤ 1 s: {}", if took <= target { "met" } else { "NOT met" }),
    }
}
