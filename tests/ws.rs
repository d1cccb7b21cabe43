//! The live stream at `/ws` end to end with a real WebSocket client (tokio-tungstenite)
//! against the whole server and a real sshd device: topic filters (samples only when their
//! type is named), auth on the upgrade and by first message, malformed and oversized frames,
//! the connection cap, and the close frame at shutdown.

mod harness;
mod ws_support;

use std::time::Duration;

use harness::server::{TestServer, count, every, serve_opts};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, ApiToken, Scope, Secret, WsSettings};
use infrastructor_actors::device::Probes;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use ws_support::{Next, connect, event, json, next, refused, send, subscribe, try_connect};

const TOKEN: &str = "ws-test-token-0123456789";

fn device() -> SimDevice {
    let dev = SimDevice::start("tower");
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    dev
}

async fn start(dev: Option<&SimDevice>, api: ApiSettings) -> TestServer {
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: dev.map(|d| harness::device_spec(d, probes)).into_iter().collect(),
        fleet: harness::server::fast_settings(),
        history: None,
        api,
    })
    .await
}

fn with_token(ws: WsSettings) -> ApiSettings {
    let token = ApiToken { name: "dash".into(), token: Secret::new(TOKEN), scope: Scope::Read };
    ApiSettings { tokens: vec![token], ws, ..ApiSettings::default() }
}

