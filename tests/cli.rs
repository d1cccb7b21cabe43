//! The `infrastructor` binary: serving on built-in defaults (the local host), graceful stop on
//! SIGTERM, precise errors for bad config files, missing key/known_hosts files and absurd
//! durations, a port in use failing before any device is contacted, and plain piped logs.

mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use infrastructor_actors::store::Store;

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
    let mut said_where = false;
    let mut line = String::new();
    while addr.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        said_where |= line.contains("keeps history in ./data/infrastructor.db");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
        }
        line.clear();
    }
    let addr = addr.expect("the server prints its address");
    assert!(said_where, "it says where history is kept");
    harness::wait_until(
        Duration::from_secs(20),
        "the local device online, metrics sampled",
        || {
            let addr = addr.clone();
            async move {
                let body = get(&addr, "/api/state").await.unwrap_or_default();
                body.contains("\"online\":true") && body.contains("\"metrics\":{")
            }
        },
    )
    .await;
    let health = get(&addr, "/health").await.unwrap();
    assert!(health.starts_with("HTTP/1.1 200") && health.contains("ok"), "{health}");
    // The timeline comes from the store: the sample just seen is there (written within the
    // writer's linger), and a bad argument is a 400 that says what is wrong.
    harness::wait_until(Duration::from_secs(10), "the metrics sample stored", || {
        let addr = addr.clone();
        async move {
            let body = get(&addr, "/api/events?kinds=MetricsSampled&limit=5").await;
            body.is_some_and(|b| b.starts_with("HTTP/1.1 200") && b.contains("\"MetricsSampled\""))
        }
    })
    .await;
    // Its numbers are in the typed sample tables, answerable as a series.
    let name = infrastructor::config::local_device_name();
    let series = format!("/api/metrics?device={name}&metric=host.mem_used_bytes&bucket=raw");
    harness::wait_until(Duration::from_secs(10), "the memory series", || {
        let (addr, series) = (addr.clone(), series.clone());
        async move {
            let body = get(&addr, &series).await.unwrap_or_default();
            body.starts_with("HTTP/1.1 200") && body.contains("\"points\":[{")
        }
    })
    .await;
    let bad = get(&addr, &format!("/api/metrics?device={name}&metric=nope")).await.unwrap();
    assert!(bad.starts_with("HTTP/1.1 400") && bad.contains("unknown metric"), "{bad}");
    let bad = get(&addr, "/api/metrics?device=ghost&metric=host.cpu_percent").await.unwrap();
    assert!(bad.starts_with("HTTP/1.1 404"), "{bad}");
    let bad = get(&addr, "/api/events?limit=0").await.unwrap();
    assert!(
        bad.starts_with("HTTP/1.1 400") && bad.contains("`limit`: must be at least 1"),
        "{bad}"
    );
    let bad = get(&addr, "/api/events?kinds=Bogus").await.unwrap();
    assert!(bad.starts_with("HTTP/1.1 400") && bad.contains("unknown event type"), "{bad}");

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
    // `migrate` on the same folder: nothing to do, and it says so.
    let out = Command::new(BIN).arg("migrate").current_dir(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let latest = infrastructor_actors::store::migrate::SQLITE.last().unwrap().version;
    let said = format!("(sqlite): schema version {latest}");
    assert!(out.status.success() && text.contains(&said), "{text}");
    // What it saw was written to the history database before it exited.
    let db = dir.path().join("data/infrastructor.db");
    let stored = Store::open_sqlite(&db).await.unwrap().events_after(None, 10_000).await.unwrap();
    assert!(stored.iter().any(|e| e.type_name() == "DeviceOnline"), "{} events", stored.len());
    assert!(stored.iter().any(|e| e.type_name() == "MetricsSampled"), "{} events", stored.len());
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

    // A missing file: the reason once, not once per level of the error chain.
    let missing = dir.path().join("missing.toml");
    let out = Command::new(BIN).arg("--config").arg(&missing).args(["config", "validate"]).output();
    let err = String::from_utf8_lossy(&out.unwrap().stderr).to_lowercase();
    assert!(err.contains("missing.toml: cannot read config file"), "{err}");
    assert_eq!(err.matches("no such file or directory").count(), 1, "{err}");
}

/// Runs the binary with `args` and `envs` (plus `NO_COLOR` and `INFRASTRUCTOR_*` removed), and
/// returns its output; kills it and fails if it has not exited after `deadline`.
async fn run(args: &[&str], envs: &[(&str, &str)], deadline: Duration) -> std::process::Output {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(args)
        .env("INFRASTRUCTOR_DATA_DIR", data.path())
        .env_remove("NO_COLOR")
        .env_remove("INFRASTRUCTOR_CONFIG")
        .env_remove("INFRASTRUCTOR_DATABASE_URL")
        .env("INFRASTRUCTOR_LISTEN", "127.0.0.1:0")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().unwrap();
    match tokio::time::timeout(deadline, child.wait_with_output()).await {
        Ok(out) => out.unwrap(),
        Err(_) => panic!("`infrastructor {}` still running after {deadline:?}", args.join(" ")),
    }
}

