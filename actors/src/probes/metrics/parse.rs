//! Parser for the `metrics` catalogue command: `stat`, `meminfo`, `loadavg`, `uptime`,
//! `netdev`, `diskstats`, `procs` and `df` sections, each the raw content of its `/proc` file,
//! the process count or `df -PB1`.

use chrono::{DateTime, Utc};

use super::df::{DfLine, parse_df_line};
use super::io::{parse_diskstats_line, parse_netdev_line};
use crate::model::metrics::MetricsSample;
use crate::probes::sane::within;
use crate::probes::{Warning, sections};

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
    /// How many known sections were found.
    pub sections: usize,
    /// Why the output cannot be used as a sample, if it cannot: a section is missing (cut
    /// short), mostly unreadable, or a figure every Linux has (cpu, memory, load, uptime,
    /// processes) could not be read.
    pub unusable: Option<String>,
}

/// A `cpu` line of `/proc/stat` (aggregate or one core), in clock ticks (guest time is already included in
/// user/nice, so it is not added again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Ticks spent doing anything but idling or waiting for I/O.
    pub busy: u64,
    /// Ticks spent idle or waiting for I/O.
    pub idle: u64,
}

impl CpuTimes {
    /// Busy percentage between `previous` and `self`; `None` if no time passed or the
    /// counters went backwards.
    pub fn percent_since(&self, previous: &CpuTimes) -> Option<f64> {
        let busy = self.busy.checked_sub(previous.busy)?;
        let idle = self.idle.checked_sub(previous.idle)?;
        let total = busy.checked_add(idle)?;
        (total > 0).then(|| busy as f64 * 100.0 / total as f64)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Stat,
    Meminfo,
    Loadavg,
    Uptime,
    NetDev,
    DiskStats,
    Procs,
    Df,
}

/// Parses the sectioned output of the `metrics` command, whose markers carry `nonce`.
pub fn parse_metrics(
    output: &str,
    nonce: &str,
    _observed_at: DateTime<Utc>,
) -> (ParsedMetrics, Vec<Warning>) {
    let mut parsed = ParsedMetrics::default();
    let mut warnings = Vec::new();
    let mut mem = Meminfo::default();
    let sections = sections::split_noting_preamble(output, nonce, &mut warnings);
    for sec in &sections {
        let section = match sec.name {
            "stat" => Section::Stat,
            "meminfo" => Section::Meminfo,
            "loadavg" => Section::Loadavg,
            "uptime" => Section::Uptime,
            "netdev" => Section::NetDev,
            "diskstats" => Section::DiskStats,
            "procs" => Section::Procs,
            "df" => Section::Df,
            other => {
                let at = sec.first_line - 1;
                warnings.push(Warning::at(at, format!("unknown section `{other}`")));
                continue;
            }
        };
        parsed.sections += 1;
        for (i, line) in sec.lines.iter().copied().enumerate() {
            let n = sec.first_line + i;
            parse_line(section, line, n, &mut parsed, &mut mem, &mut warnings);
        }
    }
    mem.apply(&mut parsed.sample);
    parsed.unusable = unusable(&sections, &parsed, &warnings);
    (parsed, warnings)
}

fn unusable(
    sections: &[sections::Section<'_>],
    parsed: &ParsedMetrics,
    warnings: &[Warning],
) -> Option<String> {
    if let Some(why) = sections::check(sections, crate::command::METRICS_SECTIONS, warnings) {
        return Some(why);
    }
    let s = &parsed.sample;
    let missing = [
        (parsed.cpu.is_none(), "the aggregate cpu line of `stat`"),
        (s.mem_total_bytes.is_none(), "MemTotal in `meminfo`"),
        (s.load15.is_none(), "`loadavg`"),
        (parsed.uptime.is_none(), "`uptime`"),
        (s.process_count.is_none(), "the process count of `procs`"),
    ];
    missing.iter().find(|(gone, _)| *gone).map(|(_, what)| format!("no readable {what}"))
}

/// One body line of `section` (line `n` of the whole output).
fn parse_line(
    section: Section,
    line: &str,
    n: usize,
    parsed: &mut ParsedMetrics,
    mem: &mut Meminfo,
    warnings: &mut Vec<Warning>,
) {
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
            } else if !is_counter_line(line) {
                warnings.push(Warning::at(n, "expected `name number…`"));
            }
        }
        Section::Meminfo => {
            if !mem.line(line) {
                warnings.push(Warning::at(n, "expected `Key: value [kB]`"));
            }
        }
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
    }
}

/// Another `/proc/stat` line: `intr 1 2…`, `ctxt 5`, `btime 1700000000`, `procs_running 2`.
fn is_counter_line(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let name = words.next().unwrap_or_default();
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && words.next().is_some_and(|w| w.parse::<u64>().is_ok())
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
    /// Reads one line; `false` when it is not `Key: value [kB]`.
    fn line(&mut self, line: &str) -> bool {
        let Some((key, rest)) = line.split_once(':') else { return false };
        let kb = rest.split_whitespace().next().and_then(|v| v.parse::<u64>().ok());
        if kb.is_none() || key.is_empty() || key.contains(char::is_whitespace) {
            return false;
        }
        let slot = match key {
            "MemTotal" => &mut self.total,
            "MemAvailable" => &mut self.available,
            "MemFree" => &mut self.free,
            "Buffers" => &mut self.buffers,
            "Cached" => &mut self.cached,
            "SwapTotal" => &mut self.swap_total,
            "SwapFree" => &mut self.swap_free,
            _ => return true,
        };
        *slot = kb;
        true
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
