//! The server engine's event table, the same semantics as `sqlite::events`: batches written
//! by binary COPY into a per-connection staging table then moved idempotently (by event id)
//! in bus order, the `latest` projection upserted in the same transaction; reads after an
//! id, the filtered timeline, the newest event of each kind, retention.

use std::sync::Arc;

use futures::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use uuid::Uuid;

use super::PgStore;
use crate::events::Event;
use crate::store::error::StoreError;
use crate::store::query::{Cursor, Page, Time, TimelineQuery};

/// The staging table every pooled connection creates once (its rows go at commit).
pub(crate) const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS staging (
        ord int NOT NULL, id uuid NOT NULL, device text NOT NULL,
        observed_at timestamptz NOT NULL, type text NOT NULL, sample boolean NOT NULL,
        payload text NOT NULL
    ) ON COMMIT DELETE ROWS";

const COPY: &str =
    "COPY staging (ord, id, device, observed_at, type, sample, payload) FROM STDIN BINARY";
const COPY_TYPES: [Type; 7] =
    [Type::INT4, Type::UUID, Type::TEXT, Type::TIMESTAMPTZ, Type::TEXT, Type::BOOL, Type::TEXT];

/// Moves the staged rows into `events` in staging order (so `seq` follows the bus), skipping
/// ids already stored, and raises `latest` for each (device, type) the batch holds a newer
/// event of. Answers the ids that were new.
const MOVE: &str = "WITH added AS (
        INSERT INTO events (id, device, observed_at, type, sample, payload)
        SELECT id, device, observed_at, type, sample, payload::jsonb FROM staging ORDER BY ord
        ON CONFLICT (id, observed_at) DO NOTHING
        RETURNING seq, id, device, type, payload
    ), newest AS (
        INSERT INTO latest (device, type, seq, payload)
        SELECT DISTINCT ON (device, type) device, type, seq, payload
        FROM added ORDER BY device, type, seq DESC
        ON CONFLICT (device, type) DO UPDATE SET seq = EXCLUDED.seq, payload = EXCLUDED.payload
        WHERE latest.seq < EXCLUDED.seq
    )
    SELECT id FROM added";

/// Writes `events` in one transaction, with the sample rows of the new ones (see
/// `samples::write`); an id already stored is skipped, and so are its samples. Returns how
/// many were new.
pub async fn insert(db: &PgStore, events: &[Arc<Event>]) -> Result<usize, StoreError> {
    if events.is_empty() {
        return Ok(0);
    }
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    let sink = tx.copy_in(COPY).await?;
    let writer = BinaryCopyInWriter::new(sink, &COPY_TYPES);
    pin_mut!(writer);
    for (ord, ev) in events.iter().enumerate() {
        let ord = i32::try_from(ord)
            .map_err(|_| StoreError::Invalid(format!("a batch of {} is too big", events.len())))?;
        let payload = storable_json(ev)?;
        let device = ev.device.replace('\0', "\u{FFFD}");
        let sample = ev.kind.sample_of().is_some();
        let row: [&(dyn ToSql + Sync); 7] =
            [&ord, &ev.id, &device, &ev.observed_at, &ev.type_name(), &sample, &payload];
        writer.as_mut().write(&row).await?;
    }
    writer.finish().await?;
    let added: std::collections::HashSet<Uuid> =
        tx.query(MOVE, &[]).await?.iter().map(|r| r.get(0)).collect();
    // The numbers of the new sample events, in the same transaction.
    let rows: Vec<_> = events
        .iter()
        .filter(|ev| added.contains(&ev.id))
        .flat_map(|ev| crate::store::samples::rows(ev))
        .collect();
    let (_, late) = super::samples::write(&tx, &rows, db.is_timescale()).await?;
    tx.commit().await?;
    if let Some(late) = late {
        // The batch is stored: a failed refresh is caught up by the next rollup job.
        if let Err(e) = super::caggs::refresh_late(&**client, late).await {
            tracing::warn!(error = %e, "refreshing the rollups of late samples failed");
        }
    }
    Ok(added.len())
}

/// The event's public JSON, storable as `jsonb`: `jsonb` refuses the escape `\u0000`, so a NUL
/// character in any string (text read from a device) is stored as U+FFFD instead of failing
/// the whole batch.
fn storable_json(ev: &Event) -> Result<String, StoreError> {
    let bad = |e: serde_json::Error| StoreError::Corrupt {
        seq: -1,
        detail: format!("event {} cannot be encoded: {e}", ev.id),
    };
    let json = serde_json::to_string(ev).map_err(bad)?;
    if !json.contains("\\u0000") {
        return Ok(json);
    }
    let mut value = serde_json::to_value(ev).map_err(bad)?;
    replace_nul(&mut value);
    serde_json::to_string(&value).map_err(bad)
}

