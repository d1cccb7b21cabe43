//! The REST API end to end over real sshd: a device with docker and systemctl shims
//! replaying captured outputs, the real SQLite store, and a read token. Every read answers
//! what the device holds (the same data as the MCP twin); bad input is a 4xx in the one
//! error shape with the parameter named; auth and scope failures are 401/403.

mod harness;

use std::time::Duration;

use harness::rest::{Answer, get, send, send_raw};
use harness::server::{TestServer, count, every, serve_opts};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, ApiToken, Scope, Secret};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::json;

const READ: &str = "read-token-0123456789abcdef";
const ADMIN: &str = "admin-token-0123456789abcdef";

fn api() -> ApiSettings {
    let token =
        |name: &str, t: &str, scope| ApiToken { name: name.into(), token: Secret::new(t), scope };
    ApiSettings {
        tokens: vec![token("dashboard", READ, Scope::Read), token("ops", ADMIN, Scope::Admin)],
        ..ApiSettings::default()
    }
}

fn device() -> SimDevice {
    harness::docker_device("tower", true)
}

async fn start(dev: &SimDevice, data: &std::path::Path) -> TestServer {
    let probes = Probes { containers: every(400), services: every(400), ..Probes::disabled() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(dev, probes)],
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data, None)),
        api: api(),
    })
    .await;
    wait_until(Duration::from_secs(20), "first polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
            && count(&app, "tower", "ServicesSampled") >= 1
    })
    .await;
    app
}

