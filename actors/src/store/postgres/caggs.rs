//! TimescaleDB's sample rollups: `rollup_hour` and `rollup_day` are continuous aggregates
//! (`schema/postgres/timescale/0002_samples.sql`), so the store never writes rollup rows
//! there; instead it refreshes them: the rollup job over every hour it closes, a write over
//! the closed hours and days its late samples land in (after it commits: a refresh cannot
//! run inside a transaction), and retention drops their chunks (a continuous aggregate
//! refuses DELETE).
//!
//! `rollup_state.hour` keeps its meaning (hours before it are rolled up, reads take them from
//! the rollups and raw samples after it), and `rollup_state.pruned` says how far retention
//! may have deleted raw samples: no refresh reaches below it, since it would recompute those
//! hours from the samples left and lose the rest.

use tokio_postgres::{GenericClient, Transaction};

use super::PgStore;
use crate::store::error::StoreError;
use crate::store::query::Time;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// Moves the staged rows into `samples` as `samples::MOVE` does, without touching the
/// rollups; answers how many samples were new and the first and last time of the new ones
/// older than the boundary `$1` but not below the pruned horizon `$2` (the late ones).
pub(crate) const MOVE: &str = "WITH added AS (
        INSERT INTO samples (series, ts, value)
        SELECT series, ts, value FROM sample_staging
        ON CONFLICT (series, ts) DO NOTHING
        RETURNING ts
    )
    SELECT count(*), min(ts) FILTER (WHERE ts < $1 AND ts >= $2),
           max(ts) FILTER (WHERE ts < $1 AND ts >= $2)
    FROM added";

/// Late samples a write stored: the closed hours (and days) they fall in need a refresh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Late {
    /// First late sample (unix seconds).
    pub first: i64,
    /// Last late sample (unix seconds).
    pub last: i64,
    /// The rollup boundary (`rollup_state.hour`) the write saw.
    pub boundary: i64,
}

/// The refresh windows `[from, to)` of the hourly and daily aggregates for `late`: its hours,
/// and its days that are closed (the open day is read from the hourly rollups).
fn late_windows(late: Late) -> ((i64, i64), (i64, i64)) {
    let hours = (late.first.div_euclid(HOUR) * HOUR, late.last.div_euclid(HOUR) * HOUR + HOUR);
    let days_end = (late.last.div_euclid(DAY) * DAY + DAY).min(late.boundary.div_euclid(DAY) * DAY);
    ((hours.0, hours.1.min(late.boundary)), (late.first.div_euclid(DAY) * DAY, days_end))
}

/// Recomputes the buckets of `view` in `[from, to)` that changed (nothing when empty).
async fn refresh(
    c: &impl GenericClient,
    view: &str,
    (from, to): (i64, i64),
) -> Result<(), StoreError> {
    if to > from {
        // Not in a transaction block (TimescaleDB refuses one): a simple query of its own.
        let call =
            format!("CALL refresh_continuous_aggregate('{view}', {from}::bigint, {to}::bigint)");
        c.batch_execute(&call).await?;
    }
    Ok(())
}

/// Refreshes the rollups `late` samples changed; call after their write committed.
pub async fn refresh_late(c: &impl GenericClient, late: Late) -> Result<(), StoreError> {
    let (hours, days) = late_windows(late);
    refresh(c, "rollup_hour", hours).await?;
    refresh(c, "rollup_day", days).await
}

/// The lowest hour a refresh may start at: the first whole hour after the pruned horizon.
pub(crate) fn floor_of(pruned: i64) -> i64 {
    pruned.div_euclid(HOUR) * HOUR + if pruned.rem_euclid(HOUR) == 0 { 0 } else { HOUR }
}

/// The rollup job on TimescaleDB: moves the boundary to the hour closing `now`, then refreshes
/// both aggregates from the pruned horizon up to it (only what changed is recomputed, so
/// late samples whose own refresh failed are caught up here). Answers how many rollup rows
/// cover the hours and days newly closed.
pub async fn rollup(db: &PgStore, now: Time) -> Result<usize, StoreError> {
    let mut client = db.client().await?;
    let new = now.timestamp().div_euclid(HOUR) * HOUR;
    // Moved first: reads of the hours in between find them in the aggregates' real-time
    // part until they are materialized, and a sample written meanwhile is late (refreshed
    // by its write).
    let (old, pruned): (i64, i64) = {
        let tx = client.transaction().await?;
        let row = tx
            .query_one("SELECT hour, pruned FROM rollup_state WHERE id = 1 FOR UPDATE", &[])
            .await?;
        let (old, pruned) = (row.get(0), row.get(1));
        if new <= old {
            return Ok(0);
        }
        tx.execute("UPDATE rollup_state SET hour = $1 WHERE id = 1", &[&new]).await?;
        tx.commit().await?;
        (old, pruned)
    };
    let from = floor_of(pruned);
    refresh(&**client, "rollup_hour", (from, new)).await?;
    refresh(&**client, "rollup_day", (from.div_euclid(DAY) * DAY, new.div_euclid(DAY) * DAY))
        .await?;
    let (day_from, day_to) = (old.div_euclid(DAY) * DAY, new.div_euclid(DAY) * DAY);
    let n: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM rollup_hour WHERE bucket >= $1 AND bucket < $2)
                  + (SELECT count(*) FROM rollup_day WHERE bucket >= $3 AND bucket < $4)",
            &[&old, &new, &day_from, &day_to],
        )
        .await?
        .get(0);
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Retention of the aggregates in the caller's transaction: records that raw samples before
/// `raw` may be gone, and drops the chunks of both aggregates wholly before `before` (rows
/// stay up to one chunk, 10 days, longer). Answers how many rollup rows went.
pub async fn prune(tx: &Transaction<'_>, raw: i64, before: i64) -> Result<u64, StoreError> {
    tx.execute("UPDATE rollup_state SET pruned = GREATEST(pruned, $1) WHERE id = 1", &[&raw])
        .await?;
    let mut gone = 0;
    for view in ["rollup_hour", "rollup_day"] {
        let count = format!("SELECT count(*) FROM {view} WHERE bucket < $1");
        let before_drop: i64 = tx.query_one(&count, &[&before]).await?.get(0);
        tx.execute(&format!("SELECT drop_chunks('{view}', older_than => $1::bigint)"), &[&before])
            .await?;
        let after: i64 = tx.query_one(&count, &[&before]).await?.get(0);
        gone += u64::try_from(before_drop - after).unwrap_or(0);
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_samples_refresh_their_hours_and_closed_days_only() {
        let d = 20 * DAY;
        let late = Late {
            first: d + 10 * HOUR + 5,
            last: d + DAY + 3 * HOUR,
            boundary: d + DAY + 5 * HOUR,
        };
        assert_eq!(late_windows(late), ((d + 10 * HOUR, d + DAY + 4 * HOUR), (d, d + DAY)));
        let open = Late { first: d + 2, last: d + 3, boundary: d + HOUR };
        assert_eq!(late_windows(open), ((d, d + HOUR), (d, d)));
        assert_eq!((floor_of(0), floor_of(d + 1), floor_of(d)), (0, d + HOUR, d));
    }
}
