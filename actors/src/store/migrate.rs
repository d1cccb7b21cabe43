//! Forward-only, numbered schema migrations (`schema/<engine>/NNNN_name.sql`), recorded in a
//! `schema_migrations` table; re-running is a no-op and a database newer than this binary is
//! refused. SQLite runs them on its connection; PostgreSQL under an advisory lock, so two
//! servers starting at once do not race.

pub use super::error::MigrateError;

/// One migration: its number, file name and SQL.
pub struct Migration {
    /// Version, from the file name's number; strictly increasing.
    pub version: i64,
    /// File name under `schema/<engine>/`.
    pub name: &'static str,
    /// The SQL, run in one transaction.
    pub sql: &'static str,
}

/// The SQLite migrations, in order.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_events.sql",
        sql: include_str!("../../../schema/sqlite/0001_events.sql"),
    },
    Migration {
        version: 2,
        name: "0002_latest.sql",
        sql: include_str!("../../../schema/sqlite/0002_latest.sql"),
    },
    Migration {
        version: 3,
        name: "0003_samples.sql",
        sql: include_str!("../../../schema/sqlite/0003_samples.sql"),
    },
    Migration {
        version: 4,
        name: "0004_devices.sql",
        sql: include_str!("../../../schema/sqlite/0004_devices.sql"),
    },
    Migration {
        version: 5,
        name: "0005_blocks.sql",
        sql: include_str!("../../../schema/sqlite/0005_blocks.sql"),
    },
    Migration {
        version: 6,
        name: "0006_packed.sql",
        sql: include_str!("../../../schema/sqlite/0006_packed.sql"),
    },
    Migration {
        version: 7,
        name: "0007_notifier_cursor.sql",
        sql: include_str!("../../../schema/sqlite/0007_notifier_cursor.sql"),
    },
];

/// The PostgreSQL migrations, in order (the same numbers as SQLite's).
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_events.sql",
        sql: include_str!("../../../schema/postgres/0001_events.sql"),
    },
    Migration {
        version: 2,
        name: "0002_latest.sql",
        sql: include_str!("../../../schema/postgres/0002_latest.sql"),
    },
    Migration {
        version: 3,
        name: "0003_samples.sql",
        sql: include_str!("../../../schema/postgres/0003_samples.sql"),
    },
    Migration {
        version: 4,
        name: "0004_devices.sql",
        sql: include_str!("../../../schema/postgres/0004_devices.sql"),
    },
    Migration {
        version: 5,
        name: "0005_blocks.sql",
        sql: include_str!("../../../schema/postgres/0005_blocks.sql"),
    },
    Migration {
        version: 6,
        name: "0006_packed.sql",
        sql: include_str!("../../../schema/postgres/0006_packed.sql"),
    },
    Migration {
        version: 7,
        name: "0007_notifier_cursor.sql",
        sql: include_str!("../../../schema/postgres/0007_notifier_cursor.sql"),
    },
];

/// The TimescaleDB-only migrations, applied after `POSTGRES` when the extension is loaded
/// and recorded apart, in `timescale_migrations` (see `postgres::timescale`).
pub const TIMESCALE: &[Migration] = &[
    Migration {
        version: 1,
        name: "timescale/0001_hypertables.sql",
        sql: include_str!("../../../schema/postgres/timescale/0001_hypertables.sql"),
    },
    Migration {
        version: 2,
        name: "timescale/0002_samples.sql",
        sql: include_str!("../../../schema/postgres/timescale/0002_samples.sql"),
    },
];

/// The bookkeeping table of the main PostgreSQL (and SQLite) migrations.
pub const PG_TABLE: &str = "schema_migrations";

/// The bookkeeping table of the TimescaleDB-only migrations.
pub const TIMESCALE_TABLE: &str = "timescale_migrations";

/// The advisory lock key PostgreSQL migrations run under (any constant; "infra" in ASCII).
const PG_LOCK: i64 = 0x0069_6e66_7261;

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

/// Applies the `migrations` not yet recorded in `table` (`PG_TABLE` or `TIMESCALE_TABLE`),
/// all in one transaction holding a transaction-level advisory lock (released by commit or
/// rollback, whatever happens, so a pooled connection never keeps it): a second server
/// starting at the same time waits, then finds them applied. Returns how many ran.
pub async fn postgres(
    client: &mut tokio_postgres::Client,
    table: &'static str,
    migrations: &[Migration],
) -> Result<usize, MigrateError> {
    let engine = |name| {
        move |e: tokio_postgres::Error| MigrateError::Engine {
            name,
            detail: super::error::describe(&e),
        }
    };
    let tx = client.transaction().await.map_err(engine(table))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_LOCK]).await.map_err(engine(table))?;
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
             version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)"
    ))
    .await
    .map_err(engine(table))?;
    let found: i64 = tx
        .query_one(&format!("SELECT COALESCE(MAX(version), 0)::bigint FROM {table}"), &[])
        .await
        .map_err(engine(table))?
        .get(0);
    let known = migrations.last().map_or(0, |m| m.version);
    if found > known {
        return Err(MigrateError::Newer { found, known });
    }
    // As on SQLite: every migration not recorded runs, gaps in the numbering included.
    let applied: std::collections::HashSet<i64> = tx
        .query(&format!("SELECT version FROM {table}"), &[])
        .await
        .map_err(engine(table))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut ran = 0;
    for m in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        tx.batch_execute(m.sql).await.map_err(engine(m.name))?;
        let record =
            format!("INSERT INTO {table} (version, name, applied_at) VALUES ($1, $2, now())");
        tx.execute(&record, &[&m.version, &m.name]).await.map_err(engine(m.name))?;
        ran += 1;
    }
    tx.commit().await.map_err(engine(table))?;
    Ok(ran)
}
