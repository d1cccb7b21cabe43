//! The server engine: PostgreSQL (TimescaleDB when the server has it loaded) through a
//! deadpool connection pool. Async, so the `Store` facade awaits it directly. A store is made
//! without reaching the server, then connects (migrating the database) on its first successful
//! attempt (`connect.rs`); no message ever carries the URL's password.

pub(crate) mod blocks;
pub(crate) mod caggs;
mod connect;
pub(crate) mod devices;
pub(crate) mod events;
pub(crate) mod samples;
pub(crate) mod series;
pub(crate) mod timescale;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

use super::error::{StoreError, describe};

/// Connections kept in the pool.
const POOL_SIZE: usize = 8;

/// One PostgreSQL database.
pub struct PgStore {
    /// The connections; each has its own `staging` and `sample_staging` temp tables (see
    /// `events::insert`, `samples::write`).
    pool: Pool,
    /// `user@host:port/dbname`, without the password.
    location: String,
    /// The URL's password (and whatever stands where one would), redacted from messages.
    secrets: Vec<String>,
    /// Set once connected and migrated: whether TimescaleDB is loaded and the database is set
    /// up for it.
    ready: OnceLock<bool>,
    /// Why it is not connected yet (what calls made before fail with).
    why: Mutex<String>,
    /// One connection attempt at a time.
    attempt: tokio::sync::Mutex<()>,
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL or a libpq `key=value`
    /// string), sets TimescaleDB up when the server has it loaded, and migrates. An error
    /// names the server (never the password) and says what failed: `Unreachable` when the
    /// server did not answer.
    pub async fn connect_now(url: &str) -> Result<Self, StoreError> {
        let store = Self::new(url)?;
        store.connect().await?;
        Ok(store)
    }

    /// A store on the database at `url` that has not reached it yet: the URL is checked and
    /// the pool made, nothing is sent. Until `connect` succeeds, every call fails with
    /// `Unreachable` saying why.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let secrets = secrets_of(url);
        let redact = |msg: String| redact(msg, &secrets);
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            StoreError::Postgres(redact(format!(
                "the database URL is invalid: {}",
                super::error::with_causes(&e)
            )))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // A server that vanishes without a reset (a cut cable, a paused VM) must fail the
        // write, not hang it: keepalives find an idle dead link, and the kernel gives up on
        // unacknowledged data after 30 s.
        config.keepalives(true).keepalives_idle(Duration::from_secs(30));
        #[cfg(target_os = "linux")]
        config.tcp_user_timeout(Duration::from_secs(30));
        let location = location_of(&config);
        let manager = Manager::from_config(
            config,
            NoTls,
            // `Fast` keeps the session (and its temp table); `Clean` would DISCARD ALL.
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(15)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .post_create(Hook::async_fn(|client, _| {
                Box::pin(async move {
                    let staging = format!("{}; {}", events::STAGING, samples::STAGING);
                    client.batch_execute(&staging).await.map_err(HookError::Backend)
                })
            }))
            .build()
            .map_err(|e| StoreError::Postgres(format!("cannot create a pool: {e}")))?;
        let why =
            Mutex::new(format!("the database is not reachable yet: connecting to {location}"));
        let (ready, attempt) = (OnceLock::new(), tokio::sync::Mutex::new(()));
        Ok(Self { pool, location, secrets, ready, why, attempt })
    }

    /// `user@host:port/dbname` (never the password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Whether TimescaleDB is in use (hypertable, compression and retention policies); `false`
    /// until connected.
    pub fn is_timescale(&self) -> bool {
        self.ready.get().copied().unwrap_or(false)
    }

    /// `msg` without the URL's password.
    fn redact(&self, msg: String) -> String {
        redact(msg, &self.secrets)
    }

    /// A pooled connection; before connecting `Unreachable` (why), an unreachable server a
    /// `Postgres` error naming it.
    pub(crate) async fn client(&self) -> Result<Object, StoreError> {
        if !self.is_connected() {
            return Err(self.not_connected());
        }
        self.pool.get().await.map_err(|e| {
            let transient = matches!(&e, deadpool_postgres::PoolError::Timeout(_))
                || matches!(&e, deadpool_postgres::PoolError::Backend(e) if connect::not_answering(e));
            let msg = format!("no connection to {}: {}", self.location, pool_error(e));
            match transient {
                true => StoreError::Unreachable(msg),
                false => StoreError::Postgres(msg),
            }
        })
    }

    /// Checks the server answers (a round trip on a pooled connection).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client().await?.simple_query("SELECT 1").await?;
        Ok(())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Postgres(describe(&e))
    }
}

/// A pool error as one line (the PostgreSQL error inside when there is one).
fn pool_error(e: deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => describe(&e),
        e => e.to_string(),
    }
}

/// `user@host:port/dbname` of `config`.
fn location_of(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    format!("{user}{host}:{port}/{}", config.get_dbname().unwrap_or(""))
}

/// The passwords `url` may hold: the parsed one, else whatever sits where a password would
/// (`scheme://user:PASSWORD@`, `password=PASSWORD`), so even an unparseable URL is redacted.
fn secrets_of(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(config) = url.parse::<tokio_postgres::Config>()
        && let Some(pw) = config.get_password()
    {
        found.push(String::from_utf8_lossy(pw).into_owned());
    }
    if let Some((_, rest)) = url.split_once("://")
        && let Some((userinfo, _)) = rest.rsplit_once('@')
        && let Some((_, pw)) = userinfo.split_once(':')
    {
        found.push(pw.to_string());
    }
    if let Some((_, rest)) = url.split_once("password=") {
        let rest = rest.trim_start_matches('\'');
        let end = rest.find(['\'', ' ', '&']).unwrap_or(rest.len());
        found.push(rest[..end].to_string());
    }
    found.retain(|s| !s.is_empty());
    found
}

/// `msg` with every one of `secrets` replaced by `********`.
fn redact(mut msg: String, secrets: &[String]) -> String {
    for s in secrets {
        msg = msg.replace(s.as_str(), "********");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_found_in_every_url_form_and_redacted() {
        for url in [
            "postgres://me:s3cret@db:5432/x",
            "postgres://me:s3cret@db:notaport/x",
            "host=db user=me password=s3cret dbname=x",
            "host=db password='s3cret' dbname=x",
        ] {
            let msg = redact(format!("bad {url}"), &secrets_of(url));
            assert!(!msg.contains("s3cret") && msg.contains("********"), "{msg}");
        }
    }

    #[test]
    fn the_location_names_the_server_without_the_password() {
        let config: tokio_postgres::Config = "postgres://me:s3cret@db:6543/x".parse().unwrap();
        assert_eq!(location_of(&config), "me@db:6543/x");
    }
}
