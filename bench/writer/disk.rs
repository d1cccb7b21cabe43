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

/// The measured workload: 5 hosts of 30 containers, polled every 30 s (metrics every 10th
/// poll) from midnight UTC three days ago, in stages of one whole day: what a day adds is
/// then what every day of the 30 adds (its hour blocks merged into day blocks, its hourly
/// rollups packed, its daily rollup row), whatever the hour the bench runs at. (Stages of a
/// few hours measured no closed day or a whole one, depending on the time of day.)
struct Workload {
    hosts: Vec<synth::Host>,
    start: DateTime<Utc>,
    polls: usize,
}

const HOSTS: usize = 5;

impl Workload {
    fn new() -> Self {
        let now = Utc::now().timestamp();
        let start = DateTime::from_timestamp((now / 86_400 - 3) * 86_400, 0).unwrap_or_default();
        Self { hosts: (0..HOSTS).map(|i| synth::Host::new(i, 30)).collect(), start, polls: 0 }
    }

    /// Polls per stage: one day.
    fn stage() -> usize {
        2880
    }

    /// Writes one more stage, rolls up, compacts and drops the sample events (their numbers
    /// stay in the typed tables), as the hourly job would.
    async fn fill(&mut self, store: &Store) {
        let mut batch = Vec::new();
        for p in self.polls..self.polls + Self::stage() {
            let at = self.start + Duration::seconds(30 * p as i64);
            for h in &mut self.hosts {
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
        self.polls += Self::stage();
        let now = self.start + Duration::seconds(30 * self.polls as i64) + Duration::hours(3);
        store.rollup(now).await.expect("rollup");
        store.compact(now).await.expect("compact");
        let keep = Retention { sample_events: std::time::Duration::ZERO, ..Default::default() };
        store.prune(now, keep).await.expect("prune");
    }
}

/// Bytes and points after each of two stages: what a point adds (the marginal cost, which
/// is what grows over 30 days) and what is paid once per host (series, latest state).
async fn measure(store: &Store, mut bytes: impl AsyncFnMut() -> u64) -> (f64, f64, u64) {
    let mut w = Workload::new();
    w.fill(store).await;
    let (b1, n1) = (bytes().await, store.storage_stats().await.expect("stats").points());
    w.fill(store).await;
    let (b2, n2) = (bytes().await, store.storage_stats().await.expect("stats").points());
    let marginal = (b2 as f64 - b1 as f64) / (n2 as f64 - n1 as f64).max(1.0);
    let fixed_per_host = (b1 as f64 - marginal * n1 as f64).max(0.0) / HOSTS as f64;
    (marginal, fixed_per_host, n2)
}

/// The row of one engine, with the 30-day projection for 50 hosts.
fn row(engine: &'static str, what: &str, (marginal, fixed, points): (f64, f64, u64)) -> Row {
    let polls = 2 * Workload::stage();
    let per_host_poll = points as f64 / (HOSTS * polls) as f64;
    let projected = marginal * per_host_poll * 50.0 * 2880.0 * 30.0 + fixed * 50.0;
    Row {
        what: format!(
            "disk: bytes per stored sample, {what} (marginal over {points} points; {:.0} KiB per host once)",
            fixed / 1024.0
        ),
        engine,
        value: format!("{marginal:.2} B; 30 d × 50 × 30 → {:.2} GiB", projected / GIB),
        target: format!("≤ 2 GiB: {}", if projected <= TARGET { "met" } else { "NOT met" }),
    }
}

/// SQLite: the file size after `VACUUM`.
pub async fn sqlite(dir: &Path) -> Row {
    let path = dir.join("disk.db");
    let store = Store::open_sqlite(&path).await.expect("sqlite");
    let size = async || {
        let p = path.clone();
        tokio::task::spawn_blocking(move || {
            let c = rusqlite::Connection::open(&p).expect("open");
            c.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);").expect("vacuum");
        })
        .await
        .expect("vacuum task");
        std::fs::metadata(&path).map_or(0, |m| m.len())
    };
    let m = measure(&store, size).await;
    row("sqlite", "whole file after VACUUM", m)
}

/// PostgreSQL: `pg_total_relation_size` of the sample tables (after `VACUUM FULL`), and a
/// row saying where the marginal bytes go (per table: heap, indexes, TOAST); `None` when
/// PostgreSQL is not reachable.
pub async fn postgres() -> Vec<Row> {
    let Ok(db) = pg::Throwaway::create().await.map_err(|e| eprintln!("disk rows: {e}")) else {
        return Vec::new();
    };
    let store = Store::connect_postgres(&db.url).await.expect("connect");
    let client = pg::connect(&db.url).await.expect("connect");
    let tables =
        ["samples", "sample_blocks", "rollup_hour", "rollup_hour_packed", "rollup_day", "series"];
    let parts = std::cell::RefCell::new(Vec::new());
    let size = async || {
        client.batch_execute(&format!("VACUUM FULL {}", tables.join(", "))).await.expect("vacuum");
        let rows = client
            .query(
                "SELECT relname::text, pg_relation_size(oid), pg_indexes_size(oid),
                        COALESCE(pg_total_relation_size(NULLIF(reltoastrelid, 0)), 0)
                 FROM pg_class WHERE relname = ANY($1) AND relkind = 'r' ORDER BY relname",
                &[&tables.as_slice()],
            )
            .await
            .expect("sizes");
        let sizes: Vec<(String, [i64; 3])> =
            rows.iter().map(|r| (r.get(0), [r.get(1), r.get(2), r.get(3)])).collect();
        let total: i64 = sizes.iter().map(|(_, s)| s.iter().sum::<i64>()).sum();
        parts.borrow_mut().push(sizes);
        u64::try_from(total).unwrap_or(0)
    };
    let m = measure(&store, size).await;
    let engine = if store.engine_name() == "timescaledb" { "timescaledb" } else { "postgresql" };
    let points = store.storage_stats().await.expect("stats").points();
    let mut out = vec![row(engine, "sample tables + rollups", m)];
    out.extend(where_it_goes(engine, &parts.borrow(), m.0, points));
    drop((store, client));
    db.drop_now().await;
    out
}

/// The marginal bytes per sample of each table (heap + indexes + TOAST) between the two
/// measurements in `parts`, given the total `marginal` over `points`.
fn where_it_goes(
    engine: &'static str,
    parts: &[Vec<(String, [i64; 3])>],
    marginal: f64,
    points: u64,
) -> Option<Row> {
    let [first, second] = parts else { return None };
    let total: f64 = second.iter().flat_map(|(_, s)| s).sum::<i64>() as f64
        - first.iter().flat_map(|(_, s)| s).sum::<i64>() as f64;
    let per_point = |d: f64| if total > 0.0 { marginal * d / total } else { 0.0 };
    let by_table: Vec<String> = second
        .iter()
        .filter_map(|(name, after)| {
            let before = first.iter().find(|(n, _)| n == name).map_or([0; 3], |(_, s)| *s);
            let d: Vec<f64> = (0..3).map(|i| (after[i] - before[i]) as f64).collect();
            (d.iter().sum::<f64>() > 0.0).then(|| {
                format!(
                    "{name} {:.2} (heap {:.2}, idx {:.2}, toast {:.2})",
                    per_point(d.iter().sum()),
                    per_point(d[0]),
                    per_point(d[1]),
                    per_point(d[2])
                )
            })
        })
        .collect();
    Some(Row {
        what: format!("disk: where the marginal bytes per sample go ({points} points)"),
        engine,
        value: by_table.join("; "),
        target: "—".into(),
    })
}
