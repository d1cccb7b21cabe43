//! The `/ws` contract: the committed JSON Schemas (`schema/contracts/ws/`) are the ones the
//! Rust message types give (`UPDATE_SNAPSHOTS=1` accepts a change), the AsyncAPI 3 document
//! (`schema/contracts/asyncapi.json`) is well-formed and refers to exactly those schemas,
//! its examples and the README's example frames match them, and real frames from a live
//! session against the whole server (a real sshd device) validate, while a frame missing a
//! required field is rejected.

mod harness;
#[path = "ws_support/schemas.rs"]
mod schemas;
mod ws_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use harness::SimDevice;
use harness::server::{every, fast_settings, serve_opts};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, WsSettings};
use infrastructor::ws::contract::{self, MessageSchema};
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::{Event, EventKind};
use schemas::{Schemas, name, read_json, readme_frames, repo};
use serde_json::{Value, json};
use ws_support::{Ws, connect, json as next_json, send};

const ASYNCAPI: &str = "schema/contracts/asyncapi.json";

#[test]
fn the_committed_schemas_are_the_ones_the_message_types_give() {
    let dir = repo().join(contract::DIR);
    let generated = contract::message_schemas();
    let on_disk = || -> BTreeSet<String> {
        let entries = std::fs::read_dir(&dir).into_iter().flatten().flatten();
        let names = entries.map(|e| e.file_name().to_string_lossy().into_owned());
        names.filter(|n| n.ends_with(".schema.json")).collect()
    };
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for stale in on_disk() {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for m in &generated {
            std::fs::write(dir.join(m.file_name()), m.text()).unwrap();
        }
    }
    let names: Vec<String> = generated.iter().map(name).collect();
    let expected = [
        "client.auth",
        "client.subscribe",
        "client.unsubscribe",
        "client.ping",
        "server.event",
        "server.subscribed",
        "server.lagged",
        "server.error",
        "server.pong",
    ];
    assert_eq!(names, expected, "one schema per message of the protocol");
    let outdated: Vec<String> = generated
        .iter()
        .filter(|m| std::fs::read_to_string(dir.join(m.file_name())).ok() != Some(m.text()))
        .map(MessageSchema::file_name)
        .collect();
    let files: BTreeSet<String> = generated.iter().map(MessageSchema::file_name).collect();
    let extra: Vec<String> = on_disk().difference(&files).cloned().collect();
    assert!(
        outdated.is_empty() && extra.is_empty(),
        "{} is out of date (changed: {outdated:?}, not generated: {extra:?}); rerun with \
         UPDATE_SNAPSHOTS=1 and review",
        contract::DIR
    );
}

