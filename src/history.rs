//! Where history goes: the store (the embedded SQLite file under the data folder, or
//! PostgreSQL/TimescaleDB when a database URL is set) and the writer's spool under the data
//! folder, fed by the writer actor on a lossless subscription of the bus.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{DeviceSource, DeviceSpec};
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::{Retention, Spool, Store, WriterSettings, spawn_writer};
use tokio::task::JoinHandle;

use crate::config::Secret;

/// The database file under the data folder.
pub const DATABASE_FILE: &str = "infrastructor.db";

/// Where history is kept.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Folder of the SQLite file and the spool.
    pub data_dir: PathBuf,
    /// PostgreSQL/TimescaleDB instead of the SQLite file.
    pub database_url: Option<Secret>,
    /// How long each kind of data is kept.
    pub retention: Retention,
}

impl HistoryOptions {
    /// History under `data_dir` (SQLite, or PostgreSQL when `database_url` is set) with the
    /// default retention.
    pub fn new(data_dir: impl Into<PathBuf>, database_url: Option<Secret>) -> Self {
        Self { data_dir: data_dir.into(), database_url, retention: Retention::default() }
    }
}

/// A running history: the store and its writer.
pub struct History {
    /// The store (queries).
    pub store: Store,
    /// The writer; ends once every publisher is gone and the rest is written or spooled.
    pub writer: JoinHandle<()>,
}

/// Opens (creating and migrating) the store.
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

/// Opens the store and the spool, folds the last known state of every device into
/// `projection` (so an offline device answers after a restart, and every probe resumes from
/// its last sample: call this before the fleet starts), and starts the writer on `bus`.
pub async fn start(
    opts: &HistoryOptions,
    bus: &Bus,
    projection: &Projection,
) -> anyhow::Result<History> {
    let store = open(opts).await?;
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
    let spool_path = spool_path(&opts.data_dir);
    let spool = Spool::open(&spool_path)
        .with_context(|| format!("cannot open the spool {}", spool_path.display()))?;
    let rx = bus.subscribe_lossless("writer", 8192);
    let settings = WriterSettings { retention: opts.retention, ..WriterSettings::default() };
    tracing::info!(engine = store.engine_name(), "history is kept in {}", store.location());
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
/// that are stored there (a config device of the same name has replaced any such one).
pub async fn seed_devices(store: &Store, config: &[DeviceSpec]) -> anyhow::Result<Vec<DeviceSpec>> {
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
