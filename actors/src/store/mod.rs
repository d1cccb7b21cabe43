//! The event store: one async API (`Store`) over two engines, embedded SQLite and
//! PostgreSQL/TimescaleDB (`postgres`); its migrations, the writer that feeds it from the bus, and the
//! writer's disk spool.

pub mod blocks;
pub mod cursors;
pub mod devices;
pub mod error;
pub mod migrate;
pub mod postgres;
pub mod query;
pub mod samples;
pub mod spool;
pub mod sqlite;
pub mod writer;
pub mod writer_actor;

use std::path::Path;
use std::sync::Arc;

use uuid::Uuid;

pub use blocks::StorageStats;
pub use devices::{DeviceRecord, SeedReport};
pub use error::StoreError;
pub use postgres::PgStore;
pub use query::{Cursor, MAX_PAGE, Page, Retention, Time, TimelineQuery};
pub use samples::{Bucket, Point, Series, SeriesQuery};
pub use spool::{Drained, Spool};
pub use sqlite::SqliteStore;
pub use writer::{EventSink, WriterSettings};
pub use writer_actor::{WriterHandle, WriterMsg, WriterStats, spawn_writer};

use crate::device::DeviceSpec;
use crate::events::Event;

/// The store, cheap to clone. Every method validates its arguments and answers with a typed
/// error, never a panic.
#[derive(Clone)]
pub struct Store {
    engine: Engine,
}

/// The engine behind a store.
#[derive(Clone)]
enum Engine {
    /// Embedded SQLite, run on tokio's blocking threads.
    Sqlite(Arc<SqliteStore>),
    /// PostgreSQL (or TimescaleDB) through a connection pool.
    Postgres(Arc<PgStore>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("engine", &self.engine_name()).finish()
    }
}

/// Runs a blocking SQLite call on tokio's blocking threads.
async fn blocking<R: Send + 'static>(
    db: &Arc<SqliteStore>,
    f: impl FnOnce(&SqliteStore) -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || f(&db)).await.unwrap_or_else(|e| {
        Err(StoreError::Corrupt { seq: -1, detail: format!("store task: {e}") })
    })
}

