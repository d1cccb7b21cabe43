//! The client process: `N` WebSocket clients (tokio-tungstenite) with the mixed topics of
//! `mix.rs`, in a process of their own so the server's RSS counts no client socket. It is
//! the bench binary re-run with `--child ADDR CLIENTS DEVICES`, driven by lines on stdin:
//! `start` begins recording each event's delivery latency (receive time − `observed_at`,
//! which the publisher stamps just before publishing), `stop` answers with
//! `latency <events> <p50 µs> <p99 µs> <max µs>`; stdin's end ends the process. It prints
//! `ready` once every client is subscribed.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::mix;

/// What the clients record, shared.
#[derive(Default)]
struct Record {
    on: AtomicBool,
    micros: Mutex<Vec<u32>>,
}

#[derive(serde::Deserialize)]
struct Frame {
    #[serde(default)]
    event: Option<Stamp>,
}

#[derive(serde::Deserialize)]
struct Stamp {
    observed_at: DateTime<Utc>,
}

/// Runs the client process (`args`: address, clients, devices).
pub fn main(args: &[String]) {
    let parse = |i: usize| args.get(i).unwrap_or_else(|| panic!("--child ADDR CLIENTS DEVICES"));
    let addr: SocketAddr = parse(0).parse().expect("an address");
    let clients: usize = parse(1).parse().expect("a client count");
    let devices: usize = parse(2).parse().expect("a device count");
    let rt = crate::runtime("ws-clients", 2);
    let record = Arc::new(Record::default());
    rt.block_on(async move {
        // Connect in waves, so the listener's backlog is never the bottleneck.
        let mut tasks = Vec::with_capacity(clients);
        for wave in (0..clients).collect::<Vec<_>>().chunks(50) {
            let joined = futures::future::join_all(wave.iter().map(|&i| connect(addr, i, devices)));
            for ws in joined.await {
                tasks.push(tokio::spawn(read(ws, record.clone())));
            }
        }
        println!("ready");
        std::io::stdout().flush().ok();
        let stdin = tokio::task::spawn_blocking(move || commands(&record));
        let _ = stdin.await;
        for t in tasks {
            t.abort();
        }
    });
}

/// Connects client `i` and subscribes it, waiting for `subscribed`.
async fn connect(addr: SocketAddr, i: usize, devices: usize) -> crate::Ws {
    let url = format!("ws://{addr}/ws");
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .unwrap_or_else(|e| panic!("client {i} cannot connect: {e} (is `ulimit -n` too low?)"));
    let sub = serde_json::json!({"type":"subscribe","topics":[mix::topic(i, devices)]});
    ws.send(Message::text(sub.to_string())).await.expect("subscribe sent");
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains("\"subscribed\"") => return ws,
            Ok(Some(Ok(_))) => {}
            other => panic!("client {i}: no `subscribed` answer: {other:?}"),
        }
    }
}

/// Reads until the connection ends, recording latencies while asked to.
async fn read(mut ws: crate::Ws, record: Arc<Record>) {
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(text) = msg else { continue };
        if !record.on.load(Ordering::Relaxed) {
            continue;
        }
        let now = Utc::now();
        if let Ok(Frame { event: Some(stamp) }) = serde_json::from_str::<Frame>(&text) {
            let us = (now - stamp.observed_at).num_microseconds().unwrap_or(0).max(0);
            let us = u32::try_from(us).unwrap_or(u32::MAX);
            record.micros.lock().unwrap_or_else(|e| e.into_inner()).push(us);
        }
    }
}

/// Serves stdin's commands until it ends.
fn commands(record: &Record) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        match line.trim() {
            "start" => {
                record.micros.lock().unwrap_or_else(|e| e.into_inner()).clear();
                record.on.store(true, Ordering::SeqCst);
                println!("started");
            }
            "stop" => {
                record.on.store(false, Ordering::SeqCst);
                let mut all =
                    std::mem::take(&mut *record.micros.lock().unwrap_or_else(|e| e.into_inner()));
                all.sort_unstable();
                let at = |p: f64| {
                    let i = ((p / 100.0) * all.len().saturating_sub(1) as f64).round() as usize;
                    all.get(i).copied().unwrap_or(0)
                };
                let max = all.last().copied().unwrap_or(0);
                println!("latency {} {} {} {max}", all.len(), at(50.0), at(99.0));
            }
            other => eprintln!("child: unknown command {other:?}"),
        }
        std::io::stdout().flush().ok();
    }
}
