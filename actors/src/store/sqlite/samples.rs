//! The embedded engine's sample tables, writing side: the rows of newly stored sample events
//! go into `samples` in the events' own transaction (series ids cached in memory), a late
//! sample of an hour already rolled up is merged into its rollups, and retention.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::store::error::StoreError;
use crate::store::query::Time;
use crate::store::samples::SampleRow;
use crate::store::samples::catalog::{self, RawClass};

/// A series' identity: device, metric, instance (`""` when device-wide).
pub(crate) type SeriesKey = (String, String, String);

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Series ids already in the `series` table, so a write does not look them up each time.
/// Only ids of committed transactions are remembered.
#[derive(Default)]
pub struct SeriesIds(Mutex<HashMap<SeriesKey, i64>>);

impl SeriesIds {
    fn get(&self, key: &SeriesKey) -> Option<i64> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(key).copied()
    }

    /// Remembers ids written by a transaction that committed.
    pub(crate) fn remember(&self, fresh: HashMap<SeriesKey, i64>) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend(fresh);
    }
}

/// Where the rollups reach: every hour before it is in `rollup_hour` (`None`: never rolled
/// up).
pub(crate) fn rolled_up_to(conn: &Connection) -> Result<Option<i64>, StoreError> {
    let q = "SELECT hour FROM rollup_state WHERE id = 1";
    Ok(conn.query_row(q, [], |r| r.get(0)).optional()?)
}

/// Writes `rows` in the caller's transaction; returns the series ids it created, to
/// `SeriesIds::remember` once the transaction has committed. A sample already stored (same
/// series and second) is left alone; a new one in an hour already rolled up is merged into
/// that hour's (and, if closed, that day's) rollup.
pub(crate) fn write(
    tx: &Transaction<'_>,
    rows: Vec<SampleRow>,
    ids: &SeriesIds,
) -> Result<HashMap<SeriesKey, i64>, StoreError> {
    let mut fresh = HashMap::new();
    if rows.is_empty() {
        return Ok(fresh);
    }
    let boundary = rolled_up_to(tx)?;
    let mut new_series = tx.prepare_cached(
        "INSERT INTO series (device, metric, instance) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, metric, instance) DO UPDATE SET device = excluded.device
         RETURNING id",
    )?;
    let mut sample =
        tx.prepare_cached("INSERT OR IGNORE INTO samples (series, ts, value) VALUES (?1, ?2, ?3)")?;
    for row in rows {
        let key: SeriesKey = (row.device, row.metric.to_string(), row.instance);
        let id = match ids.get(&key).or_else(|| fresh.get(&key).copied()) {
            Some(id) => id,
            None => {
                let id: i64 = new_series.query_row(params![key.0, key.1, key.2], |r| r.get(0))?;
                fresh.insert(key, id);
                id
            }
        };
        let ts = row.at.timestamp();
        let added = sample.execute(params![id, ts, row.value])?;
        if added == 1
            && let Some(b) = boundary
            && ts < b
        {
            merge_late(tx, id, ts, row.value, b)?;
        }
    }
    Ok(fresh)
}

/// Adds one late sample to the rollups that already cover its time.
fn merge_late(
    tx: &Transaction<'_>,
    id: i64,
    ts: i64,
    value: f64,
    boundary: i64,
) -> Result<(), StoreError> {
    let merge = |table: &str, bucket: i64| -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {table} (series, bucket, min, max, sum, count) VALUES (?1, ?2, ?3, ?3, ?3, 1)
             ON CONFLICT (series, bucket) DO UPDATE SET
                 min = MIN(min, excluded.min), max = MAX(max, excluded.max),
                 sum = sum + excluded.sum, count = count + 1"
        );
        tx.prepare_cached(&sql)?.execute(params![id, bucket, value])?;
        Ok(())
    };
    merge("rollup_hour", ts.div_euclid(HOUR) * HOUR)?;
    // A day is in `rollup_day` once it has ended at or before the boundary.
    let day = ts.div_euclid(DAY) * DAY;
    if day + DAY <= boundary {
        merge("rollup_day", day)?;
    }
    Ok(())
}

/// Retention of the sample tables: raw samples (and blocks whose last point is) older than
/// `raw_before` (`health_before` for drive and pool metrics) and rollups older than `rollups_before` go. Raw samples not yet
/// rolled up are kept whatever their age. Returns how many rows went.
pub(crate) fn prune(
    conn: &mut Connection,
    raw_before: Time,
    health_before: Time,
    rollups_before: Time,
) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let boundary = rolled_up_to(&tx)?.unwrap_or(i64::MIN);
    let series: Vec<(i64, String)> = {
        let mut stmt = tx.prepare("SELECT id, metric FROM series")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let rollups = rollups_before.timestamp();
    let mut gone = 0;
    {
        let mut raw = tx.prepare_cached("DELETE FROM samples WHERE series = ?1 AND ts < ?2")?;
        let mut hours =
            tx.prepare_cached("DELETE FROM rollup_hour WHERE series = ?1 AND bucket < ?2")?;
        let mut days =
            tx.prepare_cached("DELETE FROM rollup_day WHERE series = ?1 AND bucket < ?2")?;
        let mut blocks =
            tx.prepare_cached("DELETE FROM sample_blocks WHERE series = ?1 AND end_ts < ?2")?;
        for (id, metric) in series {
            let class = catalog::metric(&metric).map_or(RawClass::Load, |m| m.class);
            let cutoff = match class {
                RawClass::Load => raw_before,
                RawClass::Health => health_before,
            };
            gone += raw.execute(params![id, cutoff.timestamp().min(boundary)])?;
            gone += blocks.execute(params![id, cutoff.timestamp().min(boundary)])?;
            gone += hours.execute(params![id, rollups])?;
            gone += days.execute(params![id, rollups])?;
        }
    }
    tx.commit()?;
    Ok(gone)
}