impl Store {
    /// Opens (creating and migrating) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let db = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
            .await
            .map_err(|e| StoreError::Corrupt { seq: -1, detail: e.to_string() })??;
        Ok(Self { engine: Engine::Sqlite(Arc::new(db)) })
    }

    /// A private in-memory SQLite database (tests).
    pub fn sqlite_in_memory() -> Result<Self, StoreError> {
        Ok(Self { engine: Engine::Sqlite(Arc::new(SqliteStore::in_memory()?)) })
    }

    /// Connects to PostgreSQL at `url` (`postgres://user:pw@host:port/db` or libpq
    /// `key=value`), sets TimescaleDB up when the server has it loaded, and migrates. Errors
    /// never carry the password; a server that does not answer is `Unreachable`.
    pub async fn connect_postgres(url: &str) -> Result<Self, StoreError> {
        Ok(Self { engine: Engine::Postgres(Arc::new(PgStore::connect_now(url).await?)) })
    }

    /// A store on PostgreSQL at `url` that has not reached the server yet (for a server that
    /// must start while its database is down): the URL is checked (an invalid one is an
    /// error), nothing is sent. Until [`Store::connect`] succeeds every call fails with
    /// `Unreachable` saying why, so the writer keeps events in memory and in its spool.
    pub fn postgres_unconnected(url: &str) -> Result<Self, StoreError> {
        Ok(Self { engine: Engine::Postgres(Arc::new(PgStore::new(url)?)) })
    }

    /// One attempt to connect, migrate and set TimescaleDB up (`Ok` at once when connected,
    /// and always on SQLite). `Unreachable` when the server did not answer (worth retrying);
    /// any other error means it answered but cannot be used (credentials, an unknown
    /// database, a schema newer than this binary).
    pub async fn connect(&self) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(()),
            Engine::Postgres(db) => db.connect().await,
        }
    }

    /// Whether the store is connected and migrated (always on SQLite).
    pub fn is_connected(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(_) => true,
            Engine::Postgres(db) => db.is_connected(),
        }
    }

    /// Retries [`Store::connect`] until it succeeds, first after `min`, then with the delay
    /// doubling up to `max`; returns at once when connected. Logs success at INFO and a
    /// server that answers but cannot be used at ERROR (a server that does not answer only at
    /// DEBUG: the caller's first attempt said so).
    pub async fn keep_connecting(&self, min: std::time::Duration, max: std::time::Duration) {
        if let Engine::Postgres(db) = &self.engine {
            db.keep_connecting(min, max).await;
        }
    }

    /// `sqlite`, `postgresql` or `timescaledb` (`postgresql` until connected).
    pub fn engine_name(&self) -> &'static str {
        match &self.engine {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(db) if db.is_timescale() => "timescaledb",
            Engine::Postgres(_) => "postgresql",
        }
    }

    /// Where the data is, for start-up messages (a file path, or `user@host:port/db`; never
    /// a password).
    pub fn location(&self) -> String {
        match &self.engine {
            Engine::Sqlite(db) => {
                db.path().map_or_else(|| "memory".to_string(), |p| p.display().to_string())
            }
            Engine::Postgres(db) => db.location().to_string(),
        }
    }

    /// Checks the database answers (cheap; for readiness probes).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, |db| db.read(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))).await
            }
            Engine::Postgres(db) => db.ping().await,
        }
    }

    /// Writes `events` in one batch, idempotently by id; returns how many were new.
    pub async fn insert(&self, events: &[Arc<Event>]) -> Result<usize, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                let events = events.to_vec();
                blocking(db, move |db| db.insert(&events)).await
            }
            Engine::Postgres(db) => postgres::events::insert(db, events).await,
        }
    }

    /// Events stored after `after` in stored (bus) order, from the start when `None`, at
    /// most `limit` (WebSocket resume). An id the store does not hold is `UnknownCursor`.
    pub async fn events_after(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, move |db| db.read(|c| sqlite::events::after(c, after, limit))).await
            }
            Engine::Postgres(db) => postgres::events::after(db, after, limit).await,
        }
    }

    /// One page of the filtered event timeline.
    pub async fn timeline(&self, q: &TimelineQuery) -> Result<Page, StoreError> {
        q.validate()?;
        match &self.engine {
            Engine::Sqlite(db) => {
                let q = q.clone();
                blocking(db, move |db| db.read(|c| sqlite::events::timeline(c, &q))).await
            }
            Engine::Postgres(db) => postgres::events::timeline(db, q).await,
        }
    }

    /// The newest event of every (device, type), oldest first (the state to restore).
    pub async fn latest_per_kind(&self) -> Result<Vec<Event>, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => blocking(db, |db| db.read(sqlite::events::latest_per_kind)).await,
            Engine::Postgres(db) => postgres::events::latest_per_kind(db).await,
        }
    }

    /// Runs retention as of `now` on events and sample tables; returns how many rows went.
    /// The newest event of each (device, type) stays in `latest_per_kind` whatever its age;
    /// raw samples not yet rolled up are kept (run `rollup` first).
    pub async fn prune(&self, now: Time, keep: Retention) -> Result<usize, StoreError> {
        let samples = Retention::cutoff(now, keep.sample_events);
        let changes = Retention::cutoff(now, keep.change_events);
        let raw = Retention::cutoff(now, keep.raw_samples);
        let health = Retention::cutoff(now, keep.health);
        let rollups = Retention::cutoff(now, keep.rollups);
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, move |db| {
                    db.write(|c| {
                        let events = sqlite::events::prune(c, samples, changes)?;
                        Ok(events + sqlite::samples::prune(c, raw, health, rollups)?)
                    })
                })
                .await
            }
            Engine::Postgres(db) => {
                let events = postgres::events::prune(db, samples, changes).await?;
                Ok(events + postgres::samples::run_prune(db, raw, health, rollups).await?)
            }
        }
    }

    /// Rolls up every whole hour and day closed by `now` since the last run into the hourly
    /// and daily tables; returns how many rollup rows were written. Idempotent.
    pub async fn rollup(&self, now: Time) -> Result<usize, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, move |db| db.write(|c| sqlite::series::rollup(c, now))).await
            }
            Engine::Postgres(db) => postgres::samples::run_rollup(db, now).await,
        }
    }

    /// Compacts every whole hour of raw samples that ended two hours before `now` and is
    /// rolled up into one block per (series, hour), merging late samples into blocks already
    /// there (see `store::blocks`); returns how many blocks were written. Idempotent. Not run
    /// on TimescaleDB, which compresses its sample tables natively. A corrupt block is
    /// `Corrupt` naming the series and hour (that series is left as it was).
    pub async fn compact(&self, now: Time) -> Result<usize, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => blocking(db, move |db| db.compact(now)).await,
            Engine::Postgres(db) if db.is_timescale() => Ok(0),
            Engine::Postgres(db) => postgres::blocks::compact(db, now).await,
        }
    }

    /// Where the sample tables' storage stands: raw rows, blocks and the points in them.
    pub async fn storage_stats(&self) -> Result<StorageStats, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => blocking(db, |db| db.read(sqlite::blocks::stats)).await,
            Engine::Postgres(db) => postgres::blocks::storage_stats(db).await,
        }
    }

    /// One metric of one device over a time range, one series per instance (only the
    /// instance asked for, if one is): rollups for closed buckets, raw samples for the open
    /// tail. A metric never stored for the device gives no series.
    pub async fn series(&self, q: &SeriesQuery) -> Result<Vec<Series>, StoreError> {
        q.validate()?;
        match &self.engine {
            Engine::Sqlite(db) => {
                let q = q.clone();
                blocking(db, move |db| db.read(|c| sqlite::series::series(c, &q))).await
            }
            Engine::Postgres(db) => postgres::series::query_series(db, q).await,
        }
    }

    /// Capacity-planning inputs: the `fs.used_bytes`, `fs.size_bytes`, `pool.alloc_bytes`
    /// and `pool.size_bytes` series of `device` (every device when `None`), hourly for a
    /// range shorter than 31 days, daily otherwise.
    pub async fn capacity(
        &self,
        device: Option<&str>,
        from: Time,
        to: Time,
    ) -> Result<Vec<Series>, StoreError> {
        let bucket =
            if to - from < chrono::Duration::days(31) { Bucket::Hour } else { Bucket::Day };
        samples::query::check_range(from, to, bucket)?;
        if let Some(d) = device {
            samples::query::check_device(d)?;
        }
        match &self.engine {
            Engine::Sqlite(db) => {
                let device = device.map(str::to_string);
                blocking(db, move |db| {
                    db.read(|c| sqlite::series::capacity(c, device.as_deref(), (from, to, bucket)))
                })
                .await
            }
            Engine::Postgres(db) => {
                postgres::series::query_capacity(db, device, (from, to, bucket)).await
            }
        }
    }

    /// How many raw samples are stored in the typed sample tables, compacted into blocks or
    /// not.
    pub async fn sample_count(&self) -> Result<u64, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, |db| db.read(|c| Ok(sqlite::blocks::stats(c)?.points()))).await
            }
            Engine::Postgres(db) => postgres::samples::sample_count(db).await,
        }
    }

    /// The schema version (the highest migration applied).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => blocking(db, |db| db.read(sqlite::events::schema_version)).await,
            Engine::Postgres(db) => postgres::events::schema_version(db).await,
        }
    }

    /// How many events are stored.
    pub async fn count(&self) -> Result<u64, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => blocking(db, |db| db.read(sqlite::events::count)).await,
            Engine::Postgres(db) => postgres::events::count(db).await,
        }
    }

    /// Every device of the registry, by name.
    pub async fn devices(&self) -> Result<Vec<DeviceRecord>, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => blocking(db, |db| db.read(sqlite::devices::list)).await,
            Engine::Postgres(db) => postgres::devices::list(db).await,
        }
    }

    /// Writes a device (replacing the one of the same name, keeping its `created_at`). An API
    /// device with a key passphrase is `Invalid` (a secret is never stored), and so is an API
    /// device replacing a config one.
    pub async fn put_device(&self, record: &DeviceRecord) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                let r = record.clone();
                blocking(db, move |db| db.write(|c| sqlite::devices::put(c, &r))).await
            }
            Engine::Postgres(db) => postgres::devices::put(db, record).await,
        }
    }

    /// Deletes the device called `name`; whether there was one.
    pub async fn remove_device(&self, name: &str) -> Result<bool, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                let name = name.to_string();
                blocking(db, move |db| db.write(|c| sqlite::devices::remove(c, &name))).await
            }
            Engine::Postgres(db) => postgres::devices::remove(db, name).await,
        }
    }

    /// Seeds the config devices (at start-up), in one transaction: each is upserted as a
    /// `config` row (its passphrase left in the config file); an API device of the same name
    /// (regardless of case) is replaced, with a warning; a config row whose device left the
    /// config file is deleted.
    pub async fn seed_config_devices(
        &self,
        specs: &[DeviceSpec],
    ) -> Result<SeedReport, StoreError> {
        let report = match &self.engine {
            Engine::Sqlite(db) => {
                let specs = specs.to_vec();
                blocking(db, move |db| db.write(|c| sqlite::devices::seed_config(c, &specs))).await
            }
            Engine::Postgres(db) => postgres::devices::seed_config(db, specs).await,
        }?;
        for name in &report.replaced_api {
            tracing::warn!(device = %name, "a device added through the API is replaced by the config device of the same name");
        }
        for name in &report.removed {
            tracing::info!(device = %name, "device left the config file; removed from the registry");
        }
        Ok(report)
    }
}