/// Replaces NUL characters in every string (and key) of `v` by U+FFFD.
fn replace_nul(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => *s = s.replace('\0', "\u{FFFD}"),
        Value::Array(items) => items.iter_mut().for_each(replace_nul),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut item) in entries {
                replace_nul(&mut item);
                map.insert(k.replace('\0', "\u{FFFD}"), item);
            }
        }
        _ => {}
    }
}

/// The row number of a stored event.
async fn seq_of(client: &tokio_postgres::Client, id: Uuid) -> Result<Option<i64>, StoreError> {
    let stmt = "SELECT seq FROM events WHERE id = $1";
    Ok(client.query_opt(stmt, &[&id]).await?.map(|r| r.get(0)))
}

/// Events stored after `after` (in the order they were stored; from the start when `None`),
/// at most `limit`. An `after` the store does not hold is `UnknownCursor`.
pub async fn after(
    db: &PgStore,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let client = db.client().await?;
    let from = match after {
        None => 0,
        Some(id) => seq_of(&client, id).await?.ok_or(StoreError::UnknownCursor(id))?,
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let stmt = client
        .prepare_cached(
            "SELECT seq, payload::text FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .await?;
    decode(client.query(&stmt, &[&from, &limit]).await?)
}

/// One page of the filtered timeline (see `TimelineQuery`).
pub async fn timeline(db: &PgStore, q: &TimelineQuery) -> Result<Page, StoreError> {
    q.validate()?;
    let client = db.client().await?;
    let mut filter = String::from("TRUE");
    let mut args: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if !q.devices.is_empty() {
        args.push(&q.devices);
        filter.push_str(&format!(" AND device = ANY(${})", args.len()));
    }
    if !q.kinds.is_empty() {
        args.push(&q.kinds);
        filter.push_str(&format!(" AND type = ANY(${})", args.len()));
    } else if !q.samples {
        filter.push_str(" AND NOT sample");
    }
    if let Some(from) = &q.from {
        args.push(from);
        filter.push_str(&format!(" AND observed_at >= ${}", args.len()));
    }
    if let Some(to) = &q.to {
        args.push(to);
        filter.push_str(&format!(" AND observed_at < ${}", args.len()));
    }
    let (bound, newest_first) = match q.cursor {
        None => (None, true),
        Some(Cursor::After(id)) => (Some((">", seq_of(&client, id).await?, id)), false),
        Some(Cursor::Before(id)) => (Some(("<", seq_of(&client, id).await?, id)), true),
        Some(Cursor::First) => (None, false),
    };
    if let Some((op, seq, id)) = bound {
        let seq = seq.ok_or(StoreError::UnknownCursor(id))?;
        filter.push_str(&format!(" AND seq {op} {seq}"));
    }
    let order = if newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT seq, payload::text FROM events WHERE {filter} ORDER BY seq {order} LIMIT {}",
        q.limit + 1
    );
    let mut rows = decode(client.query(&sql, &args).await?)?;
    let more = rows.len() > q.limit;
    rows.truncate(q.limit);
    if newest_first {
        rows.reverse();
    }
    Ok(Page::build(rows, q.cursor, more))
}

/// The newest event of every (device, type), oldest first, from the `latest` projection
/// (kept whatever retention deleted from `events`).
pub async fn latest_per_kind(db: &PgStore) -> Result<Vec<Event>, StoreError> {
    let client = db.client().await?;
    decode(client.query("SELECT seq, payload::text FROM latest ORDER BY seq", &[]).await?)
}

/// Deletes sample events observed before `samples_before` and change events observed before
/// `changes_before`; returns how many rows went. `latest` keeps the last known state.
pub async fn prune(
    db: &PgStore,
    samples_before: Time,
    changes_before: Time,
) -> Result<usize, StoreError> {
    let client = db.client().await?;
    let n = client
        .execute(
            "DELETE FROM events
             WHERE (sample AND observed_at < $1) OR (NOT sample AND observed_at < $2)",
            &[&samples_before, &changes_before],
        )
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The schema version the database is at (the highest main migration applied).
pub async fn schema_version(db: &PgStore) -> Result<i64, StoreError> {
    let client = db.client().await?;
    let q = "SELECT COALESCE(MAX(version), 0)::bigint FROM schema_migrations";
    Ok(client.query_one(q, &[]).await?.get(0))
}

/// How many events are stored.
pub async fn count(db: &PgStore) -> Result<u64, StoreError> {
    let client = db.client().await?;
    let n: i64 = client.query_one("SELECT count(*) FROM events", &[]).await?.get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Decodes `(seq, payload)` rows into events; an unreadable one is `Corrupt` with its row.
fn decode(rows: Vec<tokio_postgres::Row>) -> Result<Vec<Event>, StoreError> {
    rows.iter()
        .map(|row| {
            let seq: i64 = row.try_get(0)?;
            let payload: &str = row.try_get(1)?;
            serde_json::from_str(payload)
                .map_err(|e| StoreError::Corrupt { seq, detail: e.to_string() })
        })
        .collect()
}
