//! Metrics probe: CPU (overall and per core), memory and swap, load, uptime, processes,
//! network and disk rates and filesystems from `/proc` and `df` in one round trip, plus
//! temperatures from `sensors -j` where lm-sensors is installed.

mod df;
mod io;
mod parse;
mod sensors;

#[cfg(test)]
mod tests;

pub use parse::{CpuTimes, parse_metrics};
pub use sensors::parse_sensors;

use crate::command;
use crate::events::EventKind;
use crate::model::metrics::{CoreUsage, DiskIo, MetricsSample, NetInterface, Temperature};
use crate::transport::TransportError;

use super::{PollContext, PollWarnings, Probe, ProbeError};

/// What `sensors -j` gave so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum SensorsState {
    /// Not run yet, or it gave readings: run it every poll.
    #[default]
    Unknown,
    /// lm-sensors is not installed (exit 127) or found no chip (exit 1 with `{ }`): skipped,
    /// and asked again after [`SENSORS_RECHECK`] polls (it may have been a package upgrade, a
    /// module still loading), counting the polls skipped so far.
    Absent(u32),
}

/// Polls between two checks of absent sensors (an hour at the default 5 min interval).
const SENSORS_RECHECK: u32 = 12;

/// The counters of the previous poll, kept for CPU % and rates.
#[derive(Debug, Default)]
struct Previous {
    cpu: Option<CpuTimes>,
    cores: Vec<(u32, CpuTimes)>,
    uptime: Option<f64>,
    network: Vec<NetInterface>,
    disks: Vec<DiskIo>,
}

/// Samples system metrics; keeps the previous counters to compute CPU % and rates.
#[derive(Debug, Default)]
pub struct MetricsProbe {
    /// The counters of the previous poll; `None` before the first one.
    previous: Option<Previous>,
    /// Whether `sensors -j` is worth running.
    sensors: SensorsState,
    /// The last `sensors` failure logged, so a failing tool is logged once, not every poll.
    sensors_error: Option<String>,
}

#[async_trait::async_trait]
impl Probe for MetricsProbe {
    fn name(&self) -> &'static str {
        "metrics"
    }

    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    /// Returns `[MetricsSampled]`; `cpu_percent`, `cpu_cores` and rates are empty on the first
    /// poll.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let cmd = command::metrics();
        let out = ctx.run_ok(&cmd).await?;
        let (parsed, warnings) = parse_metrics(&out.stdout, cmd.section_nonce(), ctx.observed_at);
        let mut log = PollWarnings::new("metrics");
        log.add("metrics", &out.stdout, &warnings);
        log.log();
        if let Some(detail) = parsed.unusable {
            return Err(ProbeError::Output { command: "metrics", detail });
        }
        let mut sample = parsed.sample;
        if let Some(previous) = &self.previous {
            apply_deltas(&mut sample, &parsed.cpu, &parsed.cores, parsed.uptime, previous);
        }
        let previous = self.previous.get_or_insert_with(Previous::default);
        // Keep the last good counters: a poll without a cpu line does not reset the baseline.
        if parsed.cpu.is_some() {
            previous.cpu = parsed.cpu;
            previous.cores = parsed.cores;
        }
        if parsed.uptime.is_some() {
            previous.uptime = parsed.uptime;
            previous.network = sample.network.clone();
            previous.disks = sample.disks.clone();
        }
        sample.temperatures = self.temperatures(ctx).await?;
        Ok(vec![EventKind::MetricsSampled { sample }])
    }
}

impl MetricsProbe {
    /// Runs `sensors -j` unless it is known to be absent. Its failures never fail the poll
    /// (only an unreachable device does) and are logged once per distinct error.
    async fn temperatures(
        &mut self,
        ctx: &PollContext<'_>,
    ) -> Result<Vec<Temperature>, ProbeError> {
        if let SensorsState::Absent(skipped) = &mut self.sensors {
            *skipped += 1;
            if *skipped < SENSORS_RECHECK {
                return Ok(Vec::new());
            }
        }
        let out = match ctx.run(&command::sensors()).await {
            Ok(out) => out,
            Err(e) if !matches!(e, TransportError::Timeout { .. }) && !e.device_answered() => {
                return Err(e.into());
            }
            Err(e) => {
                self.log_sensors_error(e.to_string());
                return Ok(Vec::new());
            }
        };
        let (temps, warnings) = parse_sensors(&out.stdout, ctx.observed_at);
        match out.status {
            // Not installed, or installed without any sensor chip (`{ }` and exit 1): asking
            // again will not change the answer. Anything else (a hung I²C read killed by
            // `timeout`, a sudo failure) is logged and retried next poll.
            127 => self.sensors = SensorsState::Absent(0),
            0 | 1 if temps.is_empty() && warnings.is_empty() && is_empty_object(&out.stdout) => {
                self.sensors = SensorsState::Absent(0)
            }
            0 => {
                self.sensors = SensorsState::Unknown;
                self.sensors_error = None
            }
            status => self.log_sensors_error(format!("`sensors -j` exited with status {status}")),
        }
        if let Some(w) = warnings.first() {
            self.log_sensors_error(w.message.clone());
        }
        Ok(temps)
    }

    fn log_sensors_error(&mut self, error: String) {
        if self.sensors_error.as_ref() != Some(&error) {
            tracing::warn!(probe = "metrics", command = "sensors", %error, "no temperatures");
            self.sensors_error = Some(error);
        }
    }
}

/// Whether `sensors -j` printed an empty JSON object (no chips).
fn is_empty_object(stdout: &str) -> bool {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(stdout)
        .is_ok_and(|m| m.is_empty())
}

/// CPU %, per-core usage and rates from the counters of the previous poll.
fn apply_deltas(
    sample: &mut MetricsSample,
    cpu: &Option<CpuTimes>,
    cores: &[(u32, CpuTimes)],
    uptime: Option<f64>,
    previous: &Previous,
) {
    // Counters restart at boot: after a reboot (uptime went down) no delta means anything.
    if matches!((previous.uptime, uptime), (Some(before), Some(now)) if now < before) {
        return;
    }
    if let (Some(before), Some(now)) = (&previous.cpu, cpu) {
        sample.cpu_percent = now.percent_since(before);
        sample.cpu_cores = cores
            .iter()
            .filter_map(|(core, now)| {
                let (_, before) = previous.cores.iter().find(|(c, _)| c == core)?;
                Some(CoreUsage { core: *core, percent: now.percent_since(before)? })
            })
            .collect();
    }
    if let (Some(before), Some(now)) = (previous.uptime, uptime) {
        let secs = now - before;
        io::net_rates(&mut sample.network, &previous.network, secs);
        io::disk_rates(&mut sample.disks, &previous.disks, secs);
    }
}
