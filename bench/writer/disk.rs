//! The disk side of the writer bench: bytes per stored sample on each engine once closed
//! hours are rolled up and compacted into blocks (realistic drifting `synth` hosts), and the
//! projected size of 30 days of 50 devices × 30 containers at default intervals (containers
//! every 30 s, metrics every 5 min) against the 2 GiB target.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use infrastructor_actors::store::{Retention, Store};

use crate::{Row, pg, synth};

/// The target size of 30 days of the reference fleet, bytes.
const TARGET: f64 = 2.0 * GIB;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Hosts and 30 s polls of the measured workload, and its start (hour-aligned, in the past).
fn shape() -> (usize, usize, DateTime<Utc>) {
    let polls = if crate::quick() { 360 } else { 720 };
    let now = Utc::now().timestamp();
    let start = DateTime::from_timestamp((now / 3600 - 48) * 3600, 0).unwrap_or_default();
    (5, polls, start)
}

/// Writes the workload, rolls up, compacts and drops the sample events (their numbers stay
/// in the typed tables); the time to pass as `now` to the jobs.
async fn fill(store: &Store) -> DateTime<Utc> {
    let (hosts, polls, start) = shape();
    let mut hs: Vec<_> = (0..hosts).map(|i| synth::Host::new(i, 30)).collect();
    let mut batch = Vec::new();
    for p in 0..polls {
        let at = start + Duration::seconds(30 * p as i64);
        for h in &mut hs {
            batch.push(h.containers(at));
            if p % 10 == 0 {
                batch.push(h.metrics(at));
            }
        }
        if batch.len() >= 2_000 {
            store.insert(&std::mem::take(&mut batch)).await.expect("insert");
        }
    }
    store.insert(&batch).await.expect("insert");
    let now = start + Duration::seconds(30 * polls as i64) + Duration::hours(3);
    store.rollup(now).await.expect("rollup");
    store.compact(now).await.expect("compact");
    let keep = Retention { sample_events: std::time::Duration::ZERO, ..Default::default() };
    store.prune(now, keep).await.expect("prune");
    now
}

/// The row of one engine: `bytes` over the stored points, and the 30-day projection.
async fn row(store: &Store, engine: &'static str, bytes: u64, what: &str) -> Row {
    let stats = store.storage_stats().await.expect("stats");
    let (hosts, polls, _) = shape();
    let per_point = bytes as f64 / stats.points().max(1) as f64;
    // Points per host per 30 s poll (metrics every 10th), then 50 hosts for 30 days.
    let per_poll = stats.points() as f64 / (hosts * polls) as f64;
    let projected = per_point * per_poll * 50.0 * 2880.0 * 30.0;
    Row {
        what: format!(
            "disk: bytes per sample, {what} ({} points: {} in {} blocks, {} raw)",
            stats.points(),
            stats.block_points,
            stats.blocks,
            stats.raw_rows
        ),
        engine,
        value: format!("{per_point:.2} B; 30 d × 50 × 30 → {:.2} GiB", projected / GIB),
        target: format!("≤ 2 GiB: {}", if projected <= TARGET { "met" } else { "NOT met" }),
    }
}

/// SQLite: the file size after `VACUUM` over the points stored.
pub async fn sqlite(dir: &Path) -> Row {
    let path = dir.join("disk.db");
    let store = Store::open_sqlite(&path).await.expect("sqlite");
    fill(&store).await;
    let p = path.clone();
    tokio::task::spawn_blocking(move || {
        let c = rusqlite::Connection::open(&p).expect("open");
        c.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);").expect("vacuum");
    })
    .await
    .expect("vacuum task");
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    row(&store, "sqlite", bytes, "whole file after VACUUM").await
}

/// PostgreSQL: `pg_total_relation_size` of the sample tables (after `VACUUM FULL`) over the
/// points stored; `None` when PostgreSQL is not reachable.
pub async fn postgres() -> Option<Row> {
    let db = pg::Throwaway::create().await.map_err(|e| eprintln!("disk rows: {e}")).ok()?;
    let store = Store::connect_postgres(&db.url).await.expect("connect");
    fill(&store).await;
    let client = pg::connect(&db.url).await.expect("connect");
    let tables = ["samples", "sample_blocks", "rollup_hour", "rollup_day", "series"];
    client.batch_execute(&format!("VACUUM FULL {}", tables.join(", "))).await.expect("vacuum");
    for t in tables {
        let q = format!("SELECT pg_total_relation_size('{t}')");
        let b: i64 = client.query_one(&q, &[]).await.expect("size").get(0);
        eprintln!("postgresql {t}: {b} bytes");
    }
    let sizes = tables.map(|t| format!("pg_total_relation_size('{t}')")).join(" + ");
    let bytes: i64 =
        client.query_one(&format!("SELECT ({sizes})::bigint"), &[]).await.expect("sizes").get(0);
    let engine = if store.engine_name() == "timescaledb" { "timescaledb" } else { "postgresql" };
    let r = row(&store, engine, u64::try_from(bytes).unwrap_or(0), "sample tables + rollups").await;
    drop((store, client));
    db.drop_now().await;
    Some(r)
}
