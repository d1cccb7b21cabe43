//! The server engine's sample tables, the same semantics as `sqlite::samples`: rows written
//! by binary COPY into a staging table then moved with `ON CONFLICT DO NOTHING` (late samples
//! merged into the rollups they belong to), the rollup job, retention (the reads are in
//! `series`). Every function runs in the
//! caller's transaction (or on any client, for reads). On TimescaleDB the rollups are
//! continuous aggregates that the store refreshes instead of writing (see `caggs`).

use futures::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{GenericClient, Transaction};

use super::PgStore;
use super::caggs::{self, Late};
use crate::store::error::StoreError;
use crate::store::query::Time;
use crate::store::samples::SampleRow;
use crate::store::samples::catalog::{self, RawClass};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The per-connection staging table of sample rows (its rows go at commit); the pool creates
/// it on every new connection, before `write` is used on it.
pub(crate) const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS sample_staging (
        series bigint NOT NULL, ts bigint NOT NULL, value double precision NOT NULL
    ) ON COMMIT DELETE ROWS";

const COPY: &str = "COPY sample_staging (series, ts, value) FROM STDIN BINARY";
const COPY_TYPES: [Type; 3] = [Type::INT8, Type::INT8, Type::FLOAT8];

/// Creates the series a batch names (each distinct one once: the batch's rows are resolved
/// to series ids before they are copied, so no staged row needs a join on three texts).
const NEW_SERIES: &str = "INSERT INTO series (device, metric, instance)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
    ON CONFLICT (device, metric, instance) DO NOTHING";

/// The ids of the series named by the arrays, with their position (1-based).
const SERIES_IDS: &str = "SELECT s.id, k.ord FROM
    unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(device, metric, instance, ord)
    JOIN series s ON s.device = k.device AND s.metric = k.metric AND s.instance = k.instance";

/// Moves the staged rows into `samples` (a sample already stored, same series and second, is
/// skipped) and merges the new ones older than the rollup boundary `$1` into the hourly and,
/// for closed days, daily rollups. Answers how many samples were new.
const MOVE: &str = "WITH added AS (
        INSERT INTO samples (series, ts, value)
        SELECT series, ts, value FROM sample_staging
        ON CONFLICT (series, ts) DO NOTHING
        RETURNING series, ts, value
    ), late_hours AS (
        INSERT INTO rollup_hour AS r (series, bucket, min, max, sum, count)
        SELECT series, (ts / 3600) * 3600, min(value), max(value), sum(value), count(*)
        FROM added WHERE ts < $1 GROUP BY 1, 2
        ON CONFLICT (series, bucket) DO UPDATE SET
            min = LEAST(r.min, EXCLUDED.min), max = GREATEST(r.max, EXCLUDED.max),
            sum = r.sum + EXCLUDED.sum, count = r.count + EXCLUDED.count
    ), late_days AS (
        INSERT INTO rollup_day AS r (series, bucket, min, max, sum, count)
        SELECT series, (ts / 86400) * 86400, min(value), max(value), sum(value), count(*)
        FROM added WHERE (ts / 86400) * 86400 + 86400 <= $1 GROUP BY 1, 2
        ON CONFLICT (series, bucket) DO UPDATE SET
            min = LEAST(r.min, EXCLUDED.min), max = GREATEST(r.max, EXCLUDED.max),
            sum = r.sum + EXCLUDED.sum, count = r.count + EXCLUDED.count
    )
    SELECT count(*) FROM added";

/// Writes `rows` in the caller's transaction (the one that writes their events); returns how
/// many samples were new and, on TimescaleDB (`timescale`), the late ones whose rollups need
/// a refresh once the transaction committed (`caggs::refresh_late`).
pub async fn write(
    tx: &Transaction<'_>,
    rows: &[SampleRow],
    timescale: bool,
) -> Result<(u64, Option<Late>), StoreError> {
    if rows.is_empty() {
        return Ok((0, None));
    }
    // Shared lock on the boundary: the rollup job cannot move it while this batch lands.
    let state = if timescale {
        "SELECT hour, pruned FROM rollup_state WHERE id = 1 FOR SHARE"
    } else {
        "SELECT hour, 0::bigint FROM rollup_state WHERE id = 1 FOR SHARE"
    };
    let row = tx.query_one(state, &[]).await?;
    let (boundary, pruned): (i64, i64) = (row.get(0), row.get(1));
    let ids = series_ids(tx, rows).await?;
    let sink = tx.copy_in(COPY).await?;
    let writer = BinaryCopyInWriter::new(sink, &COPY_TYPES);
    pin_mut!(writer);
    for (r, id) in rows.iter().zip(ids) {
        let ts = r.at.timestamp();
        let row: [&(dyn ToSql + Sync); 3] = [&id, &ts, &r.value];
        writer.as_mut().write(&row).await?;
    }
    writer.finish().await?;
    if !timescale {
        let added: i64 = tx.query_one(MOVE, &[&boundary]).await?.get(0);
        return Ok((u64::try_from(added).unwrap_or(0), None));
    }
    // TimescaleDB: the continuous aggregates roll the samples up; late ones are refreshed.
    let row = tx.query_one(caggs::MOVE, &[&boundary, &caggs::floor_of(pruned)]).await?;
    let (added, first, last): (i64, Option<i64>, Option<i64>) =
        (row.get(0), row.get(1), row.get(2));
    let late = first.zip(last).map(|(first, last)| Late { first, last, boundary });
    Ok((u64::try_from(added).unwrap_or(0), late))
}

