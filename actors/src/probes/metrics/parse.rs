//! Parser for the `metrics` catalogue command: `@@stat`, `@@meminfo`, `@@loadavg`, `@@uptime`,
//! `@@netdev`, `@@diskstats`, `@@procs` and `@@df` sections, each the raw content of its
//! `/proc` file, the process count or `df -PB1`.

use chrono::{DateTime, Utc};

use super::df::{DfLine, parse_df_line};
use super::io::{parse_diskstats_line, parse_netdev_line};
use super::model::{CpuTimes, MetricsSample};
use crate::probes::Warning;
use crate::probes::sane::within;

/// A parsed `metrics` output: the sample (without `cpu_percent`, per-core usage and rates,
/// which need the previous poll) and the raw counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedMetrics {
    /// Everything but `cpu_percent`.
    pub sample: MetricsSample,
    /// The aggregate `cpu` line of `/proc/stat`, if present.
    pub cpu: Option<CpuTimes>,
    /// The `cpuN` lines of `/proc/stat`: core number and counters.
    pub cores: Vec<(u32, CpuTimes)>,
    /// Seconds since boot with the kernel's 1/100 s precision, the clock of every rate.
    pub uptime: Option<f64>,
    /// How many known `@@` sections were found (0 means the output is unusable).
    pub sections: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    None,
    Stat,
    Meminfo,
    Loadavg,
    Uptime,
    NetDev,
    DiskStats,
    Procs,
    Df,
    Unknown,
}

/// Parses the sectioned output of the `metrics` command.
pub fn parse_metrics(output: &str, _observed_at: DateTime<Utc>) -> (ParsedMetrics, Vec<Warning>) {
    let mut parsed = ParsedMetrics::default();
    let mut warnings = Vec::new();
    let mut section = Section::None;
    let mut mem = Meminfo::default();
    for (i, line) in output.lines().enumerate() {
        let n = i + 1;
        if let Some(name) = line.strip_prefix("@@") {
            section = match name.trim() {
                "stat" => Section::Stat,
                "meminfo" => Section::Meminfo,
                "loadavg" => Section::Loadavg,
                "uptime" => Section::Uptime,
                "netdev" => Section::NetDev,
                "diskstats" => Section::DiskStats,
                "procs" => Section::Procs,
                "df" => Section::Df,
                other => {
                    warnings.push(Warning::at(n, format!("unknown section `@@{other}`")));
                    Section::Unknown
                }
            };
            if section != Section::Unknown {
                parsed.sections += 1;
            }
            continue;
        }
        let s = &mut parsed.sample;
        match section {
            Section::Stat => {
                if line.starts_with("cpu ") {
                    parsed.cpu = parse_cpu_line(line);
                    if parsed.cpu.is_none() {
                        warnings.push(Warning::at(n, "unreadable aggregate cpu line"));
                    }
                } else if let Some(rest) = line.strip_prefix("cpu") {
                    let core = rest.split_whitespace().next().and_then(|c| c.parse::<u32>().ok());
                    match (core, parse_cpu_line(line)) {
                        (Some(core), Some(times)) => parsed.cores.push((core, times)),
                        _ => warnings.push(Warning::at(n, "unreadable per-core cpu line")),
                    }
                }
            }
            Section::Meminfo => mem.line(line),
            Section::Loadavg => {
                // A load average is a finite, non-negative number (`NaN`, `-1` are not).
                let mut it = line
                    .split_whitespace()
                    .map(|w| w.parse::<f64>().ok().and_then(|v| within(v, 0.0, f64::MAX)));
                (s.load1, s.load5, s.load15) =
                    (it.next().flatten(), it.next().flatten(), it.next().flatten());
                if s.load15.is_none() {
                    warnings.push(Warning::at(n, "unreadable /proc/loadavg"));
                }
            }
            Section::Uptime => {
                parsed.uptime = line
                    .split_whitespace()
                    .next()
                    .and_then(|w| w.parse::<f64>().ok())
                    .filter(|v| v.is_finite() && *v >= 0.0);
                s.uptime_secs = parsed.uptime.map(|v| v as u64);
                if s.uptime_secs.is_none() {
                    warnings.push(Warning::at(n, "unreadable /proc/uptime"));
                }
            }
            Section::NetDev => match parse_netdev_line(line) {
                Ok(Some(iface)) => s.network.push(iface),
                Ok(None) => {}
                Err(()) => warnings.push(Warning::at(n, "unreadable /proc/net/dev line")),
            },
            Section::DiskStats => match parse_diskstats_line(line) {
                Ok(Some(disk)) => s.disks.push(disk),
                Ok(None) => {}
                Err(()) => warnings.push(Warning::at(n, "unreadable /proc/diskstats line")),
            },
            Section::Procs => {
                s.process_count = line.trim().parse().ok();
                if s.process_count.is_none() {
                    warnings.push(Warning::at(n, "unreadable process count"));
                }
            }
            Section::Df => match parse_df_line(line) {
                DfLine::Real(fs) => s.filesystems.push(fs),
                DfLine::Skipped => {}
                DfLine::Unreadable => warnings.push(Warning::at(n, "unreadable df line")),
            },
            Section::None => warnings.push(Warning::at(n, "output before the first section")),
            Section::Unknown => {}
        }
    }
    mem.apply(&mut parsed.sample);
    (parsed, warnings)
}

/// `cpu  user nice system idle iowait irq softirq steal guest guest_nice` (older kernels have
/// fewer columns; at least user, nice, system and idle are required).
fn parse_cpu_line(line: &str) -> Option<CpuTimes> {
    let values: Vec<u64> =
        line.split_whitespace().skip(1).take(8).map(str::parse).collect::<Result<_, _>>().ok()?;
    let get = |i: usize| values.get(i).copied().unwrap_or(0);
    if values.len() < 4 {
        return None;
    }
    let idle = get(3).checked_add(get(4))?;
    let busy = [0, 1, 2, 5, 6, 7].iter().try_fold(0u64, |acc, &i| acc.checked_add(get(i)))?;
    Some(CpuTimes { busy, idle })
}

/// The `/proc/meminfo` fields we use, in kB.
#[derive(Default)]
struct Meminfo {
    total: Option<u64>,
    available: Option<u64>,
    free: Option<u64>,
    buffers: Option<u64>,
    cached: Option<u64>,
    swap_total: Option<u64>,
    swap_free: Option<u64>,
}

impl Meminfo {
    fn line(&mut self, line: &str) {
        let Some((key, rest)) = line.split_once(':') else { return };
        let kb = rest.split_whitespace().next().and_then(|v| v.parse::<u64>().ok());
        let slot = match key {
            "MemTotal" => &mut self.total,
            "MemAvailable" => &mut self.available,
            "MemFree" => &mut self.free,
            "Buffers" => &mut self.buffers,
            "Cached" => &mut self.cached,
            "SwapTotal" => &mut self.swap_total,
            "SwapFree" => &mut self.swap_free,
            _ => return,
        };
        *slot = kb;
    }

    fn apply(self, s: &mut MetricsSample) {
        let bytes = |kb: Option<u64>| kb.and_then(|v| v.checked_mul(1024));
        let fallback = || self.free?.checked_add(self.buffers?)?.checked_add(self.cached?);
        s.mem_total_bytes = bytes(self.total);
        s.mem_available_bytes = bytes(self.available.or_else(fallback));
        s.swap_total_bytes = bytes(self.swap_total);
        s.swap_free_bytes = bytes(self.swap_free);
        s.swap_used_bytes =
            s.swap_total_bytes.zip(s.swap_free_bytes).map(|(t, f)| t.saturating_sub(f));
    }
}
