//! CPU time by thread name: the server and the clients run on runtimes of their own (threads
//! named [`SERVER`] and [`CLIENT`]), so the server's share of the work can be told apart;
//! plus the CPU the rest of the machine used meanwhile (other processes share its cores).

use std::time::Duration;

/// Name of the server runtime's threads.
pub const SERVER: &str = "mcp-server";
/// Name of the client runtime's threads.
pub const CLIENT: &str = "mcp-client";

/// USER_HZ on Linux.
const HZ: u64 = 100;

/// utime + stime ticks of a `/proc/.../stat` line.
fn ticks(stat: &str) -> u64 {
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let at = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    at(11) + at(12)
}

/// CPU time so far of this process's threads whose name starts with `prefix`.
pub fn cpu_of(prefix: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Duration::ZERO };
    let mut total = 0;
    for t in tasks.flatten() {
        let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if name.starts_with(prefix) {
            total += ticks(&std::fs::read_to_string(t.path().join("stat")).unwrap_or_default());
        }
    }
    Duration::from_millis(total * 1000 / HZ)
}

/// Busy CPU time of the whole machine so far (every core, every process).
pub fn machine_busy() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = stat.lines().next().unwrap_or("");
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    let busy: u64 =
        v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum();
    Duration::from_millis(busy * 1000 / HZ)
}

/// CPU counters at one moment.
#[derive(Clone, Copy)]
pub struct Cpu {
    server: Duration,
    client: Duration,
    process: Duration,
    machine: Duration,
}

/// CPU used between two [`Cpu`] readings.
#[derive(Debug, Default, Clone, Copy)]
pub struct CpuUse {
    /// By the server's threads.
    pub server: Duration,
    /// By the clients' threads.
    pub client: Duration,
    /// By other processes (sshd, other builds on the machine…).
    pub others: Duration,
}

impl std::ops::AddAssign for CpuUse {
    fn add_assign(&mut self, o: CpuUse) {
        self.server += o.server;
        self.client += o.client;
        self.others += o.others;
    }
}

impl Cpu {
    /// The counters now.
    pub fn now() -> Self {
        Self {
            server: cpu_of(SERVER),
            client: cpu_of(CLIENT),
            process: crate::measure::cpu_time(),
            machine: machine_busy(),
        }
    }

    /// What was used since `self`.
    pub fn since(self) -> CpuUse {
        let n = Self::now();
        let process = n.process.saturating_sub(self.process);
        CpuUse {
            server: n.server.saturating_sub(self.server),
            client: n.client.saturating_sub(self.client),
            others: n.machine.saturating_sub(self.machine).saturating_sub(process),
        }
    }
}