/// `ps` output with container `name` exited.
fn exited(name: &str) -> String {
    let ps = harness::fixture("docker/client-20.10/ps.jsonl");
    let lines: Vec<String> = ps
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["Names"] == name {
                v["State"] = "exited".into();
                v["Status"] = "Exited (1) 2 seconds ago".into();
            }
            v.to_string()
        })
        .collect();
    lines.join("\n") + "\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_select_devices_and_types_and_samples_only_when_named() {
    let dev = device();
    let app = start(Some(&dev), ApiSettings::default()).await;
    let mut samples = connect(app.addr, None).await;
    let mut all = connect(app.addr, None).await;
    let mut other = connect(app.addr, None).await;
    let m = subscribe(
        &mut samples,
        json!({"type":"subscribe","topics":["device.tower.ContainerStatsSampled"]}),
    )
    .await;
    assert_eq!(m["topics"], json!(["device.tower.ContainerStatsSampled"]));
    subscribe(&mut all, json!({"type":"subscribe","topics":["*"]})).await;
    subscribe(&mut other, json!({"type":"subscribe","topics":["device.nas.*", "alerts"]})).await;

    for _ in 0..2 {
        let ev = event(&mut samples).await;
        assert_eq!(
            (ev["device"].as_str(), ev["type"].as_str()),
            (Some("tower"), Some("ContainerStatsSampled"))
        );
        let names: Vec<_> = ev["payload"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].clone())
            .collect();
        assert!(names.contains(&json!("web")) && names.len() == 13, "{names:?}");
    }
    dev.set_docker_ps(&exited("web"));
    // `*` carries the change, and no sample although samples keep flowing.
    let died = loop {
        let ev = event(&mut all).await;
        assert!(
            !ev["type"].as_str().unwrap().ends_with("Sampled"),
            "no samples on *: {}",
            ev["type"]
        );
        if ev["type"] == "ContainerDied" {
            break ev;
        }
    };
    assert_eq!(died["device"], "tower");
    assert_eq!(died["payload"]["container"]["name"], "web");
    let polls = count(&app, "tower", "ContainerStatsSampled");
    wait_until(Duration::from_secs(20), "two more polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= polls + 2
    })
    .await;
    // The other device's subscriber got nothing of tower's but the alert on `alerts`.
    send(&mut other, json!({"type":"ping"})).await;
    let mut alerts = Vec::new();
    loop {
        let frame = json(&mut other).await;
        if frame == json!({"type":"pong"}) {
            break;
        }
        let ty = frame["event"]["type"].as_str().unwrap_or("").to_string();
        assert!(ty.starts_with("Alert"), "only alert events: {frame}");
        alerts.push(frame["event"]["payload"]["alert"]["key"].clone());
    }
    assert!(alerts.contains(&json!("container/tower/web")), "the alerts topic: {alerts:?}");

    // Unsubscribing stops the samples; `samples: true` makes wildcards carry them.
    send(
        &mut samples,
        json!({"type":"unsubscribe","topics":["device.tower.ContainerStatsSampled"]}),
    )
    .await;
    let m = loop {
        let m = json(&mut samples).await;
        if m["type"] != "event" {
            break m;
        }
    };
    assert_eq!(m, json!({"type":"subscribed","topics":[],"samples":false}));
    subscribe(&mut other, json!({"type":"subscribe","topics":["device.tower.*"],"samples":true}))
        .await;
    loop {
        let ev = event(&mut other).await;
        assert_eq!(ev["device"], "tower");
        if ev["type"] == "ContainerStatsSampled" {
            break;
        }
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_needs_a_token_or_a_first_auth_message() {
    let ws = WsSettings { auth_timeout: Duration::from_millis(500), ..WsSettings::default() };
    let app = start(None, with_token(ws)).await;
    assert_eq!(refused(app.addr, Some("wrong-token-0123456789"), "").await, 401);
    assert_eq!(refused(app.addr, None, "?token=wrong-token-0123456789").await, 401);
    // A browser page from another site is refused even with the right token.
    let mut req = format!("ws://{}/ws?token={TOKEN}", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }

    let mut by_header = connect(app.addr, Some(TOKEN)).await;
    subscribe(&mut by_header, json!({"type":"subscribe","topics":["*"]})).await;
    let mut by_query = try_connect(app.addr, None, &format!("?token={TOKEN}")).await.unwrap();
    subscribe(&mut by_query, json!({"type":"subscribe","topics":["*"]})).await;
    let mut by_message = connect(app.addr, None).await;
    send(&mut by_message, json!({"type":"auth","token":TOKEN})).await;
    subscribe(&mut by_message, json!({"type":"subscribe","topics":["*"]})).await;

    let mut wrong = connect(app.addr, None).await;
    send(&mut wrong, json!({"type":"auth","token":"wrong-token-0123456789"})).await;
    let m = json(&mut wrong).await;
    assert_eq!((m["type"].as_str(), m["code"].as_str()), (Some("error"), Some("unauthorized")));
    assert!(matches!(next(&mut wrong).await, Next::Closed(1008, _)));

    let mut skipped = connect(app.addr, None).await;
    send(&mut skipped, json!({"type":"subscribe","topics":["*"]})).await;
    let m = json(&mut skipped).await;
    assert_eq!(m["code"], "unauthorized", "{m}");

    let mut silent = connect(app.addr, None).await;
    let m = json(&mut silent).await;
    assert_eq!(m["code"], "auth_timeout", "{m}");
    assert!(matches!(next(&mut silent).await, Next::Closed(1008, _)));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_frames_get_an_error_and_the_connection_lives_on() {
    let app = start(None, ApiSettings::default()).await;
    let mut ws = connect(app.addr, None).await;
    let error = |m: Value| m["type"] == "error";
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let cases: Vec<(Message, &str)> = vec![
        (Message::text("not json"), "bad_message"),
        (Message::text(r#"{"type":"subscribe"}"#), "bad_message"),
        (Message::text(r#"{"type":"launch"}"#), "bad_message"),
        (Message::text(r#"{"type":"subscribe","topics":["device.tower.Exploded"]}"#), "bad_topic"),
        (Message::text(r#"{"type":"subscribe","topics":["towers"]}"#), "bad_topic"),
        (Message::text(format!(r#"{{"type":"ping","x":"{}"}}"#, "a".repeat(100_000))), "too_large"),
        (Message::binary(vec![1, 2, 3]), "bad_message"),
        (
            Message::text(
                r#"{"type":"subscribe","topics":["*"],"since":"0190a4d0-0000-7000-8000-000000000000"}"#,
            ),
            "unavailable",
        ),
    ];
    for (frame, code) in cases {
        ws.send(frame).await.unwrap();
        let m = json(&mut ws).await;
        assert!(error(m.clone()) && m["code"] == code, "expected {code}, got {m}");
        assert!(m["message"].as_str().is_some_and(|s| !s.is_empty()));
    }
    send(&mut ws, json!({"type":"ping"})).await;
    assert_eq!(json(&mut ws).await, json!({"type":"pong"}));
    // Beyond the frame limit the WebSocket layer closes this connection; the server lives on.
    let _ = ws.send(Message::text("x".repeat(2 << 20))).await;
    assert!(!matches!(next(&mut ws).await, Next::Json(_)));
    let mut again = connect(app.addr, None).await;
    send(&mut again, json!({"type":"ping"})).await;
    assert_eq!(json(&mut again).await, json!({"type":"pong"}));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_refused_and_shutdown_sends_a_close_frame() {
    let ws = WsSettings { max_connections: 2, ..WsSettings::default() };
    let app = start(None, ApiSettings { ws, ..ApiSettings::default() }).await;
    let mut a = connect(app.addr, None).await;
    let b = connect(app.addr, None).await;
    assert_eq!(refused(app.addr, None, "").await, 503);
    drop(b);
    let addr = app.addr;
    harness::wait_for(Duration::from_secs(10), "a slot is free again", || async move {
        try_connect(addr, None, "").await.ok()
    })
    .await;
    send(&mut a, json!({"type":"ping"})).await;
    assert_eq!(json(&mut a).await, json!({"type":"pong"}));
    let (closed, ()) = tokio::join!(next(&mut a), app.shutdown());
    match closed {
        Next::Closed(code, reason) => {
            assert_eq!(code, 1001);
            assert!(reason.contains("shutting down"), "{reason}");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_live_client_and_reap_one_that_stopped_answering() {
    let ws = WsSettings { heartbeat: Duration::from_millis(200), ..WsSettings::default() };
    let app = start(None, ApiSettings { ws, ..ApiSettings::default() }).await;
    let mut live = connect(app.addr, None).await;
    subscribe(&mut live, json!({"type":"subscribe","topics":["*"]})).await;
    // Never read: its pongs are never sent (the client answers pings as it reads).
    let mut dead = connect(app.addr, None).await;
    subscribe(&mut dead, json!({"type":"subscribe","topics":["*"]})).await;
    assert_eq!(app.fanout.clients(), 2);
    // The live client reads (answering pings) through several heartbeats, until the silent
    // one is reaped.
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut pings = 0;
    while pings < 5 || app.fanout.clients() != 1 {
        assert!(tokio::time::Instant::now() < deadline, "the silent connection is reaped");
        let frame = tokio::time::timeout(Duration::from_secs(5), live.next()).await.unwrap();
        if let Some(Ok(tokio_tungstenite::tungstenite::Message::Ping(_))) = frame {
            pings += 1;
        }
    }
    send(&mut live, json!({"type":"ping"})).await;
    assert_eq!(json(&mut live).await, json!({"type":"pong"}));
    app.shutdown().await;
}
