//! The live stream's delivery guarantees end to end (real WebSocket clients, the whole
//! server, a real sshd device, the SQLite store): a client that disconnects and resumes with
//! `since` while events keep flowing gets every event exactly once, in order, replay then
//! live (on SQLite and on PostgreSQL); a lagging client is told where to resume; a client
//! that stops reading is dropped while another keeps every event.

mod harness;
mod ws_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use harness::server::{count, every, fast_settings, serve_opts};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, WsSettings};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::{Event, EventKind};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use ws_support::{Next, connect, event, next, subscribe};

const SAMPLES: &str = "device.tower.ContainerStatsSampled";

/// Ids of the recorded (bus-order) events of `ty` on tower.
fn recorded_ids(app: &harness::server::TestServer, ty: &str) -> Vec<String> {
    app.all("tower").iter().filter(|e| e.type_name() == ty).map(|e| e.id.to_string()).collect()
}

fn id(ev: &Value) -> String {
    ev["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_client_gets_every_event_once_in_order_across_the_disconnect() {
    let data = tempfile::tempdir().unwrap();
    let db = harness::TestDb::create().await;
    for (engine, history) in harness::server::engines(data.path(), &db) {
        eprintln!("engine: {engine}");
        resume_case(history).await;
    }
}

async fn resume_case(history: HistoryOptions) {
    let dev = SimDevice::start("tower");
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    let probes = Probes { containers: every(150), ..Probes::disabled() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(&dev, probes)],
        fleet: fast_settings(),
        history: Some(history),
        api: ApiSettings::default(),
    })
    .await;

    let mut first = connect(app.addr, None).await;
    subscribe(&mut first, json!({"type":"subscribe","topics":[SAMPLES]})).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(id(&event(&mut first).await));
    }
    drop(first);
    // Events keep flowing while nobody listens.
    let at_drop = count(&app, "tower", "ContainerStatsSampled");
    wait_until(Duration::from_secs(20), "polls while disconnected", || {
        count(&app, "tower", "ContainerStatsSampled") >= at_drop + 6
    })
    .await;

    let mut second = connect(app.addr, None).await;
    let since = got.last().unwrap().clone();
    subscribe(&mut second, json!({"type":"subscribe","topics":[SAMPLES],"since":since})).await;
    // Replay (what was missed) then live: read on past what existed at the reconnect.
    let backlog = count(&app, "tower", "ContainerStatsSampled") - got.len();
    for _ in 0..backlog + 5 {
        got.push(id(&event(&mut second).await));
    }
    let recorded = recorded_ids(&app, "ContainerStatsSampled");
    let start = recorded.iter().position(|i| *i == got[0]).expect("the first event was recorded");
    assert_eq!(
        got,
        recorded[start..start + got.len()],
        "every event exactly once and in order, across the disconnect and the replay"
    );
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, got, "in id order");

    // A cursor the store does not hold is refused.
    let mut third = connect(app.addr, None).await;
    let unknown = "0190a4d0-0000-7000-8000-000000000000";
    ws_support::send(&mut third, json!({"type":"subscribe","topics":[SAMPLES],"since":unknown}))
        .await;
    let m = loop {
        let m = ws_support::json(&mut third).await;
        if m["type"] == "error" {
            break m;
        }
    };
    assert_eq!(m["code"], "unknown_cursor", "{m}");
    app.shutdown().await;
}