/// An error answer: the status, the shape, and the code.
fn failed(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{a:?}");
    assert!(a.content_type.starts_with("application/json"), "{a:?}");
    assert_eq!(a.code(), code, "{a:?}");
    assert!(!a.message().is_empty(), "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_answer_what_the_device_holds() {
    let data = tempfile::tempdir().unwrap();
    let dev = device();
    let app = start(&dev, data.path()).await;
    let r = |path: &'static str| get(app.addr, path, Some(READ));

    let list = r("/api/devices").await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.json["devices"][0]["name"], "tower");
    assert_eq!(list.json["devices"][0]["source"], "config");

    let state = r("/api/devices/tower/state").await;
    assert_eq!(state.status, 200);
    assert_eq!(state.json["online"], true);
    assert_eq!(state.json["containers"].as_array().unwrap().len(), 13);
    assert!(r("/api/state").await.json["tower"]["samples"]["containers"].is_object());

    let info = r("/api/devices/tower").await;
    assert_eq!(info.status, 200, "{info:?}");
    assert!(info.json["probes"]["containers"].is_object(), "{info:?}");

    let all = r("/api/devices/tower/containers").await;
    assert_eq!(all.status, 200, "{all:?}");
    assert_eq!(all.json["total"], 13, "{all:?}");
    assert_eq!(all.json["source"], "live");
    let running = r("/api/devices/tower/containers?state=running&limit=3").await;
    assert_eq!(running.json["total"], 7, "{running:?}");
    assert_eq!(running.json["items"].as_array().unwrap().len(), 3);
    let cursor = running.json["next_cursor"].as_str().unwrap().to_string();
    let path = format!("/api/devices/tower/containers?state=running&limit=3&cursor={cursor}");
    let next = get(app.addr, &path, Some(READ)).await;
    assert_eq!(next.json["items"].as_array().unwrap().len(), 3, "{next:?}");
    assert_eq!(r("/api/containers?name=stack").await.json["total"], 2);

    let web = r("/api/devices/tower/containers/web").await;
    assert_eq!(web.status, 200, "{web:?}");
    assert_eq!(web.json["container"]["name"], "web");
    let cached = r("/api/devices/tower/containers/web?max_age_seconds=600").await;
    assert_eq!(cached.json["source"], "cached", "{cached:?}");

    let failed_units = r("/api/devices/tower/services/failed").await;
    assert_eq!(failed_units.status, 200, "{failed_units:?}");
    let units: Vec<&str> = failed_units.json["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_str().unwrap())
        .collect();
    assert!(units.contains(&"nginx.service") && units.len() == 4, "{units:?}");

    let diag = r("/api/devices/tower/diagnostics?max_age_seconds=600").await;
    assert_eq!(diag.status, 200, "{diag:?}");
    let problems = diag.json["problems"].as_array();
    assert!(problems.is_some_and(|p| !p.is_empty()), "{}", diag.text);
    let events = r("/api/events?device=tower&kinds=ContainerStatsSampled&limit=2").await;
    assert_eq!(events.status, 200, "{events:?}");
    assert!(!events.json["events"].as_array().unwrap().is_empty(), "{events:?}");
    let changes = r("/api/changes?device=tower&since=1h").await;
    assert_eq!(changes.status, 200, "{changes:?}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_auth_and_scope_get_the_one_error_shape() {
    let data = tempfile::tempdir().unwrap();
    let dev = device();
    let app = start(&dev, data.path()).await;
    let (addr, read) = (app.addr, Some(READ));

    failed(&get(addr, "/api/devices", None).await, 401, "unauthorized");
    failed(&get(addr, "/api/devices", Some("wrong-token-0123456789")).await, 401, "unauthorized");
    failed(&get(addr, "/api/devices/ghost/containers", read).await, 404, "not_found");
    failed(&get(addr, "/api/nope", read).await, 404, "not_found");

    let bad = get(addr, "/api/devices/tower/containers?limit=many", read).await;
    failed(&bad, 400, "invalid_argument");
    assert_eq!(bad.json["details"]["parameter"], "limit", "{bad:?}");
    failed(
        &get(addr, "/api/devices/tower/containers?limit=0", read).await,
        400,
        "invalid_argument",
    );
    let kinds = get(addr, "/api/events?kinds=Bogus", read).await;
    failed(&kinds, 400, "invalid_argument");
    assert!(kinds.message().contains("Bogus"), "{kinds:?}");
    let metric = get(addr, "/api/metrics?device=tower", read).await;
    failed(&metric, 400, "invalid_argument");
    assert_eq!(metric.json["details"]["parameter"], "metric", "{metric:?}");
    let since = get(addr, "/api/changes?since=yesterday-ish", read).await;
    failed(&since, 400, "invalid_argument");

    // A read token is refused what changes things; the config device is read-only.
    let new = json!({ "name": "nas", "host": "127.0.0.1" });
    failed(&send(addr, "POST", "/api/devices", read, Some(&new)).await, 403, "forbidden");
    failed(&send(addr, "DELETE", "/api/devices/tower", read, None).await, 403, "forbidden");
    let admin = Some(ADMIN);
    let gone = send(addr, "DELETE", "/api/devices/tower", admin, None).await;
    failed(&gone, 409, "conflict");
    assert!(gone.message().contains("config file"), "{gone:?}");
    let edit = json!({ "name": "tower", "host": "127.0.0.2" });
    failed(&send(addr, "PUT", "/api/devices/tower", admin, Some(&edit)).await, 409, "conflict");
    let renamed = json!({ "name": "x", "host": "h" });
    let renamed = send(addr, "PUT", "/api/devices/tower", admin, Some(&renamed)).await;
    failed(&renamed, 400, "invalid_argument");

    // Bodies: missing and unknown fields, not JSON, not an object, too large.
    let missing = send(addr, "POST", "/api/devices", admin, Some(&json!({ "name": "nas" }))).await;
    failed(&missing, 400, "invalid_argument");
    assert!(missing.message().contains("host"), "{missing:?}");
    let extra = json!({ "name": "nas", "host": "127.0.0.1", "hots": 1 });
    let extra = send(addr, "POST", "/api/devices", admin, Some(&extra)).await;
    failed(&extra, 400, "invalid_argument");
    assert!(extra.message().contains("hots"), "{extra:?}");
    let not_json = send_raw(addr, "POST", "/api/devices", admin, "application/json", b"{".to_vec());
    failed(&not_json.await, 400, "invalid_argument");
    let array = send_raw(addr, "POST", "/api/devices", admin, "application/json", b"[]".to_vec());
    failed(&array.await, 400, "invalid_argument");
    let text = send_raw(addr, "POST", "/api/devices", admin, "text/plain", b"hello".to_vec());
    failed(&text.await, 415, "unsupported_media_type");
    let huge = format!("{{\"name\":\"nas\",\"host\":\"{}\"}}", "h".repeat(100 * 1024));
    let huge = send_raw(addr, "POST", "/api/devices", admin, "application/json", huge.into());
    failed(&huge.await, 413, "payload_too_large");
    let bad_name = json!({ "name": "-nas", "host": "127.0.0.1" });
    let bad_name = send(addr, "POST", "/api/devices", admin, Some(&bad_name)).await;
    failed(&bad_name, 400, "invalid_argument");
    assert!(bad_name.message().contains("name"), "{bad_name:?}");

    // Actions are off: 403 for everyone, nothing run on the device.
    let restart = send(addr, "POST", "/api/devices/tower/containers/web/restart", admin, None);
    let restart = restart.await;
    failed(&restart, 403, "forbidden");
    assert!(restart.message().contains("allow_actions"), "{restart:?}");
    assert_eq!(dev.calls("docker restart"), 0);
    // Health and the document need no token.
    assert_eq!(get(addr, "/health", None).await.status, 200);
    assert_eq!(get(addr, "/api/openapi.json", None).await.status, 200);
    app.shutdown().await;
}
