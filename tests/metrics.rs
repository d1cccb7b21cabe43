//! The server's own telemetry against the whole server over a real sshd device: `/metrics`
//! (Prometheus text, behind the tokens) shows the polls and their durations per probe, SSH
//! command latency, the devices gauge, events by kind, the writer's rows, batches, buffer and
//! spool, WebSocket clients, and the requests of `/api`, `/mcp` and `/ws` by route and status
//! (never a raw path as a route); `/ready` is 200 on a healthy server (with or without a
//! store) and 503 with the reason while PostgreSQL does not answer, 200 once it does.
//!
//! Metrics are process-global (tests of this file share one recorder), so tests check that a
//! series is there and grew, never exact totals.

mod harness;
mod ws_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use harness::server::{count, every, fast_settings, serve, serve_opts};
use harness::{FaultProxy, SimDevice, TestDb, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, ApiToken, Scope, Secret};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::{Value, json};

const TOKEN: &str = "metrics-test-token-0123456789";

fn with_token() -> ApiSettings {
    let token = ApiToken { name: "prom".into(), token: Secret::new(TOKEN), scope: Scope::Read };
    ApiSettings { tokens: vec![token], ..ApiSettings::default() }
}

/// One sample line of the text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the sample lines of a Prometheus text exposition (comments skipped).
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((name, rest)) => (name.to_string(), labels(rest.trim_end_matches('}'))),
        };
        out.push(Sample { name, labels, value });
    }
    out
}

/// `k="v",k2="v2"` (values with `\"` and `\\` escapes).
fn labels(s: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            return map;
        }
        assert_eq!(chars.next(), Some('"'), "label {key} in {s}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.extend(chars.next()),
                '"' => break,
                c => value.push(c),
            }
        }
        map.insert(key.trim_start_matches(',').to_string(), value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
}

