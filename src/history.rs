//! Where history goes: the store (the embedded SQLite file under the data folder, or
//! PostgreSQL/TimescaleDB when a database URL is set) and the writer's spool under the data
//! folder, fed by the writer actor on a lossless subscription of the bus.
//!
//! `serve` starts even when PostgreSQL does not answer yet (refused, timed out): events wait
//! in the writer's memory buffer and spool, a background task connects with backoff, and
//! once connected the store migrates, the spool drains in order, the registry is seeded and
//! the devices added through the API are monitored again. A server that answers but cannot
//! be used (credentials, an unknown database, a newer schema) stops the start-up, and
//! `migrate` fails at once whatever the reason.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use infrastructor_actors::api::FleetHandle;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{DeviceSource, DeviceSpec};
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::{Retention, Spool, Store, WriterSettings, spawn_writer};
use tokio::task::JoinHandle;

use crate::config::Secret;

/// The database file under the data folder.
pub const DATABASE_FILE: &str = "infrastructor.db";

/// First and longest wait between two attempts to reach a database that did not answer at
/// start-up.
const RECONNECT: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(15));

/// Where history is kept.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Folder of the SQLite file and the spool.
    pub data_dir: PathBuf,
    /// PostgreSQL/TimescaleDB instead of the SQLite file.
    pub database_url: Option<Secret>,
    /// How long each kind of data is kept.
    pub retention: Retention,
    /// Most events the writer holds in memory while the store fails before it spools them
    /// to disk.
    pub buffer: usize,
}

impl HistoryOptions {
    /// History under `data_dir` (SQLite, or PostgreSQL when `database_url` is set) with the
    /// default retention and writer buffer.
    pub fn new(data_dir: impl Into<PathBuf>, database_url: Option<Secret>) -> Self {
        let (retention, buffer) = (Retention::default(), WriterSettings::default().buffer);
        Self { data_dir: data_dir.into(), database_url, retention, buffer }
    }
}

/// A running history: the store and its writer.
pub struct History {
    /// The store (queries).
    pub store: Store,
    /// The writer; ends once every publisher is gone and the rest is written or spooled.
    pub writer: JoinHandle<()>,
}

/// Opens (creating and migrating) the store; a database that does not answer is an error.
pub async fn open(opts: &HistoryOptions) -> anyhow::Result<Store> {
    match &opts.database_url {
        Some(url) => open_postgres(url).await,
        None => {
            let path = opts.data_dir.join(DATABASE_FILE);
            Store::open_sqlite(&path)
                .await
                .with_context(|| format!("cannot open the history database {}", path.display()))
        }
    }
}

/// Connects to PostgreSQL (TimescaleDB when the server has it loaded) and migrates; the
/// error names the server, never the password.
async fn open_postgres(url: &Secret) -> anyhow::Result<Store> {
    Store::connect_postgres(url.expose()).await.context("cannot open the history database")
}

/// Opens the store for `serve`: as [`open`], except that a PostgreSQL server that does not
/// answer (refused, timed out, starting up) is only a warning and the store is returned
/// unconnected (see [`connect_later`]). A server that answers but cannot be used is an error.
async fn open_for_serving(opts: &HistoryOptions) -> anyhow::Result<Store> {
    let Some(url) = &opts.database_url else { return open(opts).await };
    let store =
        Store::postgres_unconnected(url.expose()).context("cannot open the history database")?;
    match store.connect().await {
        Ok(()) => Ok(store),
        Err(e) if e.is_transient() => {
            tracing::warn!(
                error = %e,
                "the database is not reachable: starting without it; history will be kept in {} \
                 once it answers (events wait in memory and in the spool until then; the last \
                 known state and the devices added through the API come back only then)",
                store.location()
            );
            Ok(store)
        }
        Err(e) => Err(anyhow::Error::new(e).context("cannot open the history database")),
    }
}

