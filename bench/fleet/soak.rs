//! Soak scenario: 2 simulated devices over real sshd, 7 probes each at 1–5 s intervals, for
//! a given duration; counts logins, unplanned session drops and failed commands.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use infrastructor_actors::bus::Bus;
use infrastructor_actors::command::Command;
use infrastructor_actors::device::{DeviceSpec, FleetSettings, ProbeSettings, Probes, ssh_options};
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::transport::{
    Output, SshOptions, SshStats, SshTransport, Transport, TransportError,
};
use ractor::Actor;

use crate::harness::SimDevice;

/// What one soak run counted.
pub struct SoakResult {
    pub devices: usize,
    pub window: Duration,
    pub commands: u64,
    pub failures: u64,
    /// Failures by error, e.g. `session: exec: ...` (first 80 characters).
    pub failure_kinds: BTreeMap<String, u64>,
    pub logins: u64,
    pub unplanned_drops: u64,
}

/// Counts the commands and failures of an SSH transport.
struct Counted {
    inner: Arc<SshTransport>,
    commands: Arc<AtomicU64>,
    failures: Arc<Mutex<BTreeMap<String, u64>>>,
}

#[async_trait::async_trait]
impl Transport for Counted {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        self.commands.fetch_add(1, Ordering::Relaxed);
        let result = self.inner.run(command).await;
        if let Err(e) = &result {
            let kind: String = e.to_string().chars().take(80).collect();
            *self.failures.lock().unwrap().entry(kind).or_default() += 1;
        }
        result
    }
    async fn connect(&self) -> Result<(), TransportError> {
        self.inner.connect().await
    }
    async fn disconnect(&self) {
        self.inner.disconnect().await
    }
    async fn ping(&self, within: Duration) -> Result<(), TransportError> {
        self.inner.ping(within).await
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// The 7 probes at 1–5 s intervals.
fn probes() -> Probes {
    let every = |s: u64| ProbeSettings { enabled: true, interval: Duration::from_secs(s) };
    Probes {
        containers: every(1),
        metrics: every(2),
        drives: every(3),
        zfs: every(4),
        arrays: every(5),
        vms: every(3),
        services: every(2),
        ..Probes::disabled()
    }
}

/// Runs 2 devices (each its own sshd) with [`probes`] for `window`.
pub async fn run(containers: usize, window: Duration) -> SoakResult {
    let devs: Vec<SimDevice> = (0..2).map(|i| SimDevice::start(&format!("soak{i}"))).collect();
    let (ps, stats) = crate::replay::synthetic_docker(containers);
    for d in &devs {
        d.set_docker_ps(&ps);
        d.set_docker_stats(&stats);
    }
    let specs: Vec<DeviceSpec> =
        devs.iter().map(|d| crate::harness::device_spec(d, probes())).collect();
    let ssh: Arc<Mutex<Vec<Arc<SshTransport>>>> = Arc::default();
    let commands = Arc::new(AtomicU64::new(0));
    let failures: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let mut args = FleetArgs::new(FleetSettings::default(), Bus::new(), specs);
    let (keep, c, f) = (ssh.clone(), commands.clone(), failures.clone());
    args.transports = Arc::new(move |spec: &DeviceSpec, settings: &FleetSettings, channels| {
        let opts = SshOptions { max_channels: channels, ..ssh_options(spec, settings) };
        let inner = Arc::new(SshTransport::new(opts));
        keep.lock().unwrap().push(inner.clone());
        Arc::new(Counted { inner, commands: c.clone(), failures: f.clone() }) as Arc<dyn Transport>
    });
    let started = Instant::now();
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.expect("fleet starts");
    tokio::time::sleep(window).await;
    let elapsed = started.elapsed();
    let _ = fleet.stop_and_wait(None, Some(Duration::from_secs(5))).await;
    let stats: Vec<SshStats> = ssh.lock().unwrap().iter().map(|t| t.stats()).collect();
    let failure_kinds = failures.lock().unwrap().clone();
    SoakResult {
        devices: devs.len(),
        window: elapsed,
        commands: commands.load(Ordering::Relaxed),
        failures: failure_kinds.values().sum(),
        failure_kinds,
        logins: stats.iter().map(|s| s.sessions_opened).sum(),
        unplanned_drops: stats.iter().map(SshStats::unplanned_drops).sum(),
    }
}