/// The value at a local `$ref` (`#/a/b`).
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Every `$ref` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|x| refs(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

fn ref_of(v: &Value) -> &str {
    v["$ref"].as_str().unwrap_or_else(|| panic!("expected a $ref, got {v}"))
}

#[test]
fn the_asyncapi_document_is_well_formed_and_refers_to_every_schema() {
    let doc = read_json(&repo().join(ASYNCAPI));
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let servers = doc["servers"].as_object().expect("servers");
    assert!(!servers.is_empty());
    for (key, server) in servers {
        assert!(server["host"].is_string(), "server {key} has a host");
        assert!(matches!(server["protocol"].as_str(), Some("ws" | "wss")), "server {key}");
        let security = server["security"].as_array().expect("the server's security");
        let schemes: Vec<&str> = security.iter().map(ref_of).collect();
        let kinds: Vec<Value> =
            schemes.iter().map(|r| resolve(&doc, r).expect(r)["type"].clone()).collect();
        assert_eq!(kinds, [json!("http"), json!("httpApiKey")], "bearer and ?token=");
    }
    // Every local reference resolves; the others are the message schema files.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    let (local, files): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|r| r.starts_with('#'));
    for r in &local {
        assert!(resolve(&doc, r).is_some(), "{r} does not resolve");
    }
    // Each component message's payload is its schema file, and every file is referred to.
    let messages = doc["components"]["messages"].as_object().expect("components.messages");
    let generated = contract::message_schemas();
    let keys: BTreeSet<String> = messages.keys().cloned().collect();
    assert_eq!(keys, generated.iter().map(name).collect::<BTreeSet<_>>(), "a message per schema");
    for m in &generated {
        let payload = ref_of(&messages[&name(m)]["payload"]);
        assert_eq!(payload, format!("./ws/{}", m.file_name()), "{}'s payload", name(m));
        assert!(repo().join("schema/contracts").join(payload).is_file(), "{payload} exists");
    }
    let files: BTreeSet<String> = files.into_iter().collect();
    assert_eq!(files.len(), generated.len(), "each schema file referred to once: {files:?}");
    // One channel at /ws carrying every message.
    let channels = doc["channels"].as_object().expect("channels");
    assert_eq!(channels.len(), 1);
    let (channel_key, channel) = channels.iter().next().unwrap();
    assert_eq!(channel["address"], "/ws");
    let carried: BTreeSet<String> = channel["messages"]
        .as_object()
        .expect("the channel's messages")
        .iter()
        .map(|(k, m)| {
            assert_eq!(ref_of(m), format!("#/components/messages/{k}"));
            k.clone()
        })
        .collect();
    assert_eq!(carried, keys, "the channel carries every message");
    // The server receives the client's messages and sends its own, all through the channel.
    let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, op) in doc["operations"].as_object().expect("operations") {
        let action = op["action"].as_str().unwrap_or_default();
        assert!(matches!(action, "send" | "receive"), "operation {key}: {action}");
        assert_eq!(ref_of(&op["channel"]), format!("#/channels/{channel_key}"), "{key}");
        for m in op["messages"].as_array().expect("an operation's messages") {
            let prefix = format!("#/channels/{channel_key}/messages/");
            let msg = ref_of(m).strip_prefix(&prefix).expect("a message of its channel");
            assert!(carried.contains(msg), "{key} sends or receives {msg}");
            by_action.entry(action.into()).or_default().insert(msg.into());
        }
    }
    let of = |side: &str| -> BTreeSet<String> {
        generated.iter().filter(|m| m.side.as_str() == side).map(name).collect()
    };
    assert_eq!(by_action.get("receive"), Some(&of("client")));
    assert_eq!(by_action.get("send"), Some(&of("server")));
}

#[test]
fn the_examples_and_the_readme_frames_match_the_schemas() {
    let schemas = Schemas::load();
    let doc = read_json(&repo().join(ASYNCAPI));
    let mut examples: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (key, m) in doc["components"]["messages"].as_object().unwrap() {
        let list = m["examples"].as_array().expect("every message has examples");
        assert!(!list.is_empty(), "{key} has an example");
        for ex in list {
            let (side, kind) = key.split_once('.').unwrap();
            assert_eq!(ex["payload"]["type"], kind, "{key}'s example");
            schemas.assert_valid(side, &ex["payload"]);
            examples.entry(key.clone()).or_default().push(ex["payload"].clone());
        }
    }
    let frames = readme_frames();
    let kinds: BTreeSet<String> =
        frames.iter().map(|(s, f)| format!("{s}.{}", f["type"].as_str().unwrap())).collect();
    assert_eq!(kinds.len(), 9, "the README shows every message: {kinds:?}");
    for (side, frame) in &frames {
        schemas.assert_valid(side, frame);
        let key = format!("{side}.{}", frame["type"].as_str().unwrap());
        assert!(examples[&key].contains(frame), "{frame} is among {key}'s AsyncAPI examples");
    }
}

#[test]
fn frames_missing_a_field_or_with_a_stray_one_are_rejected() {
    let s = Schemas::load();
    s.assert_invalid("client", &json!({"type":"subscribe"}));
    s.assert_invalid("client", &json!({"type":"subscribe","topics":["*"],"extra":1}));
    s.assert_invalid("client", &json!({"type":"subscribe","topics":["*"],"since":"nope"}));
    s.assert_invalid("client", &json!({"type":"auth"}));
    s.assert_invalid("client", &json!({"type":"launch"}));
    s.assert_invalid("server", &json!({"type":"subscribed","topics":[]}));
    s.assert_invalid("server", &json!({"type":"error","message":"no code"}));
    s.assert_invalid("server", &json!({"type":"error","code":"made_up","message":"x"}));
    s.assert_invalid("server", &json!({"type":"lagged","resume_from":null}));
    let event = json!({"type":"event","event":{"id":"01a232b8-51bd-77f2-8de2-fd7afa27853a",
        "device":"tower","observed_at":"2026-12-01T17:47:50Z","type":"DeviceOnline"}});
    s.assert_valid("server", &event);
    for field in ["id", "device", "observed_at", "type"] {
        let mut cut = event.clone();
        cut["event"].as_object_mut().unwrap().remove(field);
        s.assert_invalid("server", &cut);
    }
    let mut unknown = event.clone();
    unknown["event"]["type"] = "Exploded".into();
    s.assert_invalid("server", &unknown);
}

