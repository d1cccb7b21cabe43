//! `bench/mcp`: the MCP server end to end (rmcp's own client over streamable HTTP against the
//! whole server, devices on real loopback sshd with docker shims replaying the client-20.10
//! fixture): cached tool calls at 1, 16 and 64 concurrent sessions, and a live
//! `list_containers` beside the same commands run over an SSH session of our own; prints a
//! table against the targets.
//!
//! `cargo bench --bench mcp -- [--quick] [--seconds 10] [--live-samples 50] [--devices 3]
//! [--clients 1,16,64] [--rate 2000]`
//!
//! Cached rows run back to back (the most the server does) at each client count, then paced
//! at `--rate` calls/s offered by the most clients together (latency at the target load).
//!
//! `--quick` is a smoke run: 2 s per concurrency level and 10 live samples.

mod cached;
#[path = "../../tests/harness/mod.rs"]
mod harness;
mod live;
#[allow(dead_code)]
#[path = "../fleet/measure.rs"]
mod measure;
mod summary;
mod table;
mod threads;

use std::time::Duration;

use harness::server::{count, every, serve_in};
use harness::{SimDevice, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;

/// The command line.
pub struct Args {
    /// Measured window per tool and concurrency level.
    pub seconds: u64,
    /// Sequential live calls (and raw runs) measured.
    pub live_samples: usize,
    /// Simulated devices (sshd each); clients spread over them.
    pub devices: usize,
    /// Concurrency levels of the cached scenario.
    pub clients: Vec<usize>,
    /// Calls per second the most clients offer together in the paced rows.
    pub rate: f64,
}

fn args() -> Args {
    let mut a =
        Args { seconds: 10, live_samples: 50, devices: 3, clients: vec![1, 16, 64], rate: 2000.0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| panic!("not a number: {v}"));
        match flag.as_str() {
            "--quick" => (a.seconds, a.live_samples) = (2, 10),
            "--seconds" => a.seconds = num(value()).max(1),
            "--live-samples" => a.live_samples = num(value()).max(1) as usize,
            "--devices" => a.devices = num(value()).max(1) as usize,
            "--clients" => {
                a.clients = value().split(',').map(|n| num(n.to_string()).max(1) as usize).collect()
            }
            "--rate" => a.rate = num(value()).max(1) as f64,
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// A device holding the client-20.10 capture: 13 containers, their stats and inspect data.
fn device(name: &str) -> SimDevice {
    let dev = SimDevice::start(name);
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    dev
}

/// A multi-threaded runtime of `threads` workers whose threads are named `name`.
fn runtime(name: &str, threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn main() {
    let a = args();
    // The server gets a runtime of its own (as in production, one worker per core), the
    // clients another, so each side's CPU can be read from its threads.
    let (server_rt, client_rt) = (runtime(threads::SERVER, 2), runtime(threads::CLIENT, 2));
    let devices: Vec<SimDevice> = (0..a.devices).map(|i| device(&format!("dev{i}"))).collect();
    // Polls once at start, then only when asked: background polls would blur both scenarios.
    let hourly = every(3_600_000);
    let probes = Probes { containers: hourly, metrics: hourly, ..Probes::disabled() };
    let specs = devices.iter().map(|d| harness::device_spec(d, probes)).collect();
    let data = tempfile::tempdir().expect("a temporary folder");
    let app = server_rt.block_on(async {
        let app = serve_in(specs, &HistoryOptions::new(data.path(), None)).await;
        wait_until(Duration::from_secs(60), "every device's first polls", || {
            devices.iter().all(|d| {
                count(&app, d.name(), "ContainerStatsSampled") >= 1
                    && count(&app, d.name(), "MetricsSampled") >= 1
            })
        })
        .await;
        app
    });

    let names: Vec<String> = devices.iter().map(|d| d.name().to_string()).collect();
    let window = Duration::from_secs(a.seconds);
    let mut rows = Vec::new();
    for load in cached::loads(&a.clients, a.rate) {
        let r = client_rt.block_on(cached::run(app.addr, load, &names, window));
        eprintln!(
            "{} × {} ({}): {} calls",
            load.tool.label,
            load.clients,
            load.conn.label(),
            r.calls
        );
        rows.push(r);
    }
    let live = client_rt.block_on(live::run(app.addr, &app.handle, &devices[0], a.live_samples));
    server_rt.block_on(app.shutdown());
    table::print(&a, &rows, &live);
}