/// A client whose socket receive buffer is tiny and that never reads.
async fn stalled_client(addr: std::net::SocketAddr) -> ws_support::Ws {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/ws");
    let (ws, _) =
        tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_while_another_keeps_every_event() {
    let ws = WsSettings { queue: 64, ..WsSettings::default() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![],
        fleet: fast_settings(),
        history: None,
        api: ApiSettings { ws, ..ApiSettings::default() },
    })
    .await;
    let mut slow = stalled_client(app.addr).await;
    subscribe(&mut slow, json!({"type":"subscribe","topics":["*"]})).await;
    let mut fast = connect(app.addr, None).await;
    subscribe(&mut fast, json!({"type":"subscribe","topics":["*"]})).await;
    assert_eq!(app.fanout.clients(), 2);

    // The fast client reads on its own task, counting what it gets in order.
    let received = Arc::new(AtomicUsize::new(0));
    let seen = received.clone();
    let reader = tokio::spawn(async move {
        let mut ids = Vec::new();
        loop {
            match next(&mut fast).await {
                Next::Json(m) if m["type"] == "event" => {
                    ids.push(id(&m["event"]));
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                Next::Json(m) => panic!("the fast client got {m}"),
                _ => return (ids, fast),
            }
            if ids.len() == 2000 {
                return (ids, fast);
            }
        }
    });
    // 2,000 events of 8 KiB, in bursts the fast client keeps up with: the stalled one's
    // socket buffers fill, then its queue, then it is dropped.
    let big = "x".repeat(8192);
    let mut published = Vec::new();
    for burst in 0..40 {
        for _ in 0..50 {
            let kind = EventKind::ProbeFailed { probe: "flood".into(), error: big.clone() };
            let ev = app.bus.publish(Event::new("flood", chrono::Utc::now(), kind)).await;
            published.push(ev.id.to_string());
        }
        let want = (burst + 1) * 50;
        wait_until(Duration::from_secs(20), "the fast client keeps up", || {
            received.load(Ordering::SeqCst) >= want
        })
        .await;
    }
    let (ids, mut fast) = reader.await.unwrap();
    assert_eq!(ids, published, "the reading client got every event, in order");
    wait_until(Duration::from_secs(20), "the stalled client is dropped", || {
        app.fanout.clients() == 1
    })
    .await;

    // What the stalled client finally reads: some events, then the end (close or reset).
    let mut events = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(20), slow.next()).await.expect("in time") {
            Some(Ok(Message::Text(t))) => {
                let m: Value = serde_json::from_str(&t).unwrap();
                assert!(m["type"] == "event" || m["type"] == "lagged", "{}", m["type"]);
                events += 1;
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    assert!(events < 2000, "the stalled client was cut off ({events} messages)");
    ws_support::send(&mut fast, json!({"type":"ping"})).await;
    assert_eq!(ws_support::json(&mut fast).await, json!({"type":"pong"}));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_client_is_told_where_to_resume_and_the_replay_fills_the_gap() {
    let data = tempfile::tempdir().unwrap();
    let ws = WsSettings { queue: 16, ..WsSettings::default() };
    let app = serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![],
        fleet: fast_settings(),
        history: Some(HistoryOptions::new(data.path(), None)),
        api: ApiSettings { ws, ..ApiSettings::default() },
    })
    .await;
    let mut slow = stalled_client(app.addr).await;
    subscribe(&mut slow, json!({"type":"subscribe","topics":["device.flood.*"]})).await;
    // Publish until the fan-out has dropped three events for it (its socket and then its
    // queue full), then stop: it is behind, not beyond a queue's worth.
    let big = "x".repeat(8192);
    let mut published = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.fanout.dropped() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "the stalled client's queue fills");
        let kind = EventKind::ProbeFailed { probe: "flood".into(), error: big.clone() };
        published.push(app.bus.publish(Event::new("flood", chrono::Utc::now(), kind)).await.id);
        // One at a time: the fan-out has handled this one before the next is published.
        let handled = app.fanout.processed();
        while app.fanout.processed() < handled.max(published.len() as u64) {
            assert!(tokio::time::Instant::now() < deadline, "the fan-out keeps up");
            tokio::task::yield_now().await;
        }
    }
    let published: Vec<String> = published.iter().map(|i| i.to_string()).collect();
    // Reading now: every queued event, then one `lagged` naming the last one delivered.
    let mut delivered = Vec::new();
    let lag = loop {
        let m = ws_support::json(&mut slow).await;
        match m["type"].as_str() {
            Some("event") => delivered.push(id(&m["event"])),
            Some("lagged") => break m,
            _ => panic!("unexpected {m}"),
        }
    };
    assert_eq!(lag["missed"], app.fanout.dropped(), "{lag}");
    assert_eq!(lag["resume_from"].as_str(), delivered.last().map(String::as_str), "{lag}");
    assert_eq!(delivered, published[..delivered.len()], "in order up to the gap");
    let missed = lag["missed"].as_u64().unwrap() as usize;
    assert_eq!(delivered.len() + missed, published.len(), "the gap is the tail");
    // Still connected and live after the notice.
    ws_support::send(&mut slow, json!({"type":"ping"})).await;
    assert_eq!(ws_support::json(&mut slow).await, json!({"type":"pong"}));
    // A resume from `resume_from` delivers exactly what was missed.
    let mut again = connect(app.addr, None).await;
    let since = lag["resume_from"].clone();
    subscribe(&mut again, json!({"type":"subscribe","topics":["device.flood.*"],"since":since}))
        .await;
    let mut filled = Vec::new();
    for _ in 0..missed {
        filled.push(id(&event(&mut again).await));
    }
    assert_eq!(filled, published[delivered.len()..], "the replay fills the gap exactly");
    app.shutdown().await;
}
