//! Where history goes: the embedded SQLite database and the writer's spool under the data
//! folder, fed by the writer on a lossless subscription of the bus.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::{Spool, Store, WriterSettings, spawn_writer};
use tokio::task::JoinHandle;

/// The database file under the data folder.
pub const DATABASE_FILE: &str = "infrastructor.db";

/// Opens (creating and migrating) the database and the spool under `dir`, folds the last
/// known state of every device into `projection` (so an offline device answers after a
/// restart), and starts the writer on `bus`. The task ends once every publisher is gone and
/// the rest is written or spooled.
pub async fn start(
    dir: &Path,
    bus: &Bus,
    projection: &Projection,
) -> anyhow::Result<JoinHandle<()>> {
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
    let writer = spawn_writer(rx, db, spool, WriterSettings::default())
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the history writer: {e}"))?;
    Ok(tokio::spawn(async move {
        let _ = writer.done.await;
    }))
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
