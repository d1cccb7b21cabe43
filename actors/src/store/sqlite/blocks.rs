//! The embedded engine's `sample_blocks` (see `store::blocks`): compaction of closed,
//! rolled-up hours of raw samples into one block per (series, hour), the raw-point read over
//! blocks and raw rows, and storage figures.

use rusqlite::{Connection, OptionalExtension, params};

use super::samples::rolled_up_to;
use crate::store::blocks::{self, StorageStats};
use crate::store::error::StoreError;
use crate::store::query::Time;

/// A series to compact: `(id, label, quantum)`.
pub(crate) type Target = (i64, String, f64);

/// The series to compact at `now` and the limit (raw rows before it go into blocks); no
/// series when nothing is rolled up yet.
pub(crate) fn plan(conn: &Connection, now: Time) -> Result<(Vec<Target>, i64), StoreError> {
    let Some(limit) = blocks::limit(now, rolled_up_to(conn)?) else {
        return Ok((Vec::new(), i64::MIN));
    };
    let mut stmt = conn.prepare("SELECT id, device, metric, instance FROM series ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        let (id, d, m, i): (i64, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        Ok((id, blocks::label(&d, &m, &i), blocks::quantum_of(&m)))
    })?;
    Ok((rows.collect::<Result<_, _>>()?, limit))
}

/// Packs the raw rows of series `id` before `limit` into blocks (merged into the blocks
/// already there), deleting them, in one transaction; returns how many blocks were written.
pub(crate) fn compact_series(
    conn: &mut Connection,
    (id, label, quantum): &Target,
    limit: i64,
) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let raw: Vec<(i64, f64)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT ts, value FROM samples WHERE series = ?1 AND ts < ?2 ORDER BY ts",
        )?;
        let rows = stmt.query_map(params![id, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    if raw.is_empty() {
        return Ok(0);
    }
    let mut written = 0;
    {
        let mut existing =
            tx.prepare_cached("SELECT data FROM sample_blocks WHERE series = ?1 AND start = ?2")?;
        let mut put = tx.prepare_cached(
            "INSERT OR REPLACE INTO sample_blocks (series, start, end_ts, n, data)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (start, points) in blocks::by_hour(raw) {
            let old: Option<Vec<u8>> =
                existing.query_row(params![id, start], |r| r.get(0)).optional()?;
            let b = blocks::pack(label, start, old.as_deref(), points, *quantum)?;
            written += put.execute(params![id, b.start, b.end_ts, b.n, b.data])?;
        }
    }
    tx.execute("DELETE FROM samples WHERE series = ?1 AND ts < ?2", params![id, limit])?;
    tx.commit()?;
    Ok(written)
}

/// The raw points of series `id` (named `label` in errors) over `[from, to)`: blocks and raw
/// rows merged in time order.
pub(crate) fn raw_points(
    conn: &Connection,
    id: i64,
    label: &str,
    (from, to): (i64, i64),
) -> Result<Vec<(i64, f64)>, StoreError> {
    let mut packed = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT start, data FROM sample_blocks
             WHERE series = ?1 AND start >= ?2 AND start < ?3 ORDER BY start",
        )?;
        let mut rows = stmt.query(params![id, blocks::hour_of(from), to])?;
        while let Some(r) = rows.next()? {
            let (start, data): (i64, Vec<u8>) = (r.get(0)?, r.get(1)?);
            let points = blocks::decode(label, start, &data)?;
            packed.extend(points.into_iter().filter(|p| p.0 >= from && p.0 < to));
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT ts, value FROM samples WHERE series = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts",
    )?;
    let rows = stmt.query_map(params![id, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let raw: Vec<(i64, f64)> = rows.collect::<Result<_, _>>()?;
    Ok(blocks::merge(packed, raw))
}

/// Raw rows, blocks and block points stored.
pub fn stats(conn: &Connection) -> Result<StorageStats, StoreError> {
    let raw: i64 = conn.query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))?;
    let (blocks, points): (i64, i64) =
        conn.query_row("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM sample_blocks", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let u = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(StorageStats { raw_rows: u(raw), blocks: u(blocks), block_points: u(points) })
}
