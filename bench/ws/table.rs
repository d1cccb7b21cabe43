//! The result table (markdown: measure | result | target | met?) with a paragraph of
//! context.

use std::time::Duration;

use crate::load::Paced;
use crate::rest::RestResult;
use crate::{Args, REST_CLIENTS, REST_PATH};

/// Delivery p99 target at the full load.
const DELIVERY_P99: Duration = Duration::from_millis(50);
/// Memory per idle client target.
const IDLE_CLIENT: f64 = 64.0 * 1024.0;
/// REST p99 target at 64 readers.
const REST_P99: Duration = Duration::from_millis(10);
/// The lossless path counts as not slowed when, with the clients, it still takes every
/// event at the offered rate and its p99 lag stays under a tenth of the store writer's own
/// 250 ms batch linger (what the writer adds anyway).
const LOSSLESS_P99: Duration = Duration::from_millis(25);

/// Delivery latencies as the client process reported them.
pub struct Latency {
    /// Events received while recording.
    pub events: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Latency {
    /// Parses `latency <events> <p50 µs> <p99 µs> <max µs>`.
    pub fn parse(line: &str) -> Self {
        let n: Vec<u64> = line.split_whitespace().skip(1).filter_map(|w| w.parse().ok()).collect();
        let at = |i: usize| n.get(i).copied().unwrap_or(0);
        Self {
            events: at(0) as usize,
            p50: Duration::from_micros(at(1)),
            p99: Duration::from_micros(at(2)),
            max: Duration::from_micros(at(3)),
        }
    }
}

/// Everything measured.
pub struct Figures<'a> {
    /// The command line.
    pub args: &'a Args,
    /// Delivery to the clients during the loaded run.
    pub latency: Latency,
    /// Deliveries the topics call for during the loaded run.
    pub expected: usize,
    /// Events the fan-out dropped for slow clients during the loaded run.
    pub dropped: u64,
    /// The paced run with no client.
    pub alone: Paced,
    /// The paced run with every client.
    pub loaded: Paced,
    /// The back-to-back run with no client.
    pub alone_burst: Duration,
    /// The back-to-back run with every client.
    pub loaded_burst: Duration,
    /// The server's RSS before the clients connected.
    pub rss_before: u64,
    /// The server's RSS with every client connected, subscribed and idle.
    pub rss_idle: u64,
    /// The REST row.
    pub rest: RestResult,
    /// The machine's 1-minute load average when the bench started.
    pub load_at_start: String,
}

/// The machine's 1-minute load average (`/proc/loadavg`), as text.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().next().unwrap_or("?").to_string()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn met(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

/// Prints the table.
pub fn print(f: &Figures<'_>) {
    let a = f.args;
    println!("## bench/ws\n");
    println!(
        "The whole server in one process (2 tokio workers; no device: synthetic \
         `ContainerStarted`/`ContainerDied` events over {} device names published on its bus), \
         {} WebSocket clients in a child process (2 workers): 90 % `device.<name>.*`, 9 % \
         `device.*.ContainerDied`, 1 % `*`. Paced runs publish {} events/s for {} s in \
         batches every 10 ms; latency is the client's receive time minus the event's \
         `observed_at`, stamped just before publishing. {} cores; load average (1 min, \
         every process on the machine) {} at the start, {} at the end.\n",
        a.devices,
        a.clients,
        a.rate,
        a.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        f.load_at_start,
        load_average()
    );
    println!("| measure | result | target | met? |");
    println!("|---|---|---|---|");
    let l = &f.latency;
    let delivered = l.events as f64 / f.expected.max(1) as f64 * 100.0;
    println!(
        "| delivery latency, {} clients at {:.0} events/s: p50 / p99 / max | {} / {} / {} | p99 ≤ 50 ms | {} |",
        a.clients,
        f.loaded.rate,
        ms(l.p50),
        ms(l.p99),
        ms(l.max),
        met(l.p99 <= DELIVERY_P99)
    );
    println!(
        "| deliveries received / called for by the topics (dropped for slow clients) | {} / {} ({delivered:.1} %; {} dropped) | every one | {} |",
        l.events,
        f.expected,
        f.dropped,
        met(l.events == f.expected && f.dropped == 0)
    );
    let (s0, s1) = (&f.alone.lossless, &f.loaded.lossless);
    let ratio = s1.p99.as_secs_f64() / s0.p99.as_secs_f64().max(1e-9);
    let kept = f.loaded.rate >= 0.98 * a.rate as f64 && s1.samples as u64 == f.loaded.published;
    println!(
        "| lossless subscriber lag at {} events/s, p50 / p99: 0 clients | {} / {} | | |",
        a.rate,
        ms(s0.p50),
        ms(s0.p99)
    );
    println!(
        "| lossless subscriber lag at {} events/s, p50 / p99: {} clients (p99 ratio) | {} / {} ({ratio:.2}×) | every event at the offered rate, p99 ≤ 25 ms | {} |",
        a.rate,
        a.clients,
        ms(s1.p50),
        ms(s1.p99),
        met(kept && s1.p99 <= LOSSLESS_P99)
    );
    let cpu = |p: &Paced| 100.0 * p.cpu.as_secs_f64() / p.elapsed.as_secs_f64().max(1e-9);
    println!(
        "| server process CPU during the paced run: 0 clients / {} clients (% of one core) | {:.0} % / {:.0} % | | |",
        a.clients,
        cpu(&f.alone),
        cpu(&f.loaded)
    );
    let per_sec = |d: Duration| a.burst as f64 / d.as_secs_f64().max(1e-9);
    let slower = f.loaded_burst.as_secs_f64() / f.alone_burst.as_secs_f64().max(1e-9);
    println!(
        "| lossless path, {} events back to back: 0 clients / {} clients (ratio) | {:.0} / {:.0} events/s ({slower:.2}× the time) | informational (shares 2 cores with the clients) | |",
        a.burst,
        a.clients,
        per_sec(f.alone_burst),
        per_sec(f.loaded_burst)
    );
    let delta = f.rss_idle.saturating_sub(f.rss_before) as f64;
    let per_client = delta / a.clients as f64;
    println!(
        "| server RSS per idle client ({} clients: {:.1} → {:.1} MiB) | {:.1} KiB | ≤ 64 KiB | {} |",
        a.clients,
        f.rss_before as f64 / 1048576.0,
        f.rss_idle as f64 / 1048576.0,
        per_client / 1024.0,
        met(per_client <= IDLE_CLIENT)
    );
    let r = &f.rest;
    println!(
        "| REST `GET {REST_PATH}` ({} devices known; {:.1} KiB answer), {REST_CLIENTS} concurrent clients: p50 / p99 / max ({:.0} req/s, {} errors) | {} / {} / {} | p99 ≤ 10 ms | {} |",
        a.devices,
        r.body as f64 / 1024.0,
        r.rate,
        r.errors,
        ms(r.latency.p50),
        ms(r.latency.p99),
        ms(r.latency.max),
        met(r.latency.p99 <= REST_P99 && r.errors == 0)
    );
}
