//! The `infrastructor` binary with a PostgreSQL URL whose server does not answer: `serve`
//! starts anyway, says where history will be kept once it answers, serves, and at SIGTERM
//! spools what it saw; `migrate` fails at once with a clear error. Neither shows the password.

mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use infrastructor_actors::store::Spool;

const BIN: &str = env!("CARGO_BIN_EXE_infrastructor");

async fn get(addr: &str, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).await.ok()?;
    Some(body)
}

/// A URL to a local port nothing listens on.
fn dead_url() -> (String, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    (
        format!("postgres://me:Sup3rSecret@127.0.0.1:{port}/infra"),
        format!("me@127.0.0.1:{port}/infra"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_while_the_database_does_not_answer_and_spools_at_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (url, location) = dead_url();
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("INFRASTRUCTOR_CONFIG")
        .env("INFRASTRUCTOR_DATABASE_URL", &url)
        .env("INFRASTRUCTOR_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut addr, mut said_where, mut warned, mut leaked) = (None, false, false, false);
    let mut line = String::new();
    while addr.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        said_where |= line
            .contains(&format!("will keep history in {location} once the database is reachable"));
        warned |= line.contains("WARN") && line.contains("the database is not reachable");
        leaked |= line.contains("Sup3rSecret");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
        }
        line.clear();
    }
    let addr = addr.expect("the server serves");
    assert!(said_where && warned, "it says the database is not reachable and where history goes");
    assert!(!leaked, "no password in the output");
    // It monitors: the local host is online (that event waits for the database).
    harness::wait_until(Duration::from_secs(20), "the local device online", || {
        let addr = addr.clone();
        async move {
            let body = get(&addr, "/api/state").await.unwrap_or_default();
            body.contains("\"online\":true")
        }
    })
    .await;
    // History queries answer 503 and say why.
    let events = get(&addr, "/api/events?limit=5").await.unwrap();
    assert!(events.starts_with("HTTP/1.1 503") && events.contains("not reachable yet"), "{events}");
    assert!(!events.contains("Sup3rSecret"), "{events}");
    let spool_path = dir.path().join("data/spool/events.spool");
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(stopped.elapsed() < Duration::from_secs(10), "graceful shutdown within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
    let spooled = Spool::open(&spool_path).unwrap().read().unwrap().events;
    assert!(
        spooled.iter().any(|e| e.type_name() == "DeviceOnline"),
        "what it saw is spooled for the database: {} events",
        spooled.len()
    );
}

#[test]
fn migrate_fails_at_once_when_the_database_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (url, location) = dead_url();
    let started = Instant::now();
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("INFRASTRUCTOR_CONFIG")
        .env("INFRASTRUCTOR_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open the history database"), "{err}");
    assert!(err.contains(&format!("cannot connect to {location}")), "{err}");
    assert!(!err.contains("Sup3rSecret"), "{err}");
}