/// The series id of every row, creating the series not yet stored (in the caller's
/// transaction, so a rolled-back batch leaves none behind).
async fn series_ids(tx: &Transaction<'_>, rows: &[SampleRow]) -> Result<Vec<i64>, StoreError> {
    // PostgreSQL text refuses NUL; names are stored with U+FFFD instead.
    let clean = |s: &str| s.replace('\0', "\u{FFFD}");
    let mut index: std::collections::HashMap<(&str, &str, &str), usize> = Default::default();
    let mut keys: (Vec<String>, Vec<&str>, Vec<String>) = Default::default();
    let slots: Vec<usize> = rows
        .iter()
        .map(|r| {
            let next = index.len();
            *index.entry((&r.device, r.metric, &r.instance)).or_insert_with(|| {
                keys.0.push(clean(&r.device));
                keys.1.push(r.metric);
                keys.2.push(clean(&r.instance));
                next
            })
        })
        .collect();
    tx.execute(NEW_SERIES, &[&keys.0, &keys.1, &keys.2]).await?;
    let mut ids = vec![None; keys.0.len()];
    for row in tx.query(SERIES_IDS, &[&keys.0, &keys.1, &keys.2]).await? {
        let (id, ord): (i64, i64) = (row.get(0), row.get(1));
        if let Some(slot) = usize::try_from(ord - 1).ok().and_then(|i| ids.get_mut(i)) {
            *slot = Some(id);
        }
    }
    slots
        .into_iter()
        .map(|i| {
            ids[i].ok_or_else(|| StoreError::Corrupt {
                seq: -1,
                detail: format!("series {}/{}/{} was not created", keys.0[i], keys.1[i], keys.2[i]),
            })
        })
        .collect()
}

/// Moves the `rollup_hour` rows of the days `[$1, $2)` (just closed) into one
/// `rollup_hour_packed` row per (series, day): a PostgreSQL row costs more than an hourly
/// rollup's numbers. A day already packed keeps its loose rows (none by construction: a day
/// is closed once), so nothing is ever overwritten.
const PACK: &str = "WITH gone AS (
        DELETE FROM rollup_hour h WHERE bucket >= $1 AND bucket < $2
            AND NOT EXISTS (SELECT 1 FROM rollup_hour_packed p
                            WHERE p.series = h.series AND p.day = (h.bucket / 86400) * 86400)
        RETURNING series, bucket, min, max, sum, count
    )
    INSERT INTO rollup_hour_packed (series, day, hours, min, max, sum, count)
    SELECT series, (bucket / 86400) * 86400,
           array_agg(((bucket % 86400) / 3600)::smallint ORDER BY bucket),
           array_agg(min ORDER BY bucket), array_agg(max ORDER BY bucket),
           array_agg(sum ORDER BY bucket), array_agg(count::integer ORDER BY bucket)
    FROM gone GROUP BY 1, 2";

/// Retention of packed hourly rollups: a packed day goes once all of it is before `$1` (so
/// its hours are kept up to a day longer than loose ones); answers how many hours went.
const PRUNE_PACKED: &str = "WITH gone AS (
        DELETE FROM rollup_hour_packed WHERE day + 86400 <= $1 RETURNING cardinality(hours) AS n
    )
    SELECT COALESCE(sum(n), 0)::bigint FROM gone";

