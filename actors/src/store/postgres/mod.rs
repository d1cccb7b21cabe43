//! The server engine (PostgreSQL). On this branch only its sample-table functions; the
//! engine itself (`PgStore`, pool, events) comes from the `pg` branch, whose `mod.rs`
//! replaces this one on merge (keep its `mod samples` line).

// Wired into `PgStore`'s insert transaction and the `Store` arms when the `pg` branch merges.
#[allow(dead_code)]
pub(crate) mod samples;

use super::error::StoreError;

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Postgres(e.to_string())
    }
}
