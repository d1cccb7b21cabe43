//! The embedded engine's event table (rusqlite, bundled SQLite): open a file in WAL mode,
//! migrate it, write batches idempotently (by event id, one transaction each) and read the
//! events after an id. Blocking: the writer runs it on a thread of its own.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::migrate::{self, MigrateError};
use crate::events::Event;

/// One SQLite database holding the events.
pub struct SqliteEvents {
    /// The connection (a writer's own; readers will get a pool).
    conn: Connection,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Opening or migrating the database failed.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    /// The engine failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored event could not be read back.
    #[error("stored event {seq} is unreadable: {detail}")]
    Corrupt {
        /// Row number.
        seq: i64,
        /// What was wrong.
        detail: String,
    },
}

impl SqliteEvents {
    /// Opens (creating if needed) the database file at `path`, in WAL mode, migrated.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot create {}: {e}", dir.display())),
                )
            })?;
        }
        Self::setup(Connection::open(path)?)
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate::sqlite(&mut conn, migrate::SQLITE)?;
        Ok(Self { conn })
    }

    /// Writes `events` in one transaction; an id already stored is skipped. Returns how many
    /// were new.
    pub fn insert(&mut self, events: &[Arc<Event>]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut added = 0;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (id, device, observed_ms, type, sample, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for ev in events {
                let payload = serde_json::to_string(&**ev).map_err(|e| StoreError::Corrupt {
                    seq: -1,
                    detail: format!("event {} cannot be encoded: {e}", ev.id),
                })?;
                added += stmt.execute(params![
                    ev.id.to_string(),
                    ev.device,
                    ev.observed_at.timestamp_millis(),
                    ev.type_name(),
                    ev.kind.sample_of().is_some(),
                    payload,
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Events stored after `after` (in the order they were stored; from the start when
    /// `None` or when `after` is unknown), optionally of one device, at most `limit`.
    pub fn after(
        &self,
        after: Option<Uuid>,
        device: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let from: i64 = match after {
            None => 0,
            Some(id) => self
                .conn
                .query_row("SELECT seq FROM events WHERE id = ?1", [id.to_string()], |r| r.get(0))
                .optional()?
                .unwrap_or(0),
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, payload FROM events WHERE seq > ?1 AND (?2 IS NULL OR device = ?2)
             ORDER BY seq LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        decode(stmt.query_map(params![from, device, limit], seq_and_payload)?)
    }

    /// The newest event of every (device, type), oldest first: what the current state of each
    /// device is folded from after a restart (its latest sample of each probe, its last
    /// online/offline change, its tools). Per-probe failures and skips keep only the newest
    /// of each type for now.
    pub fn latest_per_kind(&self) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, payload FROM events WHERE seq IN
                 (SELECT MAX(seq) FROM events GROUP BY device, type)
             ORDER BY seq",
        )?;
        decode(stmt.query_map([], seq_and_payload)?)
    }

    /// Deletes sample events observed before `samples_before` and change events observed
    /// before `changes_before` (the retention job); returns how many rows went. The newest
    /// event of each (device, type) is always kept, so the last known state survives any age.
    pub fn prune(
        &mut self,
        samples_before: chrono::DateTime<chrono::Utc>,
        changes_before: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM events
             WHERE ((sample = 1 AND observed_ms < ?1) OR (sample = 0 AND observed_ms < ?2))
               AND seq NOT IN (SELECT MAX(seq) FROM events GROUP BY device, type)",
            params![samples_before.timestamp_millis(), changes_before.timestamp_millis()],
        )?;
        Ok(n)
    }

    /// The schema version the database is at (the highest migration applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let q = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
        Ok(self.conn.query_row(q, [], |r| r.get(0))?)
    }

    /// How many events are stored.
    pub fn count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
    }
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

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
