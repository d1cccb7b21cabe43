//! The engines every store test body runs on: an in-memory SQLite database, and (issue 8,
//! in progress) a throwaway PostgreSQL database and a TimescaleDB one.

use infrastructor_actors::store::Store;

/// One engine under test, with what must be cleaned up after it.
pub struct Engine {
    /// `sqlite`, `postgresql`, `timescaledb`.
    pub name: &'static str,
    /// The store.
    pub store: Store,
}

/// Every engine available on this machine, each with a fresh empty database.
pub async fn all() -> Vec<Engine> {
    vec![Engine { name: "sqlite", store: Store::sqlite_in_memory().unwrap() }]
}
