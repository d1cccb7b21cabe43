//! The embedded engine's event table: write batches idempotently (by event id, one
//! transaction each with a prepared statement, the `latest` projection upserted and the
//! numbers of sample events written in it), read after an id, the filtered timeline, the
//! newest event of each kind, retention.

use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use uuid::Uuid;

use crate::events::Event;
use crate::store::error::StoreError;
use crate::store::query::{Cursor, Page, Time, TimelineQuery};

/// Writes `events` in one transaction, with the sample rows of the new ones (see
/// `samples::write`); an id already stored is skipped, and so are its samples. Returns how
/// many were new.
pub fn insert(
    conn: &mut Connection,
    events: &[Arc<Event>],
    ids: &super::samples::SeriesIds,
) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let mut added = 0;
    let mut rows = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO events (id, device, observed_ms, type, sample, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut newest = tx.prepare_cached(
            "INSERT INTO latest (device, type, seq, payload) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device, type) DO UPDATE SET seq = excluded.seq, payload = excluded.payload
             WHERE excluded.seq > latest.seq",
        )?;
        for ev in events {
            let payload = serde_json::to_string(&**ev).map_err(|e| StoreError::Corrupt {
                seq: -1,
                detail: format!("event {} cannot be encoded: {e}", ev.id),
            })?;
            let new = stmt.execute(params![
                ev.id.to_string(),
                ev.device,
                ev.observed_at.timestamp_millis(),
                ev.type_name(),
                ev.kind.sample_of().is_some(),
                payload,
            ])?;
            if new > 0 {
                let seq = tx.last_insert_rowid();
                newest.execute(params![ev.device, ev.type_name(), seq, payload])?;
                rows.extend(crate::store::samples::rows(ev));
            }
            added += new;
        }
    }
    let fresh = super::samples::write(&tx, rows, ids)?;
    tx.commit()?;
    ids.remember(fresh);
    Ok(added)
}

/// The row number of a stored event.
fn seq_of(conn: &Connection, id: Uuid) -> Result<Option<i64>, StoreError> {
    let q = "SELECT seq FROM events WHERE id = ?1";
    Ok(conn.query_row(q, [id.to_string()], |r| r.get(0)).optional()?)
}

/// Events stored after `after` (in the order they were stored; from the start when `None`),
/// at most `limit`. An `after` the store does not hold is `UnknownCursor`.
pub fn after(
    conn: &Connection,
    after: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let from = match after {
        None => 0,
        Some(id) => seq_of(conn, id)?.ok_or(StoreError::UnknownCursor(id))?,
    };
    let mut stmt = conn
        .prepare_cached("SELECT seq, payload FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
    decode(stmt.query_map(params![from, limit_param(limit)], seq_and_payload)?)
}

/// One page of the filtered timeline (see `TimelineQuery`).
pub fn timeline(conn: &Connection, q: &TimelineQuery) -> Result<Page, StoreError> {
    q.validate()?;
    let mut filter = String::from("1 = 1");
    let mut args: Vec<Value> = Vec::new();
    let mut list = |filter: &mut String, column: &str, values: &[String]| {
        let marks = vec!["?"; values.len()].join(", ");
        filter.push_str(&format!(" AND {column} IN ({marks})"));
        args.extend(values.iter().map(|v| Value::Text(v.clone())));
    };
    if !q.devices.is_empty() {
        list(&mut filter, "device", &q.devices);
    }
    if !q.kinds.is_empty() {
        list(&mut filter, "type", &q.kinds);
    } else if !q.samples {
        filter.push_str(" AND sample = 0");
    }
    if let Some(from) = q.from {
        filter.push_str(" AND observed_ms >= ?");
        args.push(Value::Integer(from.timestamp_millis()));
    }
    if let Some(to) = q.to {
        filter.push_str(" AND observed_ms < ?");
        args.push(Value::Integer(to.timestamp_millis()));
    }
    let (bound, newest_first) = match q.cursor {
        None => (None, true),
        Some(Cursor::After(id)) => (Some((">", seq_of(conn, id)?, id)), false),
        Some(Cursor::Before(id)) => (Some(("<", seq_of(conn, id)?, id)), true),
        Some(Cursor::First) => (None, false),
    };
    if let Some((op, seq, id)) = bound {
        let seq = seq.ok_or(StoreError::UnknownCursor(id))?;
        filter.push_str(&format!(" AND seq {op} {seq}"));
    }
    let order = if newest_first { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT seq, payload FROM events WHERE {filter} ORDER BY seq {order} LIMIT {}",
        q.limit + 1
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = decode(stmt.query_map(params_from_iter(args), seq_and_payload)?)?;
    let more = rows.len() > q.limit;
    rows.truncate(q.limit);
    if newest_first {
        rows.reverse();
    }
    Ok(Page::build(rows, q.cursor, more))
}

/// The newest event of every (device, type), oldest first: what the current state of each
/// device is folded from after a restart (its latest sample of each probe, its last
/// online/offline change, its tools). Read from the `latest` projection, which keeps them
/// whatever retention deleted from `events`.
pub fn latest_per_kind(conn: &Connection) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT seq, payload FROM latest ORDER BY seq")?;
    decode(stmt.query_map([], seq_and_payload)?)
}

/// Deletes sample events observed before `samples_before` and change events observed before
/// `changes_before` (the retention job); returns how many rows went. The last known state
/// survives any age in `latest`.
pub fn prune(
    conn: &mut Connection,
    samples_before: Time,
    changes_before: Time,
) -> Result<usize, StoreError> {
    let n = conn.execute(
        "DELETE FROM events
         WHERE (sample = 1 AND observed_ms < ?1) OR (sample = 0 AND observed_ms < ?2)",
        params![samples_before.timestamp_millis(), changes_before.timestamp_millis()],
    )?;
    Ok(n)
}

/// The schema version the database is at (the highest migration applied).
pub fn schema_version(conn: &Connection) -> Result<i64, StoreError> {
    let q = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
    Ok(conn.query_row(q, [], |r| r.get(0))?)
}

/// How many events are stored.
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A `(seq, payload)` row.
fn seq_and_payload(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String)> {
    Ok((r.get(0)?, r.get(1)?))
}

/// Decodes `(seq, payload)` rows into events; an unreadable one is `Corrupt` with its row.
fn decode(
    rows: impl Iterator<Item = rusqlite::Result<(i64, String)>>,
) -> Result<Vec<Event>, StoreError> {
    rows.map(|row| {
        let (seq, payload) = row?;
        serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt { seq, detail: e.to_string() })
    })
    .collect()
}
