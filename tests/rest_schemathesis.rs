//! Schemathesis (from PyPI, installed into a virtualenv by `tests/run.sh`) against the whole
//! server and its own document: generated valid and invalid requests to every operation; no
//! answer may be a server error, and every answer must match the document (status code,
//! content type, body schema). Skipped, saying so, when schemathesis is not installed.

mod harness;

use std::time::Duration;

use harness::server::{TestServer, count, every, serve_opts};
use harness::shims::{DOCKER_READS, JOURNALCTL};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, ApiToken, Scope, Secret};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;

const READ: &str = "read-token-0123456789abcdef";

/// The schemathesis executable: `INFRASTRUCTOR_SCHEMATHESIS`, else the virtualenv
/// `tests/run.sh` makes.
fn schemathesis() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("INFRASTRUCTOR_SCHEMATHESIS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/var/tmp/infrastructor-venv/bin/schemathesis".into());
    path.exists().then_some(path)
}

async fn start(dev: &SimDevice, data: &std::path::Path) -> TestServer {
    let token = ApiToken { name: "fuzz".into(), token: Secret::new(READ), scope: Scope::Read };
    let probes = Probes { containers: every(2000), services: every(2000), ..Probes::disabled() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(dev, probes)],
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data, None)),
        api: ApiSettings { tokens: vec![token], ..ApiSettings::default() },
    })
    .await;
    wait_until(Duration::from_secs(20), "first polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
    })
    .await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_get_documented_answers_and_no_server_errors() {
    let Some(st) = schemathesis() else {
        eprintln!(
            "SKIPPED: schemathesis is not installed (tests/run.sh installs it into \
             /var/tmp/infrastructor-venv; or set INFRASTRUCTOR_SCHEMATHESIS)"
        );
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let report = tempfile::tempdir().unwrap();
    let dev = harness::docker_device("tower", true);
    dev.install_tool("docker", DOCKER_READS);
    dev.set("docker/logs", &harness::fixture("docker-logs/client-20.10/mixed.stdout"));
    dev.set("docker/logs.stderr", &harness::fixture("docker-logs/client-20.10/mixed.stderr"));
    dev.set("docker/network", &harness::fixture("docker-logs/client-20.10/network-ls.jsonl"));
    dev.install_tool("journalctl", JOURNALCTL);
    dev.set("journal", &harness::fixture("journalctl/journal.jsonl"));
    let app = start(&dev, data.path()).await;

    let spec = format!("http://{}/api/openapi.json", app.addr);
    let out = tokio::process::Command::new(&st)
        .arg("run")
        .arg(&spec)
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth"])
        .args(["--header", &format!("Authorization: Bearer {READ}")])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", "15", "--seed", "7", "--workers", "2"])
        .args(["--request-timeout", "10", "--no-shrink"])
        .arg("--report-dir")
        .arg(report.path())
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(600), out)
        .await
        .expect("schemathesis finishes within 10 minutes")
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(out.status.success(), "schemathesis found problems:\n{stdout}\n{stderr}");
    assert!(stdout.contains("passed") || stdout.contains("PASSED"), "{stdout}");
    app.shutdown().await;
}
