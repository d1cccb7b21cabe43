//! The REST API's changing side, end to end over real sshd with an admin token: the
//! registry (a device added through `POST /api/devices` is monitored at once and listed with
//! `source: "api"`, replaced, removed), container actions and maintenance mode when
//! `allow_actions` is on (run on the device, recorded as events), and a read token refused.

mod harness;

use std::time::Duration;

use harness::rest::{get, send};
use harness::server::{count, every, serve_opts};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, ApiToken, Scope, Secret};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::json;

const READ: &str = "read-token-0123456789abcdef";
const ADMIN: &str = "admin-token-0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_change_the_registry_act_on_containers_and_set_maintenance() {
    let data = tempfile::tempdir().unwrap();
    let dev = SimDevice::start("tower");
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    dev.install_tool("docker", harness::shims::DOCKER_ACTIONS);
    let token =
        |name: &str, t: &str, scope| ApiToken { name: name.into(), token: Secret::new(t), scope };
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(&dev, probes)],
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data.path(), None)),
        api: ApiSettings {
            tokens: vec![token("dash", READ, Scope::Read), token("ops", ADMIN, Scope::Admin)],
            allow_actions: true,
            ..ApiSettings::default()
        },
    })
    .await;
    let (addr, admin) = (app.addr, Some(ADMIN));

    // The registry.
    let nas = SimDevice::start("nas");
    let s = nas.sshd();
    let mut spec = json!({
        "name": "nas",
        "host": "127.0.0.1",
        "port": s.port(),
        "user": s.user(),
        "identity_file": s.client_key_path().display().to_string(),
        "known_hosts": s.known_hosts_path().display().to_string(),
        "tags": ["storage"],
    });
    let added = send(addr, "POST", "/api/devices", admin, Some(&spec)).await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(added.json, json!({ "device": "nas", "action": "added" }));
    wait_until(Duration::from_secs(20), "nas online", || {
        app.handle.device("nas").is_ok_and(|d| d.online == Some(true))
    })
    .await;
    let list = get(addr, "/api/devices", Some(READ)).await;
    let row = list.json["devices"].as_array().unwrap().iter().find(|d| d["name"] == "nas").cloned();
    let row = row.expect("nas listed");
    assert_eq!((row["source"].clone(), row["tags"].clone()), (json!("api"), json!(["storage"])));
    let again = send(addr, "POST", "/api/devices", admin, Some(&spec)).await;
    assert_eq!((again.status, again.json["error"].clone()), (409, json!("conflict")), "{again:?}");
    spec["tags"] = json!(["storage", "backup"]);
    let updated = send(addr, "PUT", "/api/devices/nas", admin, Some(&spec)).await;
    assert_eq!(updated.status, 200, "{updated:?}");
    let info = get(addr, "/api/devices", Some(READ)).await;
    assert!(info.text.contains("backup"), "{info:?}");
    let removed = send(addr, "DELETE", "/api/devices/nas", admin, None).await;
    assert_eq!(removed.json, json!({ "device": "nas", "action": "removed" }), "{removed:?}");
    assert_eq!(get(addr, "/api/devices/nas", Some(READ)).await.status, 404);
    let missing = send(addr, "DELETE", "/api/devices/nas", admin, None).await;
    assert_eq!(missing.status, 404, "{missing:?}");

    // A container action: run on the device, recorded, answered with the state after.
    wait_until(Duration::from_secs(20), "first containers poll", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
    })
    .await;
    let read = send(addr, "POST", "/api/devices/tower/containers/stopped/start", Some(READ), None);
    assert_eq!(read.await.status, 403);
    let bad =
        send(addr, "POST", "/api/devices/tower/containers/stopped/explode", admin, None).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    let bad_name = send(addr, "POST", "/api/devices/tower/containers/x;reboot/start", admin, None);
    let bad_name = bad_name.await;
    assert!(matches!(bad_name.status, 400 | 404), "{bad_name:?}");
    assert_eq!(dev.calls("docker start"), 0, "nothing ran for refused actions");
    let started = send(addr, "POST", "/api/devices/tower/containers/stopped/start", admin, None);
    let started = started.await;
    assert_eq!(started.status, 200, "{started:?}");
    assert_eq!(started.json["ok"], true, "{started:?}");
    assert_eq!(started.json["state_after"], "running", "{started:?}");
    assert_eq!(dev.calls("docker start"), 1);
    assert_eq!(count(&app, "tower", "ActionPerformed"), 1);

    // Maintenance mode: on until a time, recorded, shown in the state; then off.
    let on = json!({ "on": true, "until": "2h", "reason": "disk swap" });
    let m = send(addr, "PUT", "/api/devices/tower/maintenance", admin, Some(&on)).await;
    assert_eq!(m.status, 200, "{m:?}");
    assert_eq!(m.json["on"], true, "{m:?}");
    wait_until(Duration::from_secs(5), "maintenance in the state", || {
        app.handle.device("tower").is_ok_and(|d| d.maintenance.is_some())
    })
    .await;
    let state = get(addr, "/api/devices/tower/state", Some(READ)).await;
    assert_eq!(state.json["maintenance"]["reason"], "disk swap", "{state:?}");
    assert_eq!(state.json["maintenance"]["by"], "ops", "{state:?}");
    let (yes, no) = (json!({ "on": "yes" }), json!({ "on": false }));
    let bad = send(addr, "PUT", "/api/devices/tower/maintenance", admin, Some(&yes)).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    let off = send(addr, "PUT", "/api/devices/tower/maintenance", admin, Some(&no)).await;
    assert_eq!(off.json["on"], false, "{off:?}");
    assert_eq!(count(&app, "tower", "MaintenanceChanged"), 2);
    app.shutdown().await;
}
