//! TimescaleDB: detected at connect, then set up by its own numbered migrations.
//!
//! Why recorded migrations rather than idempotent setup run at every connect: the
//! TimescaleDB-only SQL (`schema/postgres/timescale/NNNN_*.sql`) is applied under the same
//! advisory lock and bookkeeping as the main migrations, but recorded apart, in
//! `timescale_migrations`, so (1) a plain PostgreSQL database whose server later gains
//! TimescaleDB is converted at its next start (`create_hypertable(…, migrate_data => true)`),
//! (2) later TimescaleDB steps (continuous aggregates) are new numbered files rather than an
//! ever-growing idempotent script, and (3) the main `schema_version` means the same on every
//! engine.

use tokio_postgres::Client;

use crate::store::error::StoreError;
use crate::store::migrate;

/// Whether the server can run TimescaleDB: the extension is installed and preloaded (it only
/// works when the server started with `shared_preload_libraries` naming it).
pub(crate) async fn detect(client: &Client) -> Result<bool, StoreError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
                    current_setting('shared_preload_libraries')",
            &[],
        )
        .await?;
    let (available, preload): (bool, String) = (row.get(0), row.get(1));
    Ok(available && preloads_timescale(&preload))
}

/// Whether a `shared_preload_libraries` value names TimescaleDB.
fn preloads_timescale(setting: &str) -> bool {
    setting.split(',').map(|l| l.trim().trim_matches('"')).any(|l| l == "timescaledb")
}

/// Creates the extension and applies the TimescaleDB migrations not yet recorded.
pub(crate) async fn setup(client: &mut Client) -> Result<(), StoreError> {
    migrate::postgres(client, migrate::TIMESCALE_TABLE, migrate::TIMESCALE).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::preloads_timescale;

    #[test]
    fn the_preload_setting_is_read_as_a_list() {
        assert!(preloads_timescale("pg_stat_statements, \"timescaledb\""));
        assert!(preloads_timescale("timescaledb"));
        assert!(!preloads_timescale("timescaledb_toolkit"));
        assert!(!preloads_timescale(""));
    }
}
