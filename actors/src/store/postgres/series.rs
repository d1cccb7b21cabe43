//! The server engine's series reads, the same semantics as `sqlite::series`: raw points
//! (blocks and raw rows merged), hourly (loose and packed) and daily rollups with the
//! still-open tail computed from raw, the series and capacity queries, each on one read-only
//! snapshot.

use tokio_postgres::{GenericClient, Transaction};

use super::PgStore;
use crate::store::error::StoreError;
use crate::store::query::Time;
use crate::store::samples::catalog;
use crate::store::samples::query::{Bucket, Point, Series, SeriesQuery, aligned, time_of};

const DAY: i64 = 86_400;

/// The points of one series over `[from, to)` (unix seconds, bucket-aligned): as
/// `sqlite::series::points`.
async fn points(
    c: &impl GenericClient,
    (id, label): (i64, &str),
    bucket: Bucket,
    (from, to): (i64, i64),
    boundary: i64,
) -> Result<Vec<Point>, StoreError> {
    let Some(width) = bucket.seconds() else {
        let raw = super::blocks::raw_points(c, id, label, (from, to)).await?;
        return Ok(raw
            .into_iter()
            .map(|(ts, v)| Point { at: time_of(ts), min: v, avg: v, max: v, count: 1 })
            .collect());
    };
    let days_end =
        if bucket == Bucket::Day { (boundary.div_euclid(DAY) * DAY).clamp(from, to) } else { from };
    let hours_end = boundary.clamp(days_end, to);
    let rows = c
        .query(
            "SELECT b, min(mn), max(mx), sum(s), sum(c)::bigint FROM (
                 SELECT bucket AS b, min AS mn, max AS mx, sum AS s, count AS c
                 FROM rollup_day WHERE series = $1 AND bucket >= $2 AND bucket < $3
                 UNION ALL
                 SELECT (bucket / $6) * $6, min, max, sum, count
                 FROM rollup_hour WHERE series = $1 AND bucket >= $3 AND bucket < $4
                 UNION ALL
                 SELECT (h / $6) * $6, mn, mx, s, c::bigint FROM (
                     SELECT p.day + u.h * 3600 AS h, u.mn, u.mx, u.s, u.c
                     FROM rollup_hour_packed p,
                          unnest(p.hours, p.min, p.max, p.sum, p.count) AS u(h, mn, mx, s, c)
                     WHERE p.series = $1 AND p.day >= ($3 / 86400) * 86400 AND p.day < $4
                 ) AS packed WHERE h >= $3 AND h < $4
                 UNION ALL
                 SELECT (ts / $6) * $6, value, value, value, 1
                 FROM samples WHERE series = $1 AND ts >= $4 AND ts < $5
             ) AS parts GROUP BY b ORDER BY b",
            &[&id, &from, &days_end, &hours_end, &to, &width],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let (sum, count): (f64, i64) = (r.get(3), r.get(4));
            let count = u64::try_from(count).unwrap_or(0);
            let avg = if count > 0 { sum / count as f64 } else { f64::NAN };
            Point { at: time_of(r.get(0)), min: r.get(1), avg, max: r.get(2), count }
        })
        .collect())
}

/// Every matching series of `metric` over `from..to` at `bucket` (already resolved).
async fn read(
    c: &impl GenericClient,
    device: Option<&str>,
    metric: &'static catalog::Metric,
    instance: Option<&str>,
    (from, to, bucket): (Time, Time, Bucket),
) -> Result<Vec<Series>, StoreError> {
    let boundary: i64 =
        c.query_one("SELECT hour FROM rollup_state WHERE id = 1", &[]).await?.get(0);
    let range = aligned(from, to, bucket);
    let found = c
        .query(
            "SELECT id, device, instance FROM series WHERE metric = $1
                 AND ($2::text IS NULL OR device = $2) AND ($3::text IS NULL OR instance = $3)
             ORDER BY device, instance",
            &[&metric.name, &device, &instance],
        )
        .await?;
    let mut out = Vec::new();
    for row in found {
        let (device, instance): (String, String) = (row.get(1), row.get(2));
        let label = crate::store::blocks::label(&device, metric.name, &instance);
        let points = points(c, (row.get(0), &label), bucket, range, boundary).await?;
        out.push(Series::new(metric, device, instance, bucket, points));
    }
    Ok(out)
}

/// The answer to a series query (see `Store::series`).
pub async fn series(c: &impl GenericClient, q: &SeriesQuery) -> Result<Vec<Series>, StoreError> {
    q.validate()?;
    let metric = catalog::metric(&q.metric)
        .ok_or_else(|| StoreError::Invalid(format!("unknown metric {:?}", q.metric)))?;
    read(c, Some(&q.device), metric, q.instance.as_deref(), (q.from, q.to, q.resolution())).await
}

/// Capacity-planning inputs (see `Store::capacity`); the arguments are already checked.
pub async fn capacity(
    c: &impl GenericClient,
    device: Option<&str>,
    spec: (Time, Time, Bucket),
) -> Result<Vec<Series>, StoreError> {
    let mut out = Vec::new();
    for name in catalog::CAPACITY {
        let metric = catalog::metric(name)
            .ok_or_else(|| StoreError::Invalid(format!("unknown metric {name:?}")))?;
        out.extend(read(c, device, metric, None, spec).await?);
    }
    Ok(out)
}

/// Runs a read on one snapshot (the rollup boundary and the tables it divides agree).
macro_rules! snapshot {
    ($db:expr, |$tx:ident| $body:expr) => {{
        let mut client = $db.client().await?;
        let guard = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let out = {
            let $tx: &Transaction<'_> = &guard;
            $body.await?
        };
        guard.commit().await?;
        Ok(out)
    }};
}

/// `series` on one snapshot of a pooled connection.
pub async fn query_series(db: &PgStore, q: &SeriesQuery) -> Result<Vec<Series>, StoreError> {
    snapshot!(db, |tx| series(tx, q))
}

/// `capacity` on one snapshot of a pooled connection.
pub async fn query_capacity(
    db: &PgStore,
    device: Option<&str>,
    spec: (Time, Time, Bucket),
) -> Result<Vec<Series>, StoreError> {
    snapshot!(db, |tx| capacity(tx, device, spec))
}