/// Rolls up every whole hour (and day) closed by `now` since the last run, in the caller's
/// transaction (commit it after), and packs the hourly rollups of the days it closes (see
/// `PACK`); returns how many rollup rows were written.
pub async fn rollup(tx: &Transaction<'_>, now: Time) -> Result<u64, StoreError> {
    let old: i64 =
        tx.query_one("SELECT hour FROM rollup_state WHERE id = 1 FOR UPDATE", &[]).await?.get(0);
    let new = now.timestamp().div_euclid(HOUR) * HOUR;
    if new <= old {
        return Ok(0);
    }
    let mut written = tx
        .execute(
            "INSERT INTO rollup_hour AS r (series, bucket, min, max, sum, count)
             SELECT series, (ts / 3600) * 3600, min(value), max(value), sum(value), count(*)
             FROM samples WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2
             ON CONFLICT (series, bucket) DO UPDATE SET min = EXCLUDED.min,
                 max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count",
            &[&old, &new],
        )
        .await?;
    let (day_from, day_to) = (old.div_euclid(DAY) * DAY, new.div_euclid(DAY) * DAY);
    if day_to > day_from {
        written += tx
            .execute(
                "INSERT INTO rollup_day AS r (series, bucket, min, max, sum, count)
                 SELECT series, (bucket / 86400) * 86400, min(min), max(max), sum(sum),
                        sum(count)::bigint
                 FROM rollup_hour WHERE bucket >= $1 AND bucket < $2 GROUP BY 1, 2
                 ON CONFLICT (series, bucket) DO UPDATE SET min = EXCLUDED.min,
                     max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count",
                &[&day_from, &day_to],
            )
            .await?;
        tx.execute(PACK, &[&day_from, &day_to]).await?;
    }
    tx.execute("UPDATE rollup_state SET hour = $1 WHERE id = 1", &[&new]).await?;
    Ok(written)
}

/// Retention of the sample tables, as `sqlite::samples::prune`, in the caller's
/// transaction; returns how many rows went. On TimescaleDB (`timescale`) the rollups are
/// continuous aggregates: their chunks are dropped (`caggs::prune`).
pub async fn prune(
    tx: &Transaction<'_>,
    (raw_before, health_before, rollups_before): (Time, Time, Time),
    timescale: bool,
) -> Result<u64, StoreError> {
    let boundary: i64 =
        tx.query_one("SELECT hour FROM rollup_state WHERE id = 1", &[]).await?.get(0);
    let health: Vec<&str> = catalog::names_of(RawClass::Health).collect();
    let raw = raw_before.timestamp().min(boundary);
    let kept = health_before.timestamp().min(boundary);
    let rollups = rollups_before.timestamp();
    let mut gone = tx
        .execute(
            "DELETE FROM samples WHERE ts < $1
                 AND series IN (SELECT id FROM series WHERE metric <> ALL($2))",
            &[&raw, &health],
        )
        .await?;
    gone += tx
        .execute(
            "DELETE FROM samples WHERE ts < $1
                 AND series IN (SELECT id FROM series WHERE metric = ANY($2))",
            &[&kept, &health],
        )
        .await?;
    for (cutoff, health_too) in [(raw, false), (kept, true)] {
        let blocks = "DELETE FROM sample_blocks WHERE end_ts < $1 AND series IN
            (SELECT id FROM series WHERE (metric = ANY($2)) = $3)";
        gone += tx.execute(blocks, &[&cutoff, &health, &health_too]).await?;
    }
    if timescale {
        return Ok(gone + caggs::prune(tx, raw.max(kept), rollups).await?);
    }
    gone += tx.execute("DELETE FROM rollup_hour WHERE bucket < $1", &[&rollups]).await?;
    let packed: i64 = tx.query_one(PRUNE_PACKED, &[&rollups]).await?.get(0);
    gone += u64::try_from(packed).unwrap_or(0);
    gone += tx.execute("DELETE FROM rollup_day WHERE bucket < $1", &[&rollups]).await?;
    Ok(gone)
}

/// How many raw samples are stored, compacted or not.
pub async fn count(c: &impl GenericClient) -> Result<u64, StoreError> {
    Ok(super::blocks::stats(c).await?.points())
}

/// `rollup` in a transaction of its own on a pooled connection (on TimescaleDB, a refresh of
/// the continuous aggregates instead: `caggs::rollup`).
pub async fn run_rollup(db: &PgStore, now: Time) -> Result<usize, StoreError> {
    if db.is_timescale() {
        return caggs::rollup(db, now).await;
    }
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let n = rollup(&tx, now).await?;
    tx.commit().await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// `prune` in a transaction of its own on a pooled connection.
pub async fn run_prune(
    db: &PgStore,
    raw_before: Time,
    health_before: Time,
    rollups_before: Time,
) -> Result<usize, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let n = prune(&tx, (raw_before, health_before, rollups_before), db.is_timescale()).await?;
    tx.commit().await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// `count` on a pooled connection.
pub async fn sample_count(db: &PgStore) -> Result<u64, StoreError> {
    count(&**db.client().await?).await
}

#[cfg(test)]
#[path = "samples_tests.rs"]
mod tests;