/// Writes `text` as `c.toml` in a new temp dir (with an empty `known_hosts`).
fn config_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("known_hosts"), "").unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

const LOCAL: &str = "[[devices]]\nname = \"me\"\ntransport = \"local\"\n";

#[tokio::test]
async fn serve_fails_on_a_port_in_use_before_touching_any_device() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (_dir, cfg) = config_file(LOCAL);
    let started = Instant::now();
    let out = run(
        &["--config", &cfg, "serve"],
        &[("INFRASTRUCTOR_LISTEN", &addr), ("RUST_LOG", "info")],
        Duration::from_secs(20),
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "exits quickly: {err}");
    assert!(
        err.contains(&format!("error: cannot listen on {addr}: address already in use")),
        "{err}"
    );
    // Nothing after the bind ran: no fleet, no in-memory store, no device contacted.
    for later in ["device online", "no database configured", "serving on"] {
        assert!(!err.contains(later), "{later:?} in {err}");
    }
}

#[tokio::test]
async fn start_binds_before_contacting_devices() {
    use infrastructor::app::{AppOptions, start};
    use infrastructor_actors::device::{Auth, DeviceSpec, FleetSettings, Probes, TransportKind};
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // The "device": an SSH device whose port is ours, so a connection attempt is visible.
    let device = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let spec = DeviceSpec {
        name: "dev".into(),
        transport: TransportKind::Ssh,
        host: "127.0.0.1".into(),
        port: device.local_addr().unwrap().port(),
        user: "u".into(),
        auth: Auth::Agent,
        sudo: false,
        tags: Vec::new(),
        known_hosts: "/nonexistent".into(),
        probes: Probes::default(),
        backups: Vec::new(),
    };
    let opts = AppOptions {
        alerts: Default::default(),
        listen: taken.local_addr().unwrap(),
        devices: vec![spec],
        fleet: FleetSettings::default(),
        history: None,
        api: Default::default(),
    };
    let err = format!("{:#}", start(opts).await.err().expect("the port is taken"));
    assert!(err.to_lowercase().contains("address already in use"), "{err}");
    // A started fleet connects at once (within milliseconds); none was started.
    let contacted = tokio::time::timeout(Duration::from_millis(500), device.accept()).await;
    assert!(contacted.is_err(), "the device was contacted although serving failed");
}

#[tokio::test]
async fn logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    // No devices: `serve` logs a warning, then stops at the port in use.
    let (_dir, cfg) = config_file("# no devices\n");
    let out = run(
        &["--config", &cfg, "serve"],
        &[("INFRASTRUCTOR_LISTEN", &addr), ("RUST_LOG", "info")],
        Duration::from_secs(20),
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WARN") && err.contains("no devices configured"), "{err}");
    assert!(!err.contains("\x1b["), "ANSI escape in piped stderr: {err:?}");
}

#[tokio::test]
async fn serve_and_validate_check_files_and_bounds_first() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_str().unwrap();
    let ssh = "[[devices]]\nname = \"web\"\nhost = \"127.0.0.1\"\nport = 1\n";
    let huge = format!("[fleet]\nconnect_timeout = \"5000000000000000h\"\n{LOCAL}");
    for (text, expect) in [
        // ~/.ssh/known_hosts does not exist in this HOME.
        (
            ssh.to_owned(),
            "c.toml:2:8: devices[0].known_hosts: device \"web\": cannot read known_hosts file",
        ),
        (
            format!("{ssh}known_hosts = \"known_hosts\"\nidentity_file = \"nokey\"\n"),
            "c.toml:6:17: devices[0].identity_file: device \"web\": cannot read identity file",
        ),
        // Used to overflow `connect_timeout * 2` in the device supervisor: a panic, not an error.
        (
            huge,
            "c.toml:2:19: fleet.connect_timeout: must be between 1s and 1h, got \"5000000000000000h\"",
        ),
    ] {
        let (_dir, cfg) = config_file(&text);
        for cmd in ["serve", "validate"] {
            let args: &[&str] = if cmd == "serve" { &["serve"] } else { &["config", "validate"] };
            let args = [&["--config", cfg.as_str()], args].concat();
            let out = run(&args, &[("HOME", home)], Duration::from_secs(15)).await;
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{cmd}: {err}");
            assert!(err.contains(expect), "{cmd}: {err}");
            assert!(!err.contains("panicked") && !err.contains("serving on"), "{cmd}: {err}");
        }
    }
}
