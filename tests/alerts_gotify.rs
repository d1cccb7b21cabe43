//! Alerts reach the phone end to end: a real sshd device whose container is down, the alert
//! engine, the Gotify notifier and a real HTTP receiver implementing Gotify's `POST
//! /message`. Exactly one message (warning priority) when it breaks, exactly one when it
//! recovers, nothing while the device is in maintenance; a server restarted while the
//! alert is open (same data directory, same receiver) sends no duplicate and still sends the
//! recovery.

mod harness;

use std::time::Duration;

use harness::gotify::Gotify;
use harness::rest::send;
use harness::server::{TestServer, count, every, serve_opts};
use harness::wait_until;
use infrastructor::app::AppOptions;
use infrastructor::config::{AlertSettings, ApiSettings};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::{Value, json};

const TOKEN: &str = "AbCdEf0123456789";

/// The fixture's `ps` with only `web` (running) and `failer` in `state`.
fn ps(failer_state: &str) -> String {
    let ps = harness::fixture("docker/client-20.10/ps.jsonl");
    let lines: Vec<String> = ps
        .lines()
        .filter_map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            match v["Names"].as_str() {
                Some("web") => Some(v.to_string()),
                Some("failer") => {
                    v["State"] = failer_state.into();
                    v["Status"] = if failer_state == "running" {
                        "Up 1 second"
                    } else {
                        "Exited (1) 2 seconds ago"
                    }
                    .into();
                    Some(v.to_string())
                }
                _ => None,
            }
        })
        .collect();
    lines.join("\n") + "\n"
}

/// Messages about `failer`.
fn about_failer(g: &Gotify) -> Vec<Value> {
    g.messages()
        .into_iter()
        .filter(|m| m["title"].as_str().unwrap_or("").contains("failer"))
        .collect()
}

async fn polls(app: &TestServer, n: usize) {
    let start = count(app, "tower", "ContainerStatsSampled");
    wait_until(Duration::from_secs(20), "more polls", || {
        count(app, "tower", "ContainerStatsSampled") >= start + n
    })
    .await;
}

/// The server on `data` (SQLite) polling `dev`'s containers, notifying `gotify`.
async fn start(dev: &harness::SimDevice, data: &std::path::Path, gotify: &Gotify) -> TestServer {
    let notify = gotify.notify_settings(Duration::from_millis(500));
    serve_opts(AppOptions {
        alerts: AlertSettings { notify, ..AlertSettings::default() },
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(
            dev,
            Probes { containers: every(300), ..Probes::disabled() },
        )],
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data, None)),
        api: ApiSettings { allow_actions: true, ..ApiSettings::default() },
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_message_when_it_breaks_one_when_it_recovers_none_in_maintenance() {
    let data = tempfile::tempdir().unwrap();
    let gotify = Gotify::start(TOKEN).await;
    let dev = harness::docker_device("tower", false);
    dev.set_docker_ps(&ps("exited"));
    let app = start(&dev, data.path(), &gotify).await;

    wait_until(Duration::from_secs(20), "the message", || about_failer(&gotify).len() == 1).await;
    polls(&app, 3).await;
    let msgs = about_failer(&gotify);
    assert_eq!(msgs.len(), 1, "exactly one: {msgs:?}");
    assert_eq!(msgs[0]["priority"], 5, "a warning: {msgs:?}");
    let body = msgs[0]["message"].as_str().unwrap();
    assert!(body.contains("exited with an error") && body.contains("tower"), "{body}");
    assert_eq!(msgs[0]["extras"]["client::display"]["contentType"], "text/markdown");

    dev.set_docker_ps(&ps("running"));
    wait_until(Duration::from_secs(20), "the recovery", || about_failer(&gotify).len() == 2).await;
    polls(&app, 3).await;
    let msgs = about_failer(&gotify);
    assert_eq!(msgs.len(), 2, "exactly one recovery: {msgs:?}");
    assert!(msgs[1]["title"].as_str().unwrap().starts_with("RESOLVED"), "{msgs:?}");

    // Maintenance: it breaks again, and nothing is sent.
    let on = json!({ "on": true, "reason": "upgrading" });
    let m = send(app.addr, "PUT", "/api/devices/tower/maintenance", None, Some(&on)).await;
    assert_eq!(m.status, 200, "{m:?}");
    wait_until(Duration::from_secs(5), "maintenance seen", || {
        app.handle.device("tower").is_ok_and(|d| d.maintenance.is_some())
    })
    .await;
    dev.set_docker_ps(&ps("exited"));
    wait_until(Duration::from_secs(20), "raised, held back", || {
        app.all("tower").iter().filter(|e| e.type_name() == "AlertRaised").count() == 2
    })
    .await;
    polls(&app, 3).await;
    assert_eq!(about_failer(&gotify).len(), 2, "nothing sent in maintenance");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_while_it_is_down_sends_no_duplicate_and_still_the_recovery() {
    let data = tempfile::tempdir().unwrap();
    let gotify = Gotify::start(TOKEN).await;
    let dev = harness::docker_device("tower", false);
    dev.set_docker_ps(&ps("exited"));
    let app = start(&dev, data.path(), &gotify).await;
    wait_until(Duration::from_secs(20), "the message", || about_failer(&gotify).len() == 1).await;
    polls(&app, 2).await;
    assert_eq!(about_failer(&gotify).len(), 1, "exactly one before the restart");
    app.shutdown().await;

    // The same data directory and receiver: the open alert comes back from the store, the
    // notifier's cursor too.
    let app = start(&dev, data.path(), &gotify).await;
    polls(&app, 3).await;
    let msgs = about_failer(&gotify);
    assert_eq!(msgs.len(), 1, "no duplicate after the restart: {msgs:?}");
    let raised = app.all("tower").iter().filter(|e| e.type_name() == "AlertRaised").count();
    assert_eq!(raised, 0, "not raised again after the restart");

    dev.set_docker_ps(&ps("running"));
    wait_until(Duration::from_secs(20), "the recovery", || about_failer(&gotify).len() == 2).await;
    polls(&app, 3).await;
    let msgs = about_failer(&gotify);
    assert_eq!(msgs.len(), 2, "exactly one recovery: {msgs:?}");
    let title = msgs[1]["title"].as_str().unwrap();
    assert!(title.starts_with("RESOLVED") && title.contains("failer"), "{msgs:?}");
    assert_eq!(gotify.messages().len(), 2, "nothing else sent: {:?}", gotify.messages());
    app.shutdown().await;
}
