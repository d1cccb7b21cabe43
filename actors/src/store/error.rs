//! Why a store operation failed, the same type on every engine.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Opening or migrating the database failed.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    /// The embedded engine failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("postgresql: {0}")]
    Postgres(String),
    /// The database does not answer (refused, timed out, the link cut, the server starting),
    /// or a store made before it answered is not connected yet: worth retrying later.
    #[error("{0}")]
    Unreachable(String),
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

    /// Whether the database did not answer (asking again later may succeed), as opposed to
    /// refusing (credentials, a newer schema) or failing.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The database was migrated by a newer infrastructor.
    #[error(
        "the database schema is at version {found}, newer than this binary's {known}: \
         upgrade infrastructor (or point it at another database)"
    )]
    Newer {
        /// Highest version recorded in the database.
        found: i64,
        /// Highest version this binary knows.
        known: i64,
    },
    /// The engine failed.
    #[error("migration {name}: {detail}")]
    Engine {
        /// Migration file, or `schema_migrations` for the bookkeeping.
        name: &'static str,
        /// The engine's message.
        detail: String,
    },
}

/// A PostgreSQL error as one line: the server's message, detail and hint when it sent one.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return with_causes(e);
    };
    let mut s = format!("{} ({})", db.message(), db.code().code());
    if let Some(detail) = db.detail() {
        s.push_str(&format!("; {detail}"));
    }
    if let Some(hint) = db.hint() {
        s.push_str(&format!("; hint: {hint}"));
    }
    s
}

/// `e` followed by its causes (`error connecting to server: Connection refused …`).
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !s.contains(&more) {
            s.push_str(&format!(": {more}"));
        }
        cause = c.source();
    }
    s
}
