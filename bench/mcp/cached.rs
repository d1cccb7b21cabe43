//! Cached tool calls: N rmcp clients, each its own over streamable HTTP, calling one
//! tool that answers from stored state back to back for a fixed window; every call's latency
//! as the client sees it (request out, answer parsed), the calls per second of all, and the
//! CPU the server spent per call.
//!
//! Back to back, N clients are a closed loop: the mean latency is N ÷ throughput (Little's
//! law), so those rows show the most the server does. Paced, the clients together offer a
//! fixed rate (each on its own schedule, staggered); a call's latency then counts from when
//! it was due, so a server falling behind shows in the figures (no coordinated omission).
//!
//! Three kinds of client, all rmcp's: over a keep-alive connection pool (as most MCP clients
//! connect), with rmcp's default HTTP client, which opens a new TCP connection for every
//! request (it turns pooling off), and with the stateless 2026-07-28 protocol (no session).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

use crate::harness::mcp;
use crate::summary::Summary;
use crate::threads::{Cpu, CpuUse};

/// How a client reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// rmcp's default HTTP client: a new TCP connection per request.
    PerCall,
    /// An HTTP client with a keep-alive connection pool.
    KeepAlive,
    /// The stateless 2026-07-28 protocol (`server/discover`, no session), kept alive.
    Stateless,
}

impl Conn {
    /// How the table names it.
    pub fn label(self) -> &'static str {
        match self {
            Conn::PerCall => "session, new connection per call",
            Conn::KeepAlive => "session, keep-alive",
            Conn::Stateless => "stateless 2026-07-28, keep-alive",
        }
    }
}

/// A client connected over `conn`.
pub async fn connect(addr: SocketAddr, conn: Conn) -> mcp::Client {
    match conn {
        Conn::PerCall => mcp::connect(addr, None).await,
        Conn::KeepAlive => mcp::connect_kept_alive(addr, None, false).await,
        Conn::Stateless => mcp::connect_kept_alive(addr, None, true).await,
    }
}

/// A tool called in the cached scenario.
pub struct Tool {
    /// The tool's name.
    pub name: &'static str,
    /// How the table names it.
    pub label: &'static str,
    /// The arguments for a device.
    args: fn(&str) -> Value,
    /// Whether the answer carries `source`, to check it is `cached`.
    has_source: bool,
}

/// The tools measured: two device reads from the last poll, and the fleet list.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "list_containers",
        label: "`list_containers` (refresh: false)",
        args: |d| json!({ "device": d, "refresh": false }),
        has_source: true,
    },
    Tool {
        name: "get_system_metrics",
        label: "`get_system_metrics` (refresh: false)",
        args: |d| json!({ "device": d, "refresh": false }),
        has_source: true,
    },
    Tool { name: "list_devices", label: "`list_devices`", args: |_| json!({}), has_source: false },
];

/// Every row: each tool back to back at each of `clients`, then paced at `rate` by the
/// largest number of clients; the first tool both ways (the difference is the cost of a TCP
/// connection per call) and statelessly, the others kept alive with sessions.
pub fn loads(clients: &[usize], rate: f64) -> Vec<Load> {
    let mut out = Vec::new();
    for (i, tool) in TOOLS.iter().enumerate() {
        let conns: &[Conn] = if i == 0 {
            &[Conn::KeepAlive, Conn::PerCall, Conn::Stateless]
        } else {
            &[Conn::KeepAlive]
        };
        for &conn in conns {
            for &n in clients {
                out.push(Load { tool, clients: n, conn, rate: None });
            }
            let most = clients.iter().copied().max().unwrap_or(1);
            out.push(Load { tool, clients: most, conn, rate: Some(rate) });
        }
    }
    out
}

/// One row of the scenario: what is called, by how many clients, how, at what rate.
#[derive(Clone, Copy)]
pub struct Load {
    /// The tool.
    pub tool: &'static Tool,
    /// Concurrent clients (sessions).
    pub clients: usize,
    /// How they connect.
    pub conn: Conn,
    /// Calls per second offered by all clients together; `None`: back to back.
    pub rate: Option<f64>,
}

/// What one [`Load`] measured.
pub struct CachedResult {
    /// What ran.
    pub load: Load,
    /// Bytes of one answer (the `CallToolResult` as JSON).
    pub answer_bytes: usize,
    /// Calls completed in the window.
    pub calls: usize,
    /// Calls that failed (protocol errors or tool errors).
    pub errors: usize,
    /// Latency of every call.
    pub latency: Summary,
    /// Completed calls per second of wall time.
    pub calls_per_sec: f64,
    /// The window's length.
    pub elapsed: Duration,
    /// CPU used in the window.
    pub cpu: CpuUse,
}

fn params(tool: &Tool, device: &str) -> CallToolRequestParams {
    let Value::Object(args) = (tool.args)(device) else { unreachable!("arguments are objects") };
    CallToolRequestParams::new(tool.name).with_arguments(args)
}

/// `load.clients` sessions calling `load.tool` (spread over `devices`) for `window`.
pub async fn run(
    addr: SocketAddr,
    load: Load,
    devices: &[String],
    window: Duration,
) -> CachedResult {
    let Load { tool, clients, conn, rate } = load;
    let (mut sessions, mut answer_bytes) = (Vec::with_capacity(clients), 0);
    for i in 0..clients {
        let client = connect(addr, conn).await;
        let p = params(tool, &devices[i % devices.len()]);
        // A first call outside the window checks the answer is what we mean to measure.
        let r = client.call_tool(p.clone()).await.expect("a warm-up call");
        answer_bytes = serde_json::to_vec(&r).map_or(0, |b| b.len());
        let v = mcp::ok(&r);
        if tool.has_source {
            assert_eq!(v["source"], "cached", "{}: {v}", tool.name);
        }
        sessions.push((client, p));
    }
    let (cpu0, start) = (Cpu::now(), Instant::now());
    let deadline = start + window;
    // Paced: each client calls every `clients / rate` seconds, client i offset by i / rate.
    let every = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
    let tasks: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, (client, p))| {
            let first = rate.map(|r| start + Duration::from_secs_f64(i as f64 / r));
            tokio::spawn(async move {
                let (mut samples, mut errors) = (Vec::new(), 0usize);
                let mut due = first;
                loop {
                    if let Some(at) = due {
                        tokio::time::sleep_until(at.into()).await;
                    }
                    let t = due.unwrap_or_else(Instant::now);
                    if t >= deadline {
                        break;
                    }
                    let r = client.call_tool(p.clone()).await;
                    samples.push(t.elapsed());
                    errors += usize::from(!matches!(r, Ok(ref r) if r.is_error != Some(true)));
                    due = due.zip(every).map(|(at, e)| at + e);
                }
                (client, samples, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    let mut clients_back = Vec::with_capacity(clients);
    for t in tasks {
        let (client, samples, e) = t.await.expect("a client task");
        all.extend(samples);
        errors += e;
        clients_back.push(client);
    }
    let (elapsed, cpu) = (start.elapsed(), cpu0.since());
    for c in clients_back {
        let _ = c.cancel().await;
    }
    CachedResult {
        load,
        answer_bytes,
        calls: all.len(),
        errors,
        calls_per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        elapsed,
        cpu,
        latency: Summary::of(all),
    }
}
