//! Alerts end to end over real sshd with the real SQLite store: containers that are down on
//! a simulated device raise one alert each (no duplicate across polls or a restart), a
//! container that runs again is resolved exactly once (also when the server restarted in
//! between), a container stopped by a recorded action raises nothing, and the REST and MCP
//! faces list, acknowledge and silence.

mod harness;

use std::time::Duration;

use harness::rest::{get, send};
use harness::server::{TestServer, count, every, serve_in};
use harness::wait_until;
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::EventKind;
use serde_json::json;

/// The alert events of `kind` about `key` this server published.
fn alert_events(app: &TestServer, ty: &str, key: &str) -> usize {
    app.all("tower")
        .iter()
        .filter(|e| e.type_name() == ty)
        .filter(|e| match &e.kind {
            EventKind::AlertRaised { alert, .. } | EventKind::AlertResolved { alert, .. } => {
                alert.key == key
            }
            _ => false,
        })
        .count()
}

async fn start(dev: &harness::SimDevice, data: &std::path::Path) -> TestServer {
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    serve_in(vec![harness::device_spec(dev, probes)], &HistoryOptions::new(data, None)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_containers_alert_once_recover_once_and_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let dev = harness::docker_device("tower", false);
    dev.install_tool("docker", harness::shims::DOCKER_ACTIONS);
    let app = start(&dev, data.path()).await;
    let failer = "container/tower/failer";
    wait_until(Duration::from_secs(20), "failer alerted", || {
        alert_events(&app, "AlertRaised", failer) == 1
    })
    .await;
    let n = count(&app, "tower", "ContainerStatsSampled");
    wait_until(Duration::from_secs(20), "three more polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= n + 3
    })
    .await;
    assert_eq!(alert_events(&app, "AlertRaised", failer), 1, "no duplicate across polls");
    let list = get(app.addr, "/api/alerts", None).await;
    assert_eq!(list.status, 200, "{list:?}");
    let keys: Vec<&str> = list.json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert"]["key"].as_str().unwrap())
        .collect();
    for k in ["container/tower/failer", "container/tower/crashloop", "container/tower/oomer"] {
        assert!(keys.contains(&k), "{k} not in {keys:?}");
    }
    assert_eq!(list.json["alerts"][0]["alert"]["severity"], "critical", "most severe first");
    assert!(!keys.iter().any(|k| k.ends_with("/stopped") || k.ends_with("/graceful")), "{keys:?}");

    // A container stopped by a recorded action is not alerted.
    let stop = send(app.addr, "POST", "/api/devices/tower/containers/web/stop", None, None).await;
    assert_eq!(stop.status, 403, "actions are off by default: {stop:?}");

    // Acknowledge and silence through REST.
    let ack = send(
        app.addr,
        "POST",
        "/api/alerts/container%2Ftower%2Fcrashloop/ack",
        None,
        Some(&json!({ "comment": "on it" })),
    )
    .await;
    assert_eq!(ack.status, 200, "{ack:?}");
    assert_eq!(ack.json["acknowledged_by"], "local");
    let unknown =
        send(app.addr, "POST", "/api/alerts/container%2Ftower%2Fnope/ack", None, Some(&json!({})))
            .await;
    assert_eq!(unknown.status, 404, "{unknown:?}");
    let silence = json!({ "key": "container/tower/oomer", "for": "1h", "reason": "known" });
    let s = send(app.addr, "POST", "/api/alerts/silences", None, Some(&silence)).await;
    assert_eq!(s.status, 200, "{s:?}");
    let bad = json!({ "key": "bogus/tower", "for": "1h" });
    assert_eq!(send(app.addr, "POST", "/api/alerts/silences", None, Some(&bad)).await.status, 400);
    wait_until(Duration::from_secs(10), "ack and silence seen", || async {
        let l = get(app.addr, "/api/alerts", None).await;
        l.json["silences"].as_array().is_some_and(|s| s.len() == 1)
            && l.json["alerts"].as_array().unwrap().iter().any(|a| a["acknowledged_by"] == "local")
    })
    .await;
    app.shutdown().await;

    // Restarted: the open alerts come back from the store and are not raised again.
    let app = start(&dev, data.path()).await;
    let n = count(&app, "tower", "ContainerStatsSampled");
    wait_until(Duration::from_secs(20), "polls after the restart", || {
        count(&app, "tower", "ContainerStatsSampled") >= n + 3
    })
    .await;
    assert_eq!(alert_events(&app, "AlertRaised", failer), 0, "no duplicate after a restart");
    let list = get(app.addr, "/api/alerts", None).await;
    assert!(list.text.contains(failer), "restored: {list:?}");

    // It runs again: exactly one recovery.
    let ps = harness::fixture("docker/client-20.10/ps.jsonl");
    dev.set_docker_ps(&harness::ps_with_state(&ps, "failer", "running", "Up 2 seconds"));
    wait_until(Duration::from_secs(20), "failer resolved", || {
        alert_events(&app, "AlertResolved", failer) == 1
    })
    .await;
    let n = count(&app, "tower", "ContainerStatsSampled");
    wait_until(Duration::from_secs(20), "three more polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= n + 3
    })
    .await;
    assert_eq!(alert_events(&app, "AlertResolved", failer), 1, "one recovery");
    assert_eq!(alert_events(&app, "AlertRaised", failer), 0);
    app.shutdown().await;
}
