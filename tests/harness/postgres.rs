//! `TestDb`: a throwaway database on the machine's PostgreSQL, dropped (forcibly) on drop.
//!
//! The admin connection comes from `INFRASTRUCTOR_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, falling back to the unix socket in
//! `/var/run/postgresql`). The harness never starts or stops a PostgreSQL cluster.

use std::hash::{BuildHasher, RandomState};

use tokio_postgres::{Client, Config, NoTls};

/// Env var holding the admin connection string.
pub const ENV: &str = "INFRASTRUCTOR_TEST_DATABASE_URL";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const SOCKET_URL: &str = "host=/var/run/postgresql user=postgres dbname=postgres";

/// A freshly created, empty database; `DROP DATABASE ... WITH (FORCE)` on drop.
pub struct TestDb {
    name: String,
    admin: Config,
    config: Config,
}

impl TestDb {
    /// Creates `infra_test_<pid>_<random>`; panics explaining how to get PostgreSQL running.
    pub async fn create() -> TestDb {
        let (admin, client) = admin_connect().await;
        let random = RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000_000;
        let name = format!("infra_test_{}_{random}", std::process::id());
        let create = format!("CREATE DATABASE {name}");
        let mut attempt = 0;
        while let Err(e) = client.batch_execute(&create).await {
            // 55006: template1 briefly in use by someone else's CREATE DATABASE.
            let in_use = e.code().is_some_and(|c| c.code() == "55006");
            attempt += 1;
            assert!(in_use && attempt < 50, "{create} failed: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let mut config = admin.clone();
        config.dbname(&name);
        TestDb { name, admin, config }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A key=value connection string for the new database.
    pub fn url(&self) -> String {
        config_to_string(&self.config)
    }

    /// Connection config for the new database.
    pub fn config(&self) -> Config {
        self.config.clone()
    }

    /// Connection config for the admin database (e.g. to inspect `pg_database`).
    pub fn admin_config(&self) -> Config {
        self.admin.clone()
    }

    /// TCP host and port of the server, when connected over TCP (for a [`super::FaultProxy`]).
    pub fn tcp_addr(&self) -> Option<std::net::SocketAddr> {
        use tokio_postgres::config::Host;
        let host = self.config.get_hosts().first()?;
        let Host::Tcp(host) = host else { return None };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let ip = if host == "localhost" { "127.0.0.1" } else { host.as_str() };
        format!("{ip}:{port}").parse().ok()
    }

    /// A connection string for this database through `addr` (e.g. a fault proxy).
    pub fn url_via(&self, addr: std::net::SocketAddr) -> String {
        let mut config = Config::new();
        config.host(addr.ip().to_string()).port(addr.port()).dbname(&self.name);
        if let Some(user) = self.config.get_user() {
            config.user(user);
        }
        if let Some(password) = self.config.get_password() {
            config.password(password);
        }
        config_to_string(&config)
    }

    /// A new connection to the database (its driver task runs on the current runtime).
    pub async fn client(&self) -> Client {
        connect(&self.config).await.unwrap_or_else(|e| panic!("connect to {}: {e}", self.name))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop is sync and may run inside a runtime: do the async work on a fresh thread.
        let result = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async move {
                let client = connect(&admin).await?;
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            })
            .map_err(std::io::Error::other)
        })
        .join();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

async fn admin_connect() -> (Config, Client) {
    let mut candidates = Vec::new();
    match std::env::var(ENV) {
        Ok(url) => candidates.push(url),
        Err(_) => candidates.extend([DEFAULT_URL.to_string(), SOCKET_URL.to_string()]),
    }
    let mut errors = Vec::new();
    for url in &candidates {
        let config: Config = url.parse().unwrap_or_else(|e| panic!("bad {ENV} {url:?}: {e}"));
        match connect(&config).await {
            Ok(client) => return (config, client),
            Err(e) => errors.push(format!("  {url}: {e}")),
        }
    }
    panic!(
        "PostgreSQL is not reachable:\n{}\nStart the machine's cluster with\n  \
         pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
         or point {ENV} at a server where the user may CREATE DATABASE.",
        errors.join("\n")
    );
}

/// Connects and spawns the connection driver on the current runtime.
pub async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Renders `config` as a libpq key=value string (host, port, user, dbname, password).
fn config_to_string(config: &Config) -> String {
    use tokio_postgres::config::Host;
    let mut parts = Vec::new();
    if let Some(host) = config.get_hosts().first() {
        let host = match host {
            Host::Tcp(h) => h.clone(),
            Host::Unix(p) => p.display().to_string(),
        };
        parts.push(format!("host={host}"));
    }
    if let Some(port) = config.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        parts.push(format!("user={user}"));
    }
    if let Some(pw) = config.get_password() {
        parts.push(format!("password='{}'", String::from_utf8_lossy(pw).replace('\'', "\\'")));
    }
    if let Some(db) = config.get_dbname() {
        parts.push(format!("dbname={db}"));
    }
    parts.join(" ")
}
