//! The embedded engine (rusqlite, bundled SQLite): one file in WAL mode, one writer
//! connection and a small pool of reader connections. Blocking: the `Store` facade calls it
//! on tokio's blocking threads.

pub(crate) mod blocks;
pub(crate) mod devices;
pub(crate) mod events;
pub(crate) mod samples;
pub(crate) mod series;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::Connection;

use super::error::StoreError;
use super::migrate;

/// Reader connections kept open for a file database.
const READERS: usize = 4;

/// One SQLite database.
pub struct SqliteStore {
    /// The only connection that writes.
    writer: Mutex<Connection>,
    /// Idle reader connections (a file database only; an in-memory one reads through the
    /// writer, since each in-memory connection is a database of its own).
    readers: Mutex<Vec<Connection>>,
    /// The file, `None` in memory.
    path: Option<PathBuf>,
    /// Ids of the sample series already stored.
    series: samples::SeriesIds,
}

impl SqliteStore {
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
        let mut conn = Connection::open(path)?;
        setup(&mut conn)?;
        migrate::sqlite(&mut conn, migrate::SQLITE)?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: Some(path.to_path_buf()),
            series: samples::SeriesIds::default(),
        })
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        setup(&mut conn)?;
        migrate::sqlite(&mut conn, migrate::SQLITE)?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path: None,
            series: samples::SeriesIds::default(),
        })
    }

    /// The database file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes `events` and the numbers of the new sample events among them in one
    /// transaction (see `events::insert`); returns how many events were new.
    pub fn insert(
        &self,
        events: &[std::sync::Arc<crate::events::Event>],
    ) -> Result<usize, StoreError> {
        self.write(|c| events::insert(c, events, &self.series))
    }

    /// Compacts every closed, rolled-up hour of raw samples into blocks (see
    /// `store::blocks`), one transaction per series, releasing the writer between series so
    /// writes go on; returns how many blocks were written. A series that fails (a corrupt
    /// block) is left as it was and the others are still compacted; the first error is
    /// returned.
    pub fn compact(&self, now: super::query::Time) -> Result<usize, StoreError> {
        let (targets, limit) = self.write(|c| blocks::plan(c, now))?;
        let (mut written, mut failed) = (0, None);
        for t in &targets {
            match self.write(|c| blocks::compact_series(c, t, limit)) {
                Ok(n) => written += n,
                Err(e) => {
                    tracing::warn!(series = %t.1, error = %e, "compaction of a series failed");
                    failed.get_or_insert(e);
                }
            }
        }
        failed.map_or(Ok(written), Err)
    }

    /// Runs `f` on the writer connection (blocking).
    pub fn write<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    /// Runs `f` on a reader connection from the pool (blocking).
    pub fn read<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let Some(path) = &self.path else {
            return self.write(|c| f(c));
        };
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let mut c = Connection::open(path)?;
                setup(&mut c)?;
                c
            }
        };
        let result = f(&conn);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < READERS {
            idle.push(conn);
        }
        result
    }
}

/// The connection settings every connection gets.
fn setup(conn: &mut Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}
