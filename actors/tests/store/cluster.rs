//! A private TimescaleDB cluster for the store tests, started once per test process: the
//! machine's PostgreSQL binaries with `shared_preload_libraries=timescaledb`, a data folder
//! under /tmp, a free port. A watchdog shell stops it and removes its folder when this
//! process exits (its stdin is a pipe only we hold); folders left by a killed run are
//! cleaned at the next start. `INFRASTRUCTOR_TEST_TIMESCALEDB_URL` uses a server of yours
//! instead (e.g. the `timescale/timescaledb` image), or `off` skips TimescaleDB.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// Env var naming an admin connection string of a TimescaleDB server to use instead.
pub const TS_ENV: &str = "INFRASTRUCTOR_TEST_TIMESCALEDB_URL";
/// Data folders are `/tmp/<PREFIX><pid>`.
const PREFIX: &str = "infra-tsdb-";

/// The admin connection string of the cluster, or why there is none.
static CLUSTER: OnceCell<Result<String, String>> = OnceCell::const_new();
/// The watchdog's stdin: open as long as this process lives.
static WATCHDOG: Mutex<Vec<ChildStdin>> = Mutex::new(Vec::new());

/// The TimescaleDB server's admin connection string, starting the private cluster on first
/// use; `Err` says why TimescaleDB cannot be tested here.
pub async fn timescale() -> Result<String, String> {
    CLUSTER.get_or_init(start).await.clone()
}

/// Says (once per process, past the test harness's output capture) that TimescaleDB is not
/// tested, and why.
pub fn skipped(why: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        let _ = writeln!(std::io::stderr(), "timescaledb tests skipped: {why}");
    });
    println!("timescaledb tests skipped: {why}");
}

async fn start() -> Result<String, String> {
    match std::env::var(TS_ENV) {
        Ok(off) if off == "off" => return Err(format!("{TS_ENV}=off")),
        Ok(url) => return Ok(url),
        Err(_) => {}
    }
    let bin = tokio::task::spawn_blocking(find_binaries).await.map_err(|e| e.to_string())??;
    let mut last = String::new();
    for _ in 0..3 {
        let bin = bin.clone();
        let port = tokio::task::spawn_blocking(move || launch(&bin))
            .await
            .map_err(|e| e.to_string())??;
        let admin = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
        match ready(&admin).await {
            Ok(()) => return Ok(admin),
            Err(e) => last = e,
        }
    }
    Err(format!("the private cluster did not start: {last}"))
}

/// The bin folder of a PostgreSQL that has TimescaleDB installed.
fn find_binaries() -> Result<PathBuf, String> {
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no PostgreSQL server under /usr/lib/postgresql: {e}"))?
        .filter_map(|d| d.ok()?.file_name().into_string().ok())
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.parse::<u32>().unwrap_or(0)));
    versions
        .iter()
        .find(|v| {
            Path::new(&format!("/usr/share/postgresql/{v}/extension/timescaledb.control")).exists()
        })
        .map(|v| PathBuf::from(format!("/usr/lib/postgresql/{v}/bin")))
        .ok_or_else(|| {
            "TimescaleDB is not installed for the PostgreSQL under /usr/lib/postgresql \
             (as root: bash ../shared/timescaledb/install.sh)"
                .to_string()
        })
}

/// `program` run as the `postgres` user when we are root (PostgreSQL refuses root).
fn as_postgres(program: &str) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

/// Cleans up after killed runs, creates a cluster and starts it under a watchdog; returns
/// its port.
fn launch(bin: &Path) -> Result<u16, String> {
    sweep();
    let dir = PathBuf::from(format!("/tmp/{PREFIX}{}", std::process::id()));
    if !dir.join("PG_VERSION").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let out = as_postgres(&bin.join("initdb").display().to_string())
            .args(["-D", &dir.display().to_string(), "-U", "postgres", "--auth=trust"])
            .args(["--no-sync", "-E", "UTF8", "--locale=C"])
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let script = r#"
        "$1/postgres" -D "$2" -p "$3" -k "$2" -c listen_addresses=127.0.0.1 \
            -c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=300 >"$2/server.log" 2>&1 &
        pg=$!
        read -r _ || true
        kill -INT "$pg" 2>/dev/null
        wait "$pg"
        rm -rf "$2"
    "#;
    let mut child = as_postgres("sh")
        .args(["-c", script, "sh", &bin.display().to_string(), &dir.display().to_string()])
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let stdin = child.stdin.take().ok_or("no pipe to the watchdog")?;
    WATCHDOG.lock().unwrap_or_else(|p| p.into_inner()).push(stdin);
    Ok(port)
}

/// Removes the clusters of test processes that are gone (stopping a server still running).
fn sweep() {
    let Ok(entries) = std::fs::read_dir("/tmp") else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX) else { continue };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let postmaster = std::fs::read_to_string(entry.path().join("postmaster.pid"));
        if let Some(server) = postmaster.ok().and_then(|s| s.lines().next().map(str::to_owned)) {
            let _ = Command::new("kill").args(["-QUIT", &server]).status();
        }
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

/// Waits (with a deadline) until the server accepts connections and has TimescaleDB loaded.
async fn ready(admin: &str) -> Result<(), String> {
    let config: tokio_postgres::Config = admin.parse().map_err(|e| format!("{e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match super::connect(&config).await {
            Ok(client) => {
                let row = client
                    .query_one("SELECT current_setting('shared_preload_libraries')", &[])
                    .await
                    .map_err(|e| e.to_string())?;
                let preload: String = row.get(0);
                return if preload.contains("timescaledb") {
                    Ok(())
                } else {
                    Err(format!("the server preloads {preload:?}, not timescaledb"))
                };
            }
            Err(e) if Instant::now() > deadline => return Err(format!("{admin}: {e}")),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await, // poll, then retry
        }
    }
}
