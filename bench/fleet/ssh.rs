//! SSH scenario: command latency on a reused session and on fresh connections, and a fleet
//! of devices polling through real sshd sessions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use infrastructor_actors::bus::Bus;
use infrastructor_actors::command;
use infrastructor_actors::device::{
    DeviceSpec, FleetSettings, ProbeSettings, Probes, TransportKind,
};
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::transport::{SshOptions, SshTransport, Transport};
use ractor::Actor;

use crate::harness::SimDevice;
use crate::measure::{cpu_time, percentile, rss_bytes, rss_of};

/// Latency figures of one way of running a command.
pub struct Latency {
    pub label: &'static str,
    pub samples: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub cpu_per_cmd: Duration,
}

/// What the SSH fleet run measured.
pub struct SshFleetResult {
    pub devices: usize,
    pub online: usize,
    pub window: Duration,
    pub events_per_sec: f64,
    pub cpu_percent: f64,
    /// This process: (RSS once every device is online − RSS before the fleet) / devices.
    pub rss_online_per_device: u64,
    /// This process: (RSS after the measured window − RSS before the fleet) / devices.
    pub rss_warm_per_device: u64,
    /// The device side: RSS of the sshd process tree (its per-connection children) / devices.
    pub sshd_rss_per_device: u64,
}

fn options(dev: &SimDevice) -> SshOptions {
    crate::harness::ssh_options(dev)
}

impl Latency {
    /// Runs `one` `n` times in a row and records wall time per run and CPU per run.
    pub async fn measure<F, Fut>(label: &'static str, n: usize, mut one: F) -> Latency
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut samples = Vec::with_capacity(n);
        let cpu0 = cpu_time();
        for _ in 0..n {
            let start = Instant::now();
            one().await;
            samples.push(start.elapsed());
        }
        let cpu_per_cmd = (cpu_time() - cpu0) / n.max(1) as u32;
        let (p50, p99) = (percentile(&mut samples, 50.0), percentile(&mut samples, 99.0));
        Latency { label, samples: n, p50, p99, cpu_per_cmd }
    }
}

/// `n` commands one after another on one session.
pub async fn reused(dev: &SimDevice, n: usize) -> Latency {
    let t = SshTransport::new(options(dev));
    t.run(&command::noop()).await.expect("warm-up command");
    Latency::measure("reused session", n, || async {
        t.run(&command::noop()).await.expect("noop");
    })
    .await
}

/// `n` fresh connections (TCP + handshake + host key + auth) each running one command.
pub async fn fresh(dev: &SimDevice, n: usize) -> Latency {
    Latency::measure("fresh connection", n, || async {
        let t = SshTransport::new(options(dev));
        t.run(&command::noop()).await.expect("noop on a fresh connection");
    })
    .await
}

/// `devices` devices (one session each to the simulated device) polling containers every
/// `every` for `window`.
pub async fn fleet(
    dev: &SimDevice,
    devices: usize,
    every: Duration,
    window: Duration,
) -> SshFleetResult {
    let bus = Bus::new();
    let mut rx = bus.subscribe_lossless("test", 65_536);
    let (events, online) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (ev, on) = (events.clone(), online.clone());
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            ev.fetch_add(1, Ordering::Relaxed);
            if e.type_name() == "DeviceOnline" {
                on.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let o = options(dev);
    let off = ProbeSettings { enabled: false, interval: Duration::from_secs(3600) };
    let specs = (0..devices)
        .map(|i| DeviceSpec {
            name: format!("ssh-{i}"),
            transport: TransportKind::Ssh,
            host: o.host.clone(),
            port: o.port,
            user: o.user.clone(),
            auth: o.auth.clone(),
            sudo: false,
            tags: vec![],
            known_hosts: o.known_hosts.clone(),
            probes: Probes {
                containers: ProbeSettings { enabled: true, interval: every },
                metrics: off,
                drives: off,
                ..Probes::disabled()
            },
            backups: Vec::new(),
        })
        .collect();
    let (rss0, sshd0) = (rss_bytes(), dev.sshd().pid().map_or(0, tree_rss_bytes));
    let settings = FleetSettings {
        reconnect_min: Duration::from_millis(200),
        reconnect_max: Duration::from_secs(2),
        ..Default::default()
    };
    let (fleet, _) =
        Actor::spawn(None, Fleet, FleetArgs::new(settings, bus, specs)).await.expect("fleet");
    let settle = Instant::now();
    while online.load(Ordering::Relaxed) < devices as u64
        && settle.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_online = rss_bytes();
    let (cpu0, ev0, t0) = (cpu_time(), events.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(window).await;
    let elapsed = t0.elapsed();
    let (cpu1, ev1) = (cpu_time(), events.load(Ordering::Relaxed));
    let (rss1, sshd1) = (rss_bytes(), dev.sshd().pid().map_or(0, tree_rss_bytes));
    let _ = fleet.stop_and_wait(None, Some(Duration::from_secs(5))).await;
    SshFleetResult {
        devices,
        online: online.load(Ordering::Relaxed) as usize,
        window: elapsed,
        events_per_sec: (ev1 - ev0) as f64 / elapsed.as_secs_f64(),
        cpu_percent: 100.0 * (cpu1 - cpu0).as_secs_f64() / elapsed.as_secs_f64(),
        rss_online_per_device: rss_online.saturating_sub(rss0) / devices.max(1) as u64,
        rss_warm_per_device: rss1.saturating_sub(rss0) / devices.max(1) as u64,
        sshd_rss_per_device: sshd1.saturating_sub(sshd0) / devices.max(1) as u64,
    }
}

/// Summed resident set size of process `root` and all its descendants, in bytes.
fn tree_rss_bytes(root: u32) -> u64 {
    let mut pids = crate::harness::sshd::descendants(root);
    pids.push(root);
    pids.iter().map(|p| rss_of(&p.to_string())).sum()
}
