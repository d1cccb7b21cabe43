//! Where history goes: the embedded SQLite database and the writer's spool under the data
//! folder, fed by the writer on a lossless subscription of the bus.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{DeviceSource, DeviceSpec};
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::{Spool, Store, WriterSettings, spawn_writer};
use tokio::task::JoinHandle;

/// The database file under the data folder.
pub const DATABASE_FILE: &str = "infrastructor.db";

/// The history of a running server.
pub struct History {
    /// The writer's task; ends once every publisher is gone and the rest is written or
    /// spooled.
    pub writer: JoinHandle<()>,
    /// The store (the device registry is read and written through it).
    pub store: Store,
}

/// Opens (creating and migrating) the database and the spool under `dir`, folds the last
/// known state of every device into `projection` (so an offline device answers after a
/// restart, and every probe resumes from its last sample), and starts the writer on `bus`.
pub async fn start(dir: &Path, bus: &Bus, projection: &Projection) -> anyhow::Result<History> {
    let db_path = dir.join(DATABASE_FILE);
    let db = Store::open_sqlite(&db_path)
        .await
        .with_context(|| format!("cannot open the history database {}", db_path.display()))?;
    let last: Vec<_> = db.latest_per_kind().await?.into_iter().map(std::sync::Arc::new).collect();
    if !last.is_empty() {
        tracing::info!(events = last.len(), "last known state restored from the history");
        projection.apply_all(&last);
    }
    let spool_path = dir.join("spool").join("events.spool");
    let spool = Spool::open(&spool_path)
        .with_context(|| format!("cannot open the spool {}", spool_path.display()))?;
    let rx = bus.subscribe_lossless("writer", 8192);
    tracing::info!(path = %db_path.display(), "history is kept in {}", db_path.display());
    let writer = spawn_writer(rx, db.clone(), spool, WriterSettings::default())
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the history writer: {e}"))?;
    let writer = tokio::spawn(async move {
        let _ = writer.done.await;
    });
    Ok(History { writer, store: db })
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

/// `infrastructor migrate`: creates or migrates the database under `dir` and says where it
/// is and at which schema version (re-running is a no-op).
pub async fn migrate(dir: &Path, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let db_path = dir.join(DATABASE_FILE);
    let db = Store::open_sqlite(&db_path)
        .await
        .with_context(|| format!("cannot open the history database {}", db_path.display()))?;
    let version = db.schema_version().await?;
    let count = db.count().await?;
    writeln!(out, "{}: schema version {version}, {count} events", db_path.display())?;
    Ok(())
}

/// Waits (at most `within`) for the writer to write or spool what is left.
pub async fn finish(writer: JoinHandle<()>, within: Duration) {
    if tokio::time::timeout(within, writer).await.is_err() {
        tracing::warn!("the history writer did not finish in time; unwritten events are lost");
    }
}
