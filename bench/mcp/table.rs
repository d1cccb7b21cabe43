//! Latency summaries and the result table, with each figure against the targets:
//! cached p99 ≤ 10 ms and ≥ 2,000 calls/s at 64 clients; a live read ≤ 1.5× the raw
//! commands it runs.

use std::time::Duration;

use crate::Args;
use crate::cached::CachedResult;
use crate::live::{LiveResult, Way};
use crate::measure::ms;

/// Cached p99 target at 64 clients.
const CACHED_P99: Duration = Duration::from_millis(10);
/// Cached throughput target at 64 clients.
const CACHED_RATE: f64 = 2_000.0;
/// Concurrency the cached targets apply at.
const TARGET_CLIENTS: usize = 64;
/// Live overhead target: live p50 ÷ raw p50.
const LIVE_RATIO: f64 = 1.5;

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// Percent of one core that `d` is of `window`.
fn pct(d: Duration, window: Duration) -> f64 {
    100.0 * d.as_secs_f64() / window.as_secs_f64().max(1e-9)
}

/// Prints the table (markdown) with a paragraph of context.
pub fn print(a: &Args, cached: &[CachedResult], live: &LiveResult) {
    println!("## bench/mcp\n");
    println!(
        "{} devices on loopback sshd (docker client-20.10 fixture: 13 containers); cached: {} s \
         per row, every client its own (a session, or the stateless protocol), back to back or \
         paced; live: {} sequential calls. Server and clients in one process on runtimes of their own (2 workers each) \
         on a {}-core machine; CPU is % of one core over the row's window, \"other\" being \
         every other process (sshd, anything else running).\n",
        a.devices,
        a.seconds,
        a.live_samples,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| scenario | clients | calls | errors | p50 | p99 | max | calls/s | server CPU per call | CPU server / clients / other | target | result |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for r in cached {
        let (l, load) = (&r.latency, &r.load);
        let (how, target, ok) = match load.rate {
            None => ("back to back".to_string(), "≥ 2,000 calls/s", r.calls_per_sec >= CACHED_RATE),
            Some(rate) => (
                format!("paced at {rate:.0} calls/s"),
                "p99 ≤ 10 ms at 2,000 calls/s",
                l.p99 <= CACHED_P99 && rate >= CACHED_RATE && r.calls_per_sec >= 0.98 * rate,
            ),
        };
        let (target, result) = match (load.clients == TARGET_CLIENTS, r.errors == 0) {
            (true, errors_free) => (target, verdict(ok && errors_free)),
            (false, true) => ("", ""),
            (false, false) => ("", "FAIL (errors)"),
        };
        let per_call = r.cpu.server.as_secs_f64() * 1e6 / r.calls.max(1) as f64;
        let (w, c) = (r.elapsed, &r.cpu);
        println!(
            "| cached {}, {}, {how} | {} | {} | {} | {} | {} | {} | {:.0} | {per_call:.0} µs | {:.0} / {:.0} / {:.0} % | {target} | {result} |",
            load.tool.label,
            load.conn.label(),
            load.clients,
            r.calls,
            r.errors,
            ms(l.p50),
            ms(l.p99),
            ms(l.max),
            r.calls_per_sec,
            pct(c.server, w),
            pct(c.client, w),
            pct(c.others, w),
        );
    }
    let cmds: Vec<String> = live.commands.iter().map(|(name, k)| format!("{k} × {name}")).collect();
    let cmds = cmds.join(", ");
    let row = |what: &str, w: &Way, server_side: bool| {
        let s = &w.latency;
        let rate = s.samples as f64 / s.total.as_secs_f64().max(1e-9);
        let (p50, p99, max) = (ms(s.p50), ms(s.p99), ms(s.max));
        let per_call = if server_side {
            format!("{:.0} µs", w.cpu.server.as_secs_f64() * 1e6 / s.samples.max(1) as f64)
        } else {
            String::new()
        };
        let (c, t) = (&w.cpu, s.total);
        println!(
            "| {what} | 1 | {} | 0 | {p50} | {p99} | {max} | {rate:.1} | {per_call} | {:.0} / {:.0} / {:.0} % | | |",
            s.samples,
            pct(c.server, t),
            pct(c.client, t),
            pct(c.others, t)
        );
    };
    row("live `list_containers` (refresh: true), session, keep-alive", &live.live, true);
    row("the same poll through `FleetHandle::poll_now` (no MCP)", &live.poll_now, true);
    row(
        "raw: each poll's commands through `SshTransport`, one reused session",
        &live.transport,
        false,
    );
    row("bare lines on plain channels, one reused session (reference)", &live.bare, false);
    let ratio = |a: &Way, b: &Way| {
        let (a, b) = (&a.latency, &b.latency);
        (
            a.p50.as_secs_f64() / b.p50.as_secs_f64().max(1e-9),
            a.p99.as_secs_f64() / b.p99.as_secs_f64().max(1e-9),
        )
    };
    let (p50, p99) = ratio(&live.live, &live.transport);
    println!(
        "| live ÷ raw (`SshTransport`) | | | | {p50:.2}× | {p99:.2}× | | | | | p50 ≤ 1.5× | {} |",
        verdict(p50 <= LIVE_RATIO)
    );
    let (b50, b99) = ratio(&live.live, &live.bare);
    println!("| live ÷ bare lines (reference) | | | | {b50:.2}× | {b99:.2}× | | | | | | |");
    println!("\nCommands the {} measured polls ran: {cmds}.", live.live.latency.samples);
    let mut sizes: Vec<String> = Vec::new();
    for r in cached {
        let s = format!("{} {:.1} KiB", r.load.tool.name, r.answer_bytes as f64 / 1024.0);
        if !sizes.contains(&s) {
            sizes.push(s);
        }
    }
    println!("Answer sizes (one `CallToolResult` as JSON): {}.", sizes.join(", "));
}
