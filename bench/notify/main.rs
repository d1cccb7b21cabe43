//! `bench/notify`: alert latency against the issue's target, "an alert reaches the receiver
//! ≤ 1 s after the event that raised it". The whole server in this process on a SQLite store
//! with `[alerts.gotify]` pointing at a real HTTP receiver (`tests/harness/gotify.rs`), the
//! notifier's default timing. Synthetic `AlertRaised` events published on the bus, spaced
//! apart (`synthetic.rs`); the direct test message as the HTTP share; and, end to end, a
//! container going down and up again on a simulated sshd device (`device.rs`). Prints a
//! table: p50 / p99 / max, target, met?
//!
//! `cargo bench --bench notify -- [--quick] [--events 100] [--spacing-ms 300]
//! [--cycles 10] [--no-device]`; `--quick` is a smoke run (20 events, 3 cycles).

mod device;
#[path = "../../tests/harness/mod.rs"]
mod harness;
#[allow(dead_code)]
#[path = "../fleet/measure.rs"]
mod measure;
#[allow(dead_code)]
#[path = "../mcp/summary.rs"]
mod summary;
mod synthetic;

use std::time::Duration;

use chrono::{DateTime, Utc};
use harness::gotify::Gotify;
use harness::server::{TestServer, serve_opts};
use infrastructor::app::AppOptions;
use infrastructor::config::notify::NotifyTiming;
use infrastructor::config::{AlertSettings, NotifySettings};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::DeviceSpec;
use measure::ms;
use serde_json::Value;
use summary::Summary;

/// The receiver's application token.
pub const TOKEN: &str = "AbCdEf0123456789";
/// The target.
const TARGET: Duration = Duration::from_secs(1);

/// The command line.
pub struct Args {
    /// Synthetic alert events.
    pub events: usize,
    /// Between two synthetic events.
    pub spacing: Duration,
    /// Down/up cycles of the device's container (two messages each).
    pub cycles: usize,
    /// Whether the device scenario runs.
    pub device: bool,
}

fn args() -> Args {
    let mut a = Args { events: 100, spacing: Duration::from_millis(300), cycles: 10, device: true };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut num = || {
            it.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--quick" => (a.events, a.cycles) = (20, 3),
            "--events" => a.events = num().max(1) as usize,
            "--spacing-ms" => a.spacing = Duration::from_millis(num()),
            "--cycles" => a.cycles = num().max(1) as usize,
            "--no-device" => a.device = false,
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// Gotify at `g` with the default timing; the rate limit lifted above what a run sends (the
/// default, 30 an hour, would fold the excess into a digest, which is not latency).
pub fn notify(g: &Gotify) -> NotifySettings {
    NotifySettings {
        rate_limit_per_hour: 100_000,
        ..g.notify_settings(NotifyTiming::default().poll)
    }
}

/// The server on `data` (SQLite), notifying `g`, polling `devices`.
pub async fn start(data: &std::path::Path, g: &Gotify, devices: Vec<DeviceSpec>) -> TestServer {
    serve_opts(AppOptions {
        alerts: AlertSettings { notify: notify(g), ..AlertSettings::default() },
        listen: "127.0.0.1:0".parse().expect("an address"),
        devices,
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data.to_path_buf(), None)),
        api: Default::default(),
    })
    .await
}

/// When the receiver accepted message `m` (its `date`, stamped on arrival).
pub fn arrival(m: &Value) -> Option<DateTime<Utc>> {
    let date = m["date"].as_str()?;
    Some(DateTime::parse_from_rfc3339(date).ok()?.with_timezone(&Utc))
}

/// `to − from`, zero when negative.
pub fn since(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).to_std().unwrap_or_default()
}

/// One row: what, its latencies, and whether the target applies to it.
pub struct Row {
    /// The measure.
    pub what: String,
    /// Latencies.
    pub latency: Summary,
    /// Messages expected (what did not arrive within the deadline counts as missing).
    pub expected: usize,
    /// Whether it is judged against the target.
    pub judged: bool,
}

fn print(a: &Args, rows: &[Row], load_at_start: &str) {
    println!("## bench/notify\n");
    println!(
        "The whole server in one process (2 tokio workers) on a SQLite store, `[alerts.gotify]` \
         pointing at a real HTTP receiver on loopback implementing Gotify's `POST /message`; \
         the notifier's default timing (outbox poll 5 s, woken by the bus and then reading \
         the store every 50 ms until the event is stored; the store writer's batch linger \
         250 ms), the rate limit lifted. Latency is the receiver's arrival time minus the \
         event's `observed_at` (one wall clock, one process). {} synthetic `AlertRaised` \
         events {} ms apart; the device: a container on a simulated sshd device goes down and \
         up again {} times (containers probe every 1 s). {} cores; load average (1 min) {} at \
         the start, {} at the end.\n",
        a.events,
        a.spacing.as_millis(),
        a.cycles,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_at_start,
        load_average()
    );
    println!("| measure | messages | p50 / p99 / max | target | met? |");
    println!("|---|---:|---|---|---|");
    for r in rows {
        let l = &r.latency;
        let all = l.samples == r.expected;
        let (target, met) = if r.judged {
            let ok = all && l.max <= TARGET;
            ("≤ 1 s, every one", if ok { "yes" } else { "**no**" })
        } else {
            ("informational", "")
        };
        println!(
            "| {} | {} / {} | {} / {} / {} | {target} | {met} |",
            r.what,
            l.samples,
            r.expected,
            ms(l.p50),
            ms(l.p99),
            ms(l.max)
        );
    }
}

/// The machine's 1-minute load average, as text.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().next().unwrap_or("?").to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let load_at_start = load_average();
    let mut rows = synthetic::run(&a).await;
    if a.device {
        rows.extend(device::run(&a).await);
    }
    print(&a, &rows, &load_at_start);
}
