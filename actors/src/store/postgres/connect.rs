//! Becoming usable: a `PgStore` is made without reaching the server (the pool connects
//! lazily), then connects, migrates and detects TimescaleDB on its first successful attempt.
//! A failed attempt is told apart: the server not answering (refused, timed out, starting up,
//! the link cut) is `Unreachable`, worth retrying; a server that answers but refuses
//! (credentials, an unknown database, a newer schema, a failing migration) is a
//! configuration error. `keep_connecting` retries with backoff until it succeeds.

use std::time::Duration;

use deadpool_postgres::{HookError, PoolError};

use super::{PgStore, timescale};
use crate::store::error::{StoreError, describe};
use crate::store::migrate;

impl PgStore {
    /// Whether connected and migrated (every call but `connect` fails before).
    pub fn is_connected(&self) -> bool {
        self.ready.get().is_some()
    }

    /// One attempt to connect, migrate and set TimescaleDB up (one at a time; at once `Ok`
    /// when connected). `Unreachable` when the server did not answer; any other error is a
    /// configuration error. Either way it is what calls made before connecting report.
    pub async fn connect(&self) -> Result<(), StoreError> {
        let _one = self.attempt.lock().await;
        if self.is_connected() {
            return Ok(());
        }
        let result = self.migrate().await;
        if let Err(e) = &result {
            let why = match e.is_transient() {
                true => format!("the database is not reachable yet: {e}"),
                false => format!("the database cannot be used: {e}"),
            };
            *self.why.lock().unwrap_or_else(|p| p.into_inner()) = why;
        }
        result
    }

    /// What calls made before connecting fail with.
    pub(crate) fn not_connected(&self) -> StoreError {
        StoreError::Unreachable(self.why.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Retries `connect` until it succeeds: first after `min`, then doubling up to `max`.
    /// Logs a change of reason (a server that answers but refuses at ERROR, one that does not
    /// answer at DEBUG: whoever made the first attempt said so once) and success at INFO.
    pub async fn keep_connecting(&self, min: Duration, max: Duration) {
        let mut delay = min;
        let mut last = String::new();
        while !self.is_connected() {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(max);
            match self.connect().await {
                Ok(()) => {
                    let engine = if self.is_timescale() { "timescaledb" } else { "postgresql" };
                    tracing::info!(
                        engine,
                        "connected to the database: history is kept in {}",
                        self.location
                    );
                }
                Err(e) if e.to_string() == last => {}
                Err(e) if e.is_transient() => {
                    tracing::debug!(error = %e, "the database is still not reachable; retrying");
                    last = e.to_string();
                }
                Err(e) => {
                    tracing::error!(error = %e, "the database answers but cannot be used; retrying until it can (events wait in memory and in the spool)");
                    last = e.to_string();
                }
            }
        }
    }

    /// Connects, migrates and detects TimescaleDB; on success the store is connected.
    async fn migrate(&self) -> Result<(), StoreError> {
        let location = &self.location;
        let mut client = self.pool.get().await.map_err(|e| {
            let (why, transient) = pool_error(e);
            let msg = self.redact(format!("cannot connect to {location}: {why}"));
            match transient {
                true => StoreError::Unreachable(msg),
                false => StoreError::Postgres(msg),
            }
        })?;
        let outcome = async {
            migrate::postgres(&mut client, migrate::PG_TABLE, migrate::POSTGRES).await?;
            let timescale = timescale::detect(&client).await?;
            if timescale {
                timescale::setup(&mut client).await?;
            }
            Ok::<_, StoreError>(timescale)
        }
        .await;
        match outcome {
            Ok(timescale) => {
                let _ = self.ready.set(timescale);
                Ok(())
            }
            // The link went while migrating (nothing was committed: one transaction).
            Err(e) if client.is_closed() => Err(StoreError::Unreachable(
                self.redact(format!("lost the connection to {location} while migrating: {e}")),
            )),
            Err(e) => Err(e),
        }
    }
}

/// A pool error as one line, and whether it is the server not answering (rather than
/// refusing).
fn pool_error(e: PoolError) -> (String, bool) {
    match e {
        PoolError::Backend(e) | PoolError::PostCreateHook(HookError::Backend(e)) => {
            (describe(&e), not_answering(&e))
        }
        e @ PoolError::Timeout(_) => (e.to_string(), true),
        e => (e.to_string(), false),
    }
}

/// Whether `e` means the server did not answer: an I/O error (refused, reset, timed out, no
/// route, a name that does not resolve yet), a closed connection, or the server saying it
/// cannot take connections now (starting up, shutting down, too many connections). A server
/// that answers and refuses (credentials, an unknown database, an SSL requirement) and a
/// configuration the driver rejects (a password missing) are not.
pub(super) fn not_answering(e: &tokio_postgres::Error) -> bool {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return code.starts_with("08")
            || code.starts_with("53")
            || matches!(code, "57P01" | "57P02" | "57P03");
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    e.is_closed() || e.to_string().starts_with("timeout")
}
