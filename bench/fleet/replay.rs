//! Replay scenario: N devices through the in-process replay transport, measuring the actors
//! and the bus without SSH.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{
    Auth, DeviceSpec, FleetSettings, ProbeSettings, Probes, TransportKind,
};
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::transport::{ReplayTransport, Transport};
use ractor::Actor;
use serde_json::Value;

use crate::measure::{cpu_time, rss_bytes};

/// What one replay run measured.
pub struct ReplayResult {
    pub devices: usize,
    pub containers: usize,
    pub window: Duration,
    pub events_per_sec: f64,
    pub polls: u64,
    pub cpu_percent: f64,
    pub rss_per_device: u64,
}

/// `n` containers in `docker ps` and `docker stats` JSON lines, derived from real captures.
pub fn synthetic_docker(n: usize) -> (String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let ps = std::fs::read_to_string(format!("{root}/tests/fixtures/docker/client-28.2/ps.jsonl"))
        .unwrap();
    let stats =
        std::fs::read_to_string(format!("{root}/tests/fixtures/docker/client-28.2/stats.jsonl"))
            .unwrap();
    let ps: Vec<Value> = ps.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let stats: Vec<Value> = stats.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let (mut ps_out, mut stats_out) = (String::new(), String::new());
    for i in 0..n {
        let mut p = ps[i % ps.len()].clone();
        let id = format!("{i:064x}");
        p["ID"] = Value::from(id.clone());
        p["Names"] = Value::from(format!("bench-{i}"));
        let running = p["State"].as_str() == Some("running");
        ps_out.push_str(&p.to_string());
        ps_out.push('\n');
        if running {
            let mut s = stats[i % stats.len()].clone();
            s["ID"] = Value::from(id);
            s["Container"] = Value::from(format!("{i:064x}"));
            s["Name"] = Value::from(format!("bench-{i}"));
            stats_out.push_str(&s.to_string());
            stats_out.push('\n');
        }
    }
    (ps_out, stats_out)
}

fn spec(i: usize, every: Duration) -> DeviceSpec {
    let off = ProbeSettings { enabled: false, interval: Duration::from_secs(3600) };
    DeviceSpec {
        name: format!("replay-{i}"),
        transport: TransportKind::Ssh,
        host: "replay".into(),
        port: 22,
        user: "bench".into(),
        auth: Auth::Agent,
        sudo: false,
        tags: vec![],
        known_hosts: "/dev/null".into(),
        probes: Probes {
            containers: ProbeSettings { enabled: true, interval: every },
            metrics: off,
            drives: off,
            ..Probes::disabled()
        },
        backups: Vec::new(),
    }
}

/// Runs `devices` replay devices polling `containers` containers every `every` for `window`,
/// with the alert engine judging every event when `alerts` is set.
pub async fn run(
    devices: usize,
    containers: usize,
    every: Duration,
    window: Duration,
    alerts: bool,
) -> ReplayResult {
    let (ps, stats) = synthetic_docker(containers);
    let transport = Arc::new(ReplayTransport::new(move |cmd| {
        Ok(ReplayTransport::ok(match cmd.name {
            "capabilities" => "Linux 6.1 bench\ndocker yes\n",
            "docker_ps" => ps.as_str(),
            "docker_stats" => stats.as_str(),
            _ => "",
        }))
    }));
    let bus = Bus::new();
    let mut rx = bus.subscribe_lossless("test", 65_536);
    let events = Arc::new(AtomicU64::new(0));
    let counter = events.clone();
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let engine = alerts.then(|| {
        infrastructor_actors::alerts::Alerts::spawn(
            &bus,
            &infrastructor_actors::state::Snapshot::default(),
            &[],
            infrastructor_actors::alerts::RuleSettings::default(),
        )
    });
    let rss_before = rss_bytes();
    let specs = (0..devices).map(|i| spec(i, every)).collect();
    let mut args = FleetArgs::new(FleetSettings::default(), bus, specs);
    let t = transport.clone();
    args.transports = Arc::new(move |_, _, _| t.clone() as Arc<dyn Transport>);
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.expect("fleet starts");
    // Let every device connect and poll once before measuring the steady state.
    let settle = Instant::now();
    while events.load(Ordering::Relaxed) < (devices * 3) as u64
        && settle.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // With alerts: let the first judgements' raises (one per failing container) pass, so
    // the window measures the steady state.
    if let Some(e) = &engine {
        let (mut last, mut still) = (usize::MAX, 0);
        while still < 4 && settle.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let open = e.view().open.len();
            still = if open == last { still + 1 } else { 0 };
            last = open;
        }
    }
    let (cpu0, ev0, calls0, t0) =
        (cpu_time(), events.load(Ordering::Relaxed), transport.calls(), Instant::now());
    tokio::time::sleep(window).await;
    let elapsed = t0.elapsed();
    let (cpu1, ev1, calls1) = (cpu_time(), events.load(Ordering::Relaxed), transport.calls());
    let rss_after = rss_bytes();
    let _ = fleet.stop_and_wait(None, Some(Duration::from_secs(5))).await;
    if let Some(e) = engine {
        e.stop(Duration::from_secs(1)).await;
    }
    ReplayResult {
        devices,
        containers,
        window: elapsed,
        events_per_sec: (ev1 - ev0) as f64 / elapsed.as_secs_f64(),
        polls: (calls1 - calls0) / 2,
        cpu_percent: 100.0 * (cpu1 - cpu0).as_secs_f64() / elapsed.as_secs_f64(),
        rss_per_device: rss_after.saturating_sub(rss_before) / devices.max(1) as u64,
    }
}