/// The sum of the samples named `name` whose labels include `want`, `None` when there is none.
fn total(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| want.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .map(|s| s.value)
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut req = reqwest::Client::new().get(format!("http://{addr}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").map_or("", |v| v.to_str().unwrap()).to_string();
    (status, ctype, resp.text().await.unwrap())
}

/// A scrape with the token.
async fn scrape(addr: SocketAddr) -> (Vec<Sample>, String) {
    let (status, ctype, body) = get(addr, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    (parse(&body), body)
}

/// What the scrape still lacks (empty once everything is there).
fn missing(s: &[Sample], text: &str) -> Vec<String> {
    let positive =
        |name: &str, want: &[(&str, &str)]| total(s, name, want).is_some_and(|v| v > 0.0);
    let present = |name: &str| total(s, name, &[]).is_some();
    let checks: Vec<(String, bool)> = vec![
        (
            "polls ok".into(),
            positive("infrastructor_polls_total", &[("probe", "containers"), ("outcome", "ok")]),
        ),
        (
            "poll durations".into(),
            positive("infrastructor_poll_duration_seconds_count", &[("probe", "containers")]),
        ),
        (
            "poll buckets".into(),
            positive(
                "infrastructor_poll_duration_seconds_bucket",
                &[("probe", "containers"), ("le", "+Inf")],
            ),
        ),
        (
            "histogram type".into(),
            text.contains("# TYPE infrastructor_poll_duration_seconds histogram"),
        ),
        ("ssh latency".into(), positive("infrastructor_ssh_command_seconds_count", &[])),
        (
            "ssh completed".into(),
            positive("infrastructor_ssh_commands_total", &[("outcome", "completed")]),
        ),
        ("devices online".into(), positive("infrastructor_devices", &[("status", "online")])),
        ("devices offline".into(), present("infrastructor_devices")),
        (
            "samples by kind".into(),
            positive("infrastructor_bus_published_total", &[("kind", "ContainerStatsSampled")]),
        ),
        (
            "online by kind".into(),
            positive("infrastructor_bus_published_total", &[("kind", "DeviceOnline")]),
        ),
        ("rows".into(), positive("infrastructor_store_rows_written_total", &[])),
        ("batches".into(), positive("infrastructor_store_batches_written_total", &[])),
        ("batch time".into(), positive("infrastructor_store_batch_seconds_count", &[])),
        ("buffer".into(), present("infrastructor_store_buffer_events")),
        ("spool".into(), present("infrastructor_store_spool_bytes")),
        ("ws clients".into(), positive("infrastructor_ws_clients", &[])),
        (
            "api 200".into(),
            positive("infrastructor_http_requests_total", &[("face", "api"), ("status", "200")]),
        ),
        (
            "api 400".into(),
            positive("infrastructor_http_requests_total", &[("face", "api"), ("status", "400")]),
        ),
        (
            "api 401".into(),
            positive("infrastructor_http_requests_total", &[("face", "api"), ("status", "401")]),
        ),
        (
            "api 404".into(),
            positive("infrastructor_http_requests_total", &[("face", "api"), ("status", "404")]),
        ),
        (
            "mcp 200".into(),
            positive(
                "infrastructor_http_requests_total",
                &[("face", "mcp"), ("route", "mcp"), ("status", "200")],
            ),
        ),
        (
            "ws 101".into(),
            positive(
                "infrastructor_http_requests_total",
                &[("face", "ws"), ("route", "ws"), ("status", "101")],
            ),
        ),
        (
            "api time".into(),
            positive("infrastructor_http_request_duration_seconds_count", &[("face", "api")]),
        ),
    ];
    checks.into_iter().filter(|(_, ok)| !ok).map(|(what, _)| what).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_polls_ssh_devices_events_writer_and_requests() {
    let dev = SimDevice::start("tower");
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    let data = tempfile::tempdir().unwrap();
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(&dev, probes)],
        fleet: fast_settings(),
        history: Some(HistoryOptions::new(data.path(), None)),
        api: with_token(),
    })
    .await;
    let addr = app.addr;
    wait_until(Duration::from_secs(30), "two container polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= 2
    })
    .await;

    // /metrics is behind the tokens; /health and /ready are not.
    assert_eq!(get(addr, "/metrics", None).await.0, 401);
    assert_eq!(get(addr, "/metrics", Some("not-the-token-0123456789")).await.0, 401);
    assert_eq!(get(addr, "/health", None).await.0, 200);
    let (status, _, body) = get(addr, "/ready", None).await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["fleet"], "running", "{ready}");
    assert_eq!(ready["store"]["engine"], "sqlite", "{ready}");
    assert!(!body.contains(&data.path().display().to_string()), "no file path in {body}");

    // Requests on every face, with several statuses.
    let before = scrape(addr).await.0;
    let api_ok = [("face", "api"), ("status", "200")];
    let base = total(&before, "infrastructor_http_requests_total", &api_ok).unwrap_or(0.0);
    assert_eq!(get(addr, "/api/devices", Some(TOKEN)).await.0, 200);
    assert_eq!(get(addr, "/api/metrics?device=tower", Some(TOKEN)).await.0, 400);
    assert_eq!(get(addr, "/api/devices", None).await.0, 401);
    assert_eq!(get(addr, "/api/devices/tower/nope", Some(TOKEN)).await.0, 404);
    let client = harness::mcp::connect(addr, Some(TOKEN)).await;
    harness::mcp::ok(&harness::mcp::call(&client, "list_devices", json!({})).await);
    let ws = ws_support::connect(addr, Some(TOKEN)).await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let (samples, text) = loop {
        let (samples, text) = scrape(addr).await;
        let lacking = missing(&samples, &text);
        if lacking.is_empty() {
            break (samples, text);
        }
        assert!(Instant::now() < deadline, "the scrape still lacks {lacking:?}:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let grown = total(&samples, "infrastructor_http_requests_total", &api_ok).unwrap();
    assert!(grown > base, "api 200s: {base} before, {grown} after");
    // Routes come from a bounded set: no device name or raw path ever becomes a label.
    for s in samples.iter().filter(|s| s.name.starts_with("infrastructor_http_request")) {
        let route = &s.labels["route"];
        assert!(!route.contains("tower") && !route.contains("nope"), "raw path as route: {s:?}");
    }
    assert!(text.contains("# HELP infrastructor_polls_total"), "{text}");
    drop(ws);
    client.cancel().await.unwrap();
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_tokens_metrics_are_open_and_a_memory_only_server_is_ready() {
    let app = serve(vec![]).await;
    let (status, ctype, body) = get(app.addr, "/metrics", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    assert!(body.contains("infrastructor_devices{status=\"online\"}"), "{body}");
    let (status, _, body) = get(app.addr, "/ready", None).await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["store"], Value::Null, "no store: {ready}");
    assert_eq!(ready["devices"], 0);
    app.shutdown().await;
}

/// A libpq URL to `db` through `proxy`, with a password and a user to look for in answers.
fn url_via(db: &TestDb, proxy: &FaultProxy) -> String {
    let cfg = db.config();
    let user = cfg.get_user().unwrap_or("postgres");
    let port = proxy.addr().port();
    format!("host=127.0.0.1 port={port} user={user} password=Sup3rSecret dbname={}", db.name())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_while_postgresql_does_not_answer_and_200_once_it_does() {
    let db = TestDb::create().await;
    let port = db.config().get_ports().first().copied().unwrap_or(5432);
    let proxy = FaultProxy::start(format!("127.0.0.1:{port}").parse().unwrap()).await;
    proxy.cut().await;
    let data = tempfile::tempdir().unwrap();
    let history = HistoryOptions::new(data.path(), Some(Secret::new(url_via(&db, &proxy))));
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![],
        fleet: fast_settings(),
        history: Some(history),
        api: with_token(),
    })
    .await;

    let (status, ctype, body) = get(app.addr, "/ready", None).await;
    assert_eq!(status, 503, "{body}");
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "not_ready", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("database is not reachable yet"), "{message}");
    assert_eq!(err["details"]["store"]["connected"], false, "{err}");
    assert_eq!(err["details"]["fleet"], "running", "{err}");
    for secret in ["Sup3rSecret", &proxy.addr().port().to_string(), db.name()] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    // The process is up all the same.
    assert_eq!(get(app.addr, "/health", None).await.0, 200);

    proxy.restore().await;
    wait_until(Duration::from_secs(60), "ready once the database answers", || async {
        get(app.addr, "/ready", None).await.0 == 200
    })
    .await;
    let (_, _, body) = get(app.addr, "/ready", None).await;
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert!(
        matches!(ready["store"]["engine"].as_str(), Some("postgresql" | "timescaledb")),
        "{ready}"
    );
    assert_eq!(ready["store"]["answers"], true, "{ready}");
    app.shutdown().await;
}
