//! Synthetic but realistic sample events for the writer bench: a host's metrics sample
//! (filesystems, interfaces, disks, sensors) and its containers sample, values drifting like
//! real ones: memory as a random walk, CPU as noise around a per-container level (most
//! containers of a homelab idle near 0 %, a few busy), network and block counters growing
//! monotonically at a per-container rate (block I/O in bursts), process counts that rarely
//! change.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::containers::{Container, Usage};
use infrastructor_actors::model::metrics::{
    DiskIo, Filesystem, MetricsSample, NetInterface, Temperature,
};

/// One container's drifting state.
struct Box {
    cpu_level: f64,
    mem: f64,
    rx: u64,
    tx: u64,
    rx_rate: u64,
    read: u64,
    write: u64,
    pids: u64,
}

/// A device's drifting state, so consecutive samples look like a real host's.
pub struct Host {
    /// Device name.
    pub name: String,
    rng: fastrand::Rng,
    cpu: f64,
    mem: f64,
    used: f64,
    boxes: Vec<Box>,
}

impl Host {
    /// Host number `i` with `containers` containers.
    pub fn new(i: usize, containers: usize) -> Self {
        let mut rng = fastrand::Rng::with_seed(i as u64);
        let boxes = (0..containers)
            .map(|c| Box {
                // One container in six is busy; the rest idle.
                cpu_level: if c % 6 == 0 { 5.0 + rng.f64() * 30.0 } else { rng.f64() * 0.5 },
                mem: 50e6 + rng.f64() * 500e6,
                rx: rng.u64(..1 << 30),
                tx: rng.u64(..1 << 30),
                rx_rate: if c % 6 == 0 { 100_000 + rng.u64(..1_000_000) } else { rng.u64(..2_000) },
                read: rng.u64(..1 << 32),
                write: rng.u64(..1 << 32),
                pids: 1 + rng.u64(..40),
            })
            .collect();
        Self { name: format!("host{i:04}"), rng, cpu: 20.0, mem: 8e9, used: 4e11, boxes }
    }

    fn walk(&mut self, v: f64, step: f64, lo: f64, hi: f64) -> f64 {
        (v + (self.rng.f64() - 0.5) * step).clamp(lo, hi)
    }

    /// The metrics sample at `at`.
    pub fn metrics(&mut self, at: DateTime<Utc>) -> Arc<Event> {
        self.cpu = self.walk(self.cpu, 10.0, 0.0, 100.0);
        self.mem = self.walk(self.mem, 1e8, 1e9, 15e9);
        self.used = self.walk(self.used, 1e8, 1e11, 9e11);
        let sample = MetricsSample {
            cpu_percent: Some(self.cpu),
            mem_total_bytes: Some(16_000_000_000),
            mem_available_bytes: Some(16_000_000_000 - self.mem as u64),
            swap_total_bytes: Some(2_000_000_000),
            swap_free_bytes: Some(1_900_000_000),
            swap_used_bytes: Some(100_000_000),
            load1: Some(self.cpu / 25.0),
            load5: Some(self.cpu / 30.0),
            load15: Some(self.cpu / 35.0),
            uptime_secs: Some(1_000_000),
            process_count: Some(300),
            filesystems: ["/", "/mnt/user", "/boot"]
                .iter()
                .map(|m| Filesystem {
                    source: format!("/dev/sd{}", m.len()),
                    mount: (*m).into(),
                    size_bytes: 1_000_000_000_000,
                    used_bytes: self.used as u64,
                    avail_bytes: 1_000_000_000_000 - self.used as u64,
                })
                .collect(),
            network: ["eth0", "docker0"]
                .iter()
                .map(|n| NetInterface {
                    name: (*n).into(),
                    rx_bytes_per_sec: Some(self.rng.f64() * 1e6),
                    tx_bytes_per_sec: Some(self.rng.f64() * 1e5),
                    ..Default::default()
                })
                .collect(),
            disks: ["sda", "sdb", "nvme0n1"]
                .iter()
                .map(|d| DiskIo {
                    name: (*d).into(),
                    read_bytes_per_sec: Some(self.rng.f64() * 1e7),
                    write_bytes_per_sec: Some(self.rng.f64() * 1e7),
                    ..Default::default()
                })
                .collect(),
            temperatures: vec![Temperature {
                chip: "coretemp-isa-0000".into(),
                label: "Package id 0".into(),
                celsius: 40.0 + self.cpu / 5.0,
                ..Default::default()
            }],
            ..Default::default()
        };
        Arc::new(Event::new(&self.name, at, EventKind::MetricsSampled { sample }))
    }

    /// The containers sample at `at` (30 s after the previous one).
    pub fn containers(&mut self, at: DateTime<Utc>) -> Arc<Event> {
        let rng = &mut self.rng;
        let containers = self
            .boxes
            .iter_mut()
            .enumerate()
            .map(|(c, b)| {
                b.mem = (b.mem + (rng.f64() - 0.5) * 2e6).max(10e6);
                b.rx += b.rx_rate * 30 / 2 + rng.u64(..=b.rx_rate * 30);
                b.tx += b.rx_rate * 30 / 8 + rng.u64(..=b.rx_rate * 8);
                if rng.u8(..10) == 0 {
                    b.read += rng.u64(..1 << 20);
                    b.write += rng.u64(..1 << 22);
                }
                if rng.u8(..50) == 0 {
                    b.pids = (b.pids + rng.u64(..3)).saturating_sub(1).max(1);
                }
                let cpu = (b.cpu_level * (0.5 + rng.f64())).min(100.0);
                Container {
                    id: format!("{:064x}", c + 1),
                    name: format!("app{c:02}"),
                    image: format!("ghcr.io/example/app{c:02}:latest"),
                    state: "running".into(),
                    status: "Up 3 days".into(),
                    created_at: "2026-11-20 10:00:00 +0000 UTC".into(),
                    usage: Usage {
                        cpu_percent: Some(cpu),
                        mem_usage_bytes: Some(b.mem as u64),
                        mem_limit_bytes: Some(16_000_000_000),
                        net_rx_bytes: Some(b.rx),
                        net_tx_bytes: Some(b.tx),
                        block_read_bytes: Some(b.read),
                        block_write_bytes: Some(b.write),
                        pids: Some(b.pids),
                    },
                    ..Default::default()
                }
            })
            .collect();
        Arc::new(Event::new(&self.name, at, EventKind::ContainerStatsSampled { containers }))
    }
}
