//! The engines every store test body runs on: an in-memory SQLite database, a throwaway
//! PostgreSQL database on the machine's server, and a throwaway TimescaleDB database on a
//! private cluster this test process starts (skipped, saying so, when TimescaleDB is not
//! installed).
#![allow(dead_code)]

#[path = "cluster.rs"]
mod cluster;

use std::hash::{BuildHasher, RandomState};

use infrastructor_actors::store::Store;
use tokio_postgres::{Config, NoTls};

/// Env var holding the admin connection string of the PostgreSQL server to test against.
pub const PG_ENV: &str = "INFRASTRUCTOR_TEST_DATABASE_URL";
const PG_DEFAULT: &str = "host=127.0.0.1 port=5432 user=postgres dbname=postgres";
/// The prefix of every throwaway database (then the test process id, the creation time in
/// Unix seconds and a random number).
const PREFIX: &str = "infra_t_";
/// A throwaway database older than this whose process is gone is left over: dropped.
const LEFTOVER_SECS: u64 = 3600;

/// One engine under test, with what must be cleaned up after it.
pub struct Engine {
    /// `sqlite`, `postgresql`, `timescaledb`.
    pub name: &'static str,
    /// The store.
    pub store: Store,
    /// The PostgreSQL database, `None` for SQLite (dropped after the store).
    pub db: Option<TempDb>,
}

/// Every engine available on this machine, each with a fresh empty database.
pub async fn all() -> Vec<Engine> {
    let mut engines =
        vec![Engine { name: "sqlite", store: Store::sqlite_in_memory().unwrap(), db: None }];
    engines.push(on_server("postgresql", &pg_admin()).await);
    match cluster::timescale().await {
        Ok(admin) => engines.push(on_server("timescaledb", &admin).await),
        Err(why) => cluster::skipped(&why),
    }
    engines
}

/// The admin connection string of the machine's PostgreSQL.
pub fn pg_admin() -> String {
    std::env::var(PG_ENV).unwrap_or_else(|_| PG_DEFAULT.to_string())
}

/// A store on a fresh database of the server at `admin`, checked to be the engine `name`.
async fn on_server(name: &'static str, admin: &str) -> Engine {
    let db = TempDb::create(admin).await;
    let store = Store::connect_postgres(&db.url())
        .await
        .unwrap_or_else(|e| panic!("{name}: connect to {}: {e}", db.name));
    assert_eq!(store.engine_name(), name, "the engine detected on {}", db.name);
    Engine { name, store, db: Some(db) }
}

/// A freshly created, empty database; `DROP DATABASE … WITH (FORCE)` on drop (from a thread
/// of its own, since drop may run inside a runtime). Databases left by a test process that
/// died are dropped by the next one.
pub struct TempDb {
    /// The database's name.
    pub name: String,
    admin: Config,
}

impl TempDb {
    /// Creates `infra_t_<pid>_<unix seconds>_<random>` on the server at `admin`.
    pub async fn create(admin: &str) -> TempDb {
        let config: Config = admin.parse().unwrap_or_else(|e| panic!("bad admin URL: {e}"));
        let client = connect(&config).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {admin}: {e}\nStart the machine's cluster with\n  \
                 pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
                 or point {PG_ENV} at a server where the user may CREATE DATABASE."
            )
        });
        sweep(&client).await;
        let random = RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000_000;
        let name = format!("{PREFIX}{}_{}_{random}", std::process::id(), unix_now());
        let create = format!("CREATE DATABASE {name}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while let Err(e) = client.batch_execute(&create).await {
            // 55006: template1 briefly in use by another CREATE DATABASE.
            let busy = e.code().is_some_and(|c| c.code() == "55006");
            assert!(busy && std::time::Instant::now() < deadline, "{create} failed: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await; // back off, retry
        }
        TempDb { name, admin: config }
    }

    /// A `key=value` connection string for the database.
    pub fn url(&self) -> String {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        to_string(&config)
    }

    /// A new connection to the database.
    pub async fn client(&self) -> tokio_postgres::Client {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        connect(&config).await.unwrap()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async move {
                let client = connect(&admin).await?;
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            })
            .map_err(std::io::Error::other)
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}: {dropped:?}", self.name);
        }
    }
}

/// Drops the throwaway databases of test processes that are gone (a run that was killed),
/// once they are an hour old: a process id unknown here may be another container's.
async fn sweep(client: &tokio_postgres::Client) {
    let Ok(rows) = client
        .query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", &[&PREFIX])
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let mut parts = name[PREFIX.len()..].split('_');
        let (pid, born) = (parts.next().unwrap_or(""), parts.next().and_then(|t| t.parse().ok()));
        let old = born.is_some_and(|t: u64| unix_now().saturating_sub(t) > LEFTOVER_SECS);
        if old && !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ =
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

fn unix_now() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| d.as_secs())
}

/// Connects and drives the connection on the current runtime.
pub async fn connect(config: &Config) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// `config` as a libpq `key=value` string.
fn to_string(config: &Config) -> String {
    use tokio_postgres::config::Host;
    let mut parts = Vec::new();
    if let Some(host) = config.get_hosts().first() {
        match host {
            Host::Tcp(h) => parts.push(format!("host={h}")),
            Host::Unix(p) => parts.push(format!("host={}", p.display())),
        }
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        parts.push(format!("user={user}"));
    }
    if let Some(pw) = config.get_password() {
        let pw = String::from_utf8_lossy(pw).replace('\\', "\\\\").replace('\'', "\\'");
        parts.push(format!("password='{pw}'"));
    }
    if let Some(db) = config.get_dbname() {
        parts.push(format!("dbname={db}"));
    }
    parts.join(" ")
}