/// A client whose socket takes little, so the server's queue for it fills.
async fn stalled_client(addr: std::net::SocketAddr) -> Ws {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let plain = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    tokio_tungstenite::client_async(format!("ws://{addr}/ws"), plain).await.unwrap().0
}

/// The next frame that is not an event, checking and collecting the events before it.
async fn answer(ws: &mut Ws, s: &Schemas, seen: &mut Vec<Value>) -> Value {
    loop {
        let m = next_json(ws).await;
        s.assert_valid("server", &m);
        seen.push(m.clone());
        if m["type"] != "event" {
            return m;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_from_a_live_session_match_the_schemas() {
    let s = Schemas::load();
    let dev = SimDevice::start("tower");
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    let ws = WsSettings { queue: 16, ..WsSettings::default() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(&dev, probes)],
        fleet: fast_settings(),
        history: None,
        api: ApiSettings { ws, ..ApiSettings::default() },
    })
    .await;
    let mut seen = Vec::new();
    let mut ws = connect(app.addr, None).await;
    // The README's client frames, each valid and each answered. Without tokens `auth` is
    // refused as already done, and without history a `since` is `unavailable`.
    let mut answers = Vec::new();
    for (_, frame) in readme_frames().into_iter().filter(|(side, _)| *side == "client") {
        s.assert_valid("client", &frame);
        send(&mut ws, frame).await;
        let m = answer(&mut ws, &s, &mut seen).await;
        answers.push(format!(
            "{} {}",
            m["type"].as_str().unwrap(),
            m["code"].as_str().unwrap_or("")
        ));
    }
    let expected = [
        "error bad_message",
        "subscribed ",
        "subscribed ",
        "error unavailable",
        "subscribed ",
        "pong ",
    ];
    assert_eq!(answers, expected);
    send(&mut ws, json!({"type":"subscribe","topics":["device.tower.Exploded"]})).await;
    assert_eq!(answer(&mut ws, &s, &mut seen).await["code"], "bad_topic");
    // `*` with samples is still subscribed: the device's polls arrive.
    while seen.iter().filter(|m| m["type"] == "event").count() < 3 {
        seen.push(next_json(&mut ws).await);
        s.assert_valid("server", seen.last().unwrap());
    }
    drop(ws);
    harness::wait_until(Duration::from_secs(10), "the client left", || app.fanout.clients() == 0)
        .await;

    // A client that reads too slowly gets `lagged`.
    let mut slow = stalled_client(app.addr).await;
    send(&mut slow, json!({"type":"subscribe","topics":["device.flood.*"]})).await;
    assert_eq!(answer(&mut slow, &s, &mut seen).await["type"], "subscribed");
    let big = "x".repeat(8192);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut published = 0;
    while app.fanout.dropped() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "the stalled client's queue fills");
        let kind = EventKind::ProbeFailed { probe: "flood".into(), error: big.clone() };
        app.bus.publish(Event::new("flood", chrono::Utc::now(), kind)).await;
        published += 1;
        while app.fanout.processed() < published {
            assert!(tokio::time::Instant::now() < deadline, "the fan-out keeps up");
            tokio::task::yield_now().await;
        }
    }
    assert_eq!(answer(&mut slow, &s, &mut seen).await["type"], "lagged");

    let kinds: BTreeSet<&str> = seen.iter().filter_map(|m| m["type"].as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["error", "event", "lagged", "pong", "subscribed"]));
    // The same real frames, each missing a required field, are rejected.
    for (kind, path, field) in [
        ("event", "/event", "id"),
        ("event", "/event", "observed_at"),
        ("subscribed", "", "topics"),
        ("error", "", "code"),
        ("lagged", "", "missed"),
    ] {
        let mut frame = seen.iter().find(|m| m["type"] == kind).unwrap().clone();
        frame.pointer_mut(path).unwrap().as_object_mut().unwrap().remove(field);
        s.assert_invalid("server", &frame);
    }
    app.shutdown().await;
}
