//! The server engine's `sample_blocks`, the same semantics as `sqlite::blocks`: compaction
//! of closed, rolled-up hours of raw samples into one block per (series, hour), the
//! raw-point read over blocks and raw rows, and storage figures. One difference, for space:
//! once a day is closed for compaction, its hour blocks are merged into one block starting
//! at the day's first second (a PostgreSQL row and its index entry cost about 100 bytes,
//! most of an hour block's own size). Not run on TimescaleDB, which compresses `samples`
//! natively.

use tokio_postgres::GenericClient;

use super::PgStore;
use crate::store::blocks::{self, StorageStats};
use crate::store::error::StoreError;
use crate::store::query::Time;

/// The advisory lock one compaction transaction holds, so two servers on one database never
/// pack the same series at once (any constant; "blocks" in ASCII).
const LOCK: i64 = 0x626c_6f63_6b73;

const DAY: i64 = 86_400;

/// Compacts every closed, rolled-up hour of raw samples into blocks, one transaction per
/// series; returns how many blocks were written. A series that fails (a corrupt block) is
/// left as it was and the others are still compacted; the first error is returned.
pub async fn compact(db: &PgStore, now: Time) -> Result<usize, StoreError> {
    let mut client = db.client().await?;
    let boundary: i64 =
        client.query_one("SELECT hour FROM rollup_state WHERE id = 1", &[]).await?.get(0);
    let Some(limit) = blocks::limit(now, Some(boundary)) else { return Ok(0) };
    let series =
        client.query("SELECT id, device, metric, instance FROM series ORDER BY id", &[]).await?;
    let (mut written, mut failed) = (0, None);
    for row in series {
        let (id, metric): (i64, String) = (row.get(0), row.get(2));
        let label = blocks::label(row.get(1), &metric, row.get(3));
        let tx = client.transaction().await?;
        match compact_series(&tx, id, &label, blocks::quantum_of(&metric), limit).await {
            Ok(n) => {
                tx.commit().await?;
                written += n;
            }
            Err(e) => {
                tracing::warn!(series = %label, error = %e, "compaction of a series failed");
                failed.get_or_insert(e);
            }
        }
    }
    failed.map_or(Ok(written), Err)
}

/// Packs series `id`'s raw rows before `limit` into blocks in the caller's transaction. The
/// rows packed are exactly the rows deleted (`DELETE … RETURNING`), so a sample landing
/// meanwhile is never lost: it stays raw for the next run.
async fn compact_series(
    tx: &tokio_postgres::Transaction<'_>,
    id: i64,
    label: &str,
    quantum: f64,
    limit: i64,
) -> Result<usize, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).await?;
    let touched = pack_hours(tx, id, label, quantum, limit).await?;
    // The days this run touched, and the last one closed (a series whose last samples of
    // that day were packed before it closed), once closed are merged into day blocks.
    let last_closed = blocks::day_of(limit) - DAY;
    let days: std::collections::BTreeSet<i64> =
        touched.iter().copied().chain([last_closed]).filter(|d| d + DAY <= limit).collect();
    let mut merged = std::collections::BTreeSet::new();
    for day in days {
        if merge_day(tx, id, label, quantum, day).await? {
            merged.insert(day);
        }
    }
    // Hour blocks merged into their day block in this run count once, as that block.
    Ok(touched.iter().filter(|d| !merged.contains(d)).count() + merged.len())
}

/// Packs series `id`'s raw rows before `limit` into hour blocks (merged into a block already
/// at that hour); answers the day of each block written.
async fn pack_hours(
    tx: &tokio_postgres::Transaction<'_>,
    id: i64,
    label: &str,
    quantum: f64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let gone = tx
        .query(
            "DELETE FROM samples WHERE series = $1 AND ts < $2 RETURNING ts, value",
            &[&id, &limit],
        )
        .await?;
    if gone.is_empty() {
        return Ok(Vec::new());
    }
    let mut raw: Vec<(i64, f64)> = gone.iter().map(|r| (r.get(0), r.get(1))).collect();
    raw.sort_by_key(|p| p.0);
    let hours = blocks::by_hour(raw);
    let (first, last) = match (hours.keys().next(), hours.keys().next_back()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => return Ok(Vec::new()),
    };
    let stored = tx
        .query(
            "SELECT start, data FROM sample_blocks WHERE series = $1 AND start >= $2
                 AND start <= $3 FOR UPDATE",
            &[&id, &first, &last],
        )
        .await?;
    let mut existing: std::collections::HashMap<i64, Vec<u8>> =
        stored.iter().map(|r| (r.get(0), r.get(1))).collect();
    let (mut starts, mut ends, mut ns, mut datas) = (vec![], vec![], vec![], vec![]);
    for (start, points) in hours {
        let b = blocks::pack(label, start, existing.remove(&start).as_deref(), points, quantum)?;
        starts.push(b.start);
        ends.push(b.end_ts);
        ns.push(b.n);
        datas.push(b.data);
    }
    tx.execute(
        "INSERT INTO sample_blocks (series, start, end_ts, n, data)
         SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::integer[], $5::bytea[])
         ON CONFLICT (series, start) DO UPDATE SET end_ts = EXCLUDED.end_ts,
             n = EXCLUDED.n, data = EXCLUDED.data",
        &[&id, &starts, &ends, &ns, &datas],
    )
    .await?;
    Ok(starts.iter().map(|&s| blocks::day_of(s)).collect())
}

