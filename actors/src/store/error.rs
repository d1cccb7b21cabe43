//! Why a store operation failed, the same type on every engine.

use super::migrate::MigrateError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Opening or migrating the database failed.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    /// The embedded engine failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed or is unreachable.
    #[error("postgresql: {0}")]
    Postgres(String),
    /// A stored row could not be read back.
    #[error("stored row {seq} is unreadable: {detail}")]
    Corrupt {
        /// Row number (`-1` when the row was being written).
        seq: i64,
        /// What was wrong.
        detail: String,
    },
    /// The caller's arguments are wrong (a bad limit, a reversed range, an unknown type).
    #[error("{0}")]
    Invalid(String),
    /// A cursor names an event the store does not hold (never stored, or past retention).
    #[error("unknown cursor {0}: no such event is stored (it may be older than the retention)")]
    UnknownCursor(uuid::Uuid),
}

impl StoreError {
    /// Whether the caller's arguments are at fault (not the store).
    pub fn is_invalid(&self) -> bool {
        matches!(self, Self::Invalid(_) | Self::UnknownCursor(_))
    }
}
