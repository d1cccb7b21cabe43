//! Forward-only, numbered schema migrations (`schema/<engine>/NNNN_name.sql`), recorded in a
//! `schema_migrations` table; re-running is a no-op and a database newer than this binary is
//! refused.

/// One migration: its number, file name and SQL.
pub struct Migration {
    /// Version, from the file name's number; strictly increasing.
    pub version: i64,
    /// File name under `schema/<engine>/`.
    pub name: &'static str,
    /// The SQL, run in one transaction.
    pub sql: &'static str,
}

/// The SQLite migrations, in order (numbers may skip one reserved by a branch not yet
/// merged: each migration runs when its number is above the highest applied).
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_events.sql",
        sql: include_str!("../../../schema/sqlite/0001_events.sql"),
    },
    Migration {
        version: 3,
        name: "0003_samples.sql",
        sql: include_str!("../../../schema/sqlite/0003_samples.sql"),
    },
];

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

/// Applies the `migrations` not yet recorded in `conn` (in order, gaps allowed); returns how
/// many ran.
pub fn sqlite(
    conn: &mut rusqlite::Connection,
    migrations: &[Migration],
) -> Result<usize, MigrateError> {
    let engine =
        |name| move |e: rusqlite::Error| MigrateError::Engine { name, detail: e.to_string() };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .map_err(engine("schema_migrations"))?;
    let found: i64 = conn
        .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))
        .map_err(engine("schema_migrations"))?;
    let known = migrations.last().map_or(0, |m| m.version);
    if found > known {
        return Err(MigrateError::Newer { found, known });
    }
    // Every migration not recorded runs, not only those above the highest: a number left
    // free by one branch and merged later still runs on a database already past it.
    let applied: std::collections::HashSet<i64> = {
        let mut stmt = conn
            .prepare("SELECT version FROM schema_migrations")
            .map_err(engine("schema_migrations"))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(engine("schema_migrations"))?;
        rows.collect::<Result<_, _>>().map_err(engine("schema_migrations"))?
    };
    let mut ran = 0;
    for m in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        let tx = conn.transaction().map_err(engine(m.name))?;
        tx.execute_batch(m.sql).map_err(engine(m.name))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, chrono::Utc::now().to_rfc3339()],
        )
        .map_err(engine(m.name))?;
        tx.commit().map_err(engine(m.name))?;
        ran += 1;
    }
    Ok(ran)
}
