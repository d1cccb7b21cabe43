//! The embedded engine's sample tables, reading side: the rollup job (whole closed hours and
//! days from raw samples) and the time-series query, which reads rollups for what they cover
//! and raw samples for the still-open tail, so an answer is never stale.

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use super::samples::rolled_up_to;
use crate::store::error::StoreError;
use crate::store::query::Time;
use crate::store::samples::catalog;
use crate::store::samples::query::{Bucket, Point, Series, SeriesQuery, aligned, time_of};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Rolls up every whole hour (and day) closed by `now` since the last run, from raw samples
/// (a bucket is recomputed whole, so re-running is harmless). Returns how many rollup rows
/// were written.
pub fn rollup(conn: &mut Connection, now: Time) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let old = rolled_up_to(&tx)?.unwrap_or(0);
    let new = now.timestamp().div_euclid(HOUR) * HOUR;
    if new <= old {
        return Ok(0);
    }
    let (day_from, day_to) = (old.div_euclid(DAY) * DAY, new.div_euclid(DAY) * DAY);
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM series")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut written = 0;
    {
        let mut hours = tx.prepare_cached(
            "INSERT OR REPLACE INTO rollup_hour (series, bucket, min, max, sum, count)
             SELECT ?1, (ts / 3600) * 3600, MIN(value), MAX(value), SUM(value), COUNT(*)
             FROM samples WHERE series = ?1 AND ts >= ?2 AND ts < ?3 GROUP BY ts / 3600",
        )?;
        let mut days = tx.prepare_cached(
            "INSERT OR REPLACE INTO rollup_day (series, bucket, min, max, sum, count)
             SELECT ?1, (bucket / 86400) * 86400, MIN(min), MAX(max), SUM(sum), SUM(count)
             FROM rollup_hour WHERE series = ?1 AND bucket >= ?2 AND bucket < ?3
             GROUP BY bucket / 86400",
        )?;
        for id in ids {
            written += hours.execute(params![id, old, new])?;
            if day_to > day_from {
                written += days.execute(params![id, day_from, day_to])?;
            }
        }
    }
    tx.execute(
        "INSERT INTO rollup_state (id, hour) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET hour = excluded.hour",
        [new],
    )?;
    tx.commit()?;
    Ok(written)
}

/// The series a query matches: `(id, device, instance)`, by device and instance.
fn matching(
    conn: &Connection,
    device: Option<&str>,
    metric: &str,
    instance: Option<&str>,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut sql = String::from("SELECT id, device, instance FROM series WHERE metric = ?");
    let mut args = vec![Value::Text(metric.to_string())];
    if let Some(d) = device {
        sql.push_str(" AND device = ?");
        args.push(Value::Text(d.to_string()));
    }
    if let Some(i) = instance {
        sql.push_str(" AND instance = ?");
        args.push(Value::Text(i.to_string()));
    }
    sql.push_str(" ORDER BY device, instance");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The points of one series over `[from, to)` (unix seconds, bucket-aligned) at `bucket`;
/// `boundary` is where the rollups reach. Raw points come from blocks and raw rows alike.
fn points(
    conn: &Connection,
    (id, label): (i64, &str),
    bucket: Bucket,
    (from, to): (i64, i64),
    boundary: i64,
) -> Result<Vec<Point>, StoreError> {
    let Some(width) = bucket.seconds() else {
        let raw = super::blocks::raw_points(conn, id, label, (from, to))?;
        return Ok(raw
            .into_iter()
            .map(|(ts, v)| Point { at: time_of(ts), min: v, avg: v, max: v, count: 1 })
            .collect());
    };
    // Closed days from `rollup_day` (daily only), then hours from `rollup_hour` up to the
    // boundary, then the open tail from raw samples.
    let days_end =
        if bucket == Bucket::Day { (boundary.div_euclid(DAY) * DAY).clamp(from, to) } else { from };
    let hours_end = boundary.clamp(days_end, to);
    let mut stmt = conn.prepare_cached(
        "SELECT b, MIN(mn), MAX(mx), SUM(s), SUM(c) FROM (
             SELECT bucket AS b, min AS mn, max AS mx, sum AS s, count AS c
             FROM rollup_day WHERE series = ?1 AND bucket >= ?2 AND bucket < ?3
             UNION ALL
             SELECT (bucket / ?6) * ?6, min, max, sum, count
             FROM rollup_hour WHERE series = ?1 AND bucket >= ?3 AND bucket < ?4
             UNION ALL
             SELECT (ts / ?6) * ?6, value, value, value, 1
             FROM samples WHERE series = ?1 AND ts >= ?4 AND ts < ?5
         ) GROUP BY b ORDER BY b",
    )?;
    let rows = stmt.query_map(params![id, from, days_end, hours_end, to, width], |r| {
        let (b, min, max, sum, count): (i64, f64, f64, f64, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let count = u64::try_from(count).unwrap_or(0);
        let avg = if count > 0 { sum / count as f64 } else { f64::NAN };
        Ok(Point { at: time_of(b), min, avg, max, count })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every matching series of `metric` over `from..to` at `bucket` (already resolved).
pub(crate) fn read(
    conn: &Connection,
    device: Option<&str>,
    metric: &'static catalog::Metric,
    instance: Option<&str>,
    (from, to, bucket): (Time, Time, Bucket),
) -> Result<Vec<Series>, StoreError> {
    let boundary = rolled_up_to(conn)?.unwrap_or(i64::MIN);
    let range = aligned(from, to, bucket);
    let mut out = Vec::new();
    for (id, device, instance) in matching(conn, device, metric.name, instance)? {
        let label = crate::store::blocks::label(&device, metric.name, &instance);
        let points = points(conn, (id, &label), bucket, range, boundary)?;
        out.push(Series::new(metric, device, instance, bucket, points));
    }
    Ok(out)
}

/// The answer to a series query: one series per matching instance (none when nothing was
/// ever stored for it).
pub fn series(conn: &Connection, q: &SeriesQuery) -> Result<Vec<Series>, StoreError> {
    q.validate()?;
    let metric = catalog::metric(&q.metric)
        .ok_or_else(|| StoreError::Invalid(format!("unknown metric {:?}", q.metric)))?;
    let spec = (q.from, q.to, q.resolution());
    // One read transaction: the boundary and the tables it divides are one snapshot.
    let tx = conn.unchecked_transaction()?;
    read(&tx, Some(&q.device), metric, q.instance.as_deref(), spec)
}

/// Capacity-planning inputs: the `catalog::CAPACITY` series of one device or of all.
pub fn capacity(
    conn: &Connection,
    device: Option<&str>,
    (from, to, bucket): (Time, Time, Bucket),
) -> Result<Vec<Series>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let mut out = Vec::new();
    for name in catalog::CAPACITY {
        let metric = catalog::metric(name)
            .ok_or_else(|| StoreError::Invalid(format!("unknown metric {name:?}")))?;
        out.extend(read(&tx, device, metric, None, (from, to, bucket))?);
    }
    Ok(out)
}
