//! The `infrastructor` binary: serving on built-in defaults (the local host), graceful stop on
//! SIGTERM, and precise errors for bad config files.

mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_defaults_monitors_this_host_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("INFRASTRUCTOR_CONFIG")
        .env_remove("INFRASTRUCTOR_DATABASE_URL")
        .env("INFRASTRUCTOR_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut said_memory = false;
    let mut line = String::new();
    while addr.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        said_memory |= line.contains("no database configured");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
        }
        line.clear();
    }
    let addr = addr.expect("the server prints its address");
    assert!(said_memory, "it says state is kept in memory");
    harness::wait_until(Duration::from_secs(20), "the local device is online", || {
        let addr = addr.clone();
        async move {
            get(&addr, "/api/devices").await.is_some_and(|b| b.contains("\"online\":true"))
        }
    })
    .await;
    let health = get(&addr, "/health").await.unwrap();
    assert!(health.starts_with("HTTP/1.1 200") && health.contains("ok"), "{health}");

    let stopped = Instant::now();
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(stopped.elapsed() < Duration::from_secs(10), "graceful shutdown within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn config_validate_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[[devices]]\nname = \"a\"\nhots = \"x\"\n").unwrap();
    let out = Command::new(BIN)
        .args(["--config"])
        .arg(&path)
        .args(["config", "validate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:3:") && err.contains("hots"), "{err}");

    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[[devices]]\nname = \"me\"\ntransport = \"local\"\n").unwrap();
    let out = Command::new(BIN)
        .args(["--config"])
        .arg(&good)
        .args(["config", "validate"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("me") && text.contains("local"), "{text}");
}