/// Opens the store and the spool, folds the last known state of every device into
/// `projection` (so an offline device answers after a restart, and every probe resumes from
/// its last sample: call this before the fleet starts), and starts the writer on `bus`. A
/// PostgreSQL server that does not answer yet leaves the store unconnected and the state
/// unrestored (see [`connect_later`]).
pub async fn start(
    opts: &HistoryOptions,
    bus: &Bus,
    projection: &Projection,
) -> anyhow::Result<History> {
    let store = open_for_serving(opts).await?;
    if store.is_connected() {
        let last: Vec<_> = store
            .latest_per_kind()
            .await
            .context("cannot read the last known state from the history")?
            .into_iter()
            .map(std::sync::Arc::new)
            .collect();
        if !last.is_empty() {
            tracing::info!(events = last.len(), "last known state restored from the history");
            projection.apply_all(&last);
        }
    }
    let spool_path = spool_path(&opts.data_dir);
    let spool = Spool::open(&spool_path)
        .with_context(|| format!("cannot open the spool {}", spool_path.display()))?;
    let rx = bus.subscribe_lossless("writer", 8192);
    let settings = WriterSettings {
        retention: opts.retention,
        buffer: opts.buffer,
        ..WriterSettings::default()
    };
    if store.is_connected() {
        tracing::info!(engine = store.engine_name(), "history is kept in {}", store.location());
    }
    let writer = spawn_writer(rx, store.clone(), spool, settings)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the history writer: {e}"))?;
    let writer = tokio::spawn(async move {
        let _ = writer.done.await;
    });
    Ok(History { store, writer })
}

/// The writer's spool under the data folder.
pub fn spool_path(data_dir: &Path) -> PathBuf {
    data_dir.join("spool").join("events.spool")
}

/// `infrastructor migrate`: creates or migrates the store and says where it is and at which
/// schema version (re-running is a no-op).
pub async fn migrate(opts: &HistoryOptions, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let store = open(opts).await?;
    let version = store.schema_version().await?;
    let count = store.count().await?;
    let (engine, location) = (store.engine_name(), store.location());
    writeln!(out, "{location} ({engine}): schema version {version}, {count} events")?;
    Ok(())
}

/// Waits (at most `within`) for the writer to write or spool what is left.
pub async fn finish(writer: JoinHandle<()>, within: Duration) {
    if tokio::time::timeout(within, writer).await.is_err() {
        tracing::warn!("the history writer did not finish in time; unwritten events are lost");
    }
}

/// Seeds the config devices into the registry and returns the devices added through the API
/// that are stored there (a config device of the same name has replaced any such one). A
/// store not connected yet gives none: [`connect_later`] does it once connected.
pub async fn seed_devices(store: &Store, config: &[DeviceSpec]) -> anyhow::Result<Vec<DeviceSpec>> {
    if !store.is_connected() {
        return Ok(Vec::new());
    }
    store.seed_config_devices(config).await.context("cannot seed the device registry")?;
    let stored = store.devices().await.context("cannot read the device registry")?;
    let api: Vec<DeviceSpec> =
        stored.into_iter().filter(|r| r.source == DeviceSource::Api).map(|r| r.spec).collect();
    if !api.is_empty() {
        tracing::info!(
            devices = api.len(),
            "devices added through the API restored from the registry"
        );
    }
    Ok(api)
}

/// When `handle`'s store did not connect at start-up: a task that retries with backoff until
/// it connects (the store then migrates; the writer drains what waited at its next retry),
/// then seeds the registry with the `config` devices and starts monitoring the devices added
/// through the API that it holds. `None` when there is nothing to wait for. Abort it at
/// shutdown.
pub fn connect_later(handle: &FleetHandle, config: &[DeviceSpec]) -> Option<JoinHandle<()>> {
    let store = handle.store().ok().filter(|s| !s.is_connected())?.clone();
    let (handle, config) = (handle.clone(), config.to_vec());
    Some(tokio::spawn(async move {
        store.keep_connecting(RECONNECT.0, RECONNECT.1).await;
        let api = match seed_devices(&store, &config).await {
            Ok(api) => api,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "the device registry is not restored");
                return;
            }
        };
        for spec in api {
            let name = spec.name.clone();
            if let Err(e) = handle.add_device(spec).await {
                tracing::warn!(device = %name, error = %e, "a device added through the API is not monitored again");
            }
        }
    }))
}