/// Merges the blocks of series `id` in the closed day starting at `day` into one block
/// starting there (nothing to do with fewer than two); answers whether it did. A corrupt
/// block is `Corrupt`, the day left as it was (the caller rolls back).
async fn merge_day(
    tx: &tokio_postgres::Transaction<'_>,
    id: i64,
    label: &str,
    quantum: f64,
    day: i64,
) -> Result<bool, StoreError> {
    let span = [&id as &(dyn tokio_postgres::types::ToSql + Sync), &day, &(day + DAY)];
    let count: i64 = tx
        .query_one(
            "SELECT count(*) FROM sample_blocks WHERE series = $1 AND start >= $2 AND start < $3",
            &span,
        )
        .await?
        .get(0);
    if count < 2 {
        return Ok(false);
    }
    let stored = tx
        .query(
            "DELETE FROM sample_blocks WHERE series = $1 AND start >= $2 AND start < $3
             RETURNING start, data",
            &span,
        )
        .await?;
    let mut parts = Vec::with_capacity(stored.len());
    for r in &stored {
        parts.push((r.get::<_, i64>(0), blocks::decode(label, r.get(0), r.get(1))?));
    }
    let b = blocks::pack(label, day, None, blocks::concat(parts), quantum)?;
    tx.execute(
        "INSERT INTO sample_blocks (series, start, end_ts, n, data) VALUES ($1, $2, $3, $4, $5)",
        &[&id, &b.start, &b.end_ts, &b.n, &b.data],
    )
    .await?;
    Ok(true)
}

/// The raw points of series `id` (named `label` in errors) over `[from, to)`: blocks (hour
/// and day blocks, which a late hour block may overlap) and raw rows merged in time order.
pub(crate) async fn raw_points(
    c: &impl GenericClient,
    id: i64,
    label: &str,
    (from, to): (i64, i64),
) -> Result<Vec<(i64, f64)>, StoreError> {
    let stored = c
        .query(
            "SELECT start, data FROM sample_blocks WHERE series = $1 AND start >= $2
                 AND start < $3 ORDER BY start",
            &[&id, &blocks::day_of(from), &to],
        )
        .await?;
    let mut parts = Vec::with_capacity(stored.len());
    for r in &stored {
        let points = blocks::decode(label, r.get(0), r.get(1))?;
        parts.push((
            r.get::<_, i64>(0),
            points.into_iter().filter(|p| p.0 >= from && p.0 < to).collect(),
        ));
    }
    let packed = blocks::concat(parts);
    let raw = c
        .query(
            "SELECT ts, value FROM samples WHERE series = $1 AND ts >= $2 AND ts < $3
             ORDER BY ts",
            &[&id, &from, &to],
        )
        .await?;
    Ok(blocks::merge(packed, raw.iter().map(|r| (r.get(0), r.get(1))).collect()))
}

/// Raw rows, blocks and block points stored.
pub async fn stats(c: &impl GenericClient) -> Result<StorageStats, StoreError> {
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM samples), count(*), COALESCE(sum(n), 0)::bigint
             FROM sample_blocks",
            &[],
        )
        .await?;
    let u = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
    Ok(StorageStats { raw_rows: u(0), blocks: u(1), block_points: u(2) })
}

/// `stats` on a pooled connection.
pub async fn storage_stats(db: &PgStore) -> Result<StorageStats, StoreError> {
    stats(&**db.client().await?).await
}
