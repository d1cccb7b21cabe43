//! Metrics probe: CPU, memory, load, uptime and filesystems from `/proc` and `df`.

mod df;
mod model;
mod parse;

#[cfg(test)]
mod tests;

pub use model::{CpuTimes, Filesystem, MetricsSample};
pub use parse::{ParsedMetrics, parse_metrics};

use crate::command;
use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError};

/// Samples system metrics; keeps the previous CPU counters to compute CPU % from their delta.
#[derive(Debug, Default)]
pub struct MetricsProbe {
    /// The aggregate `/proc/stat` counters of the previous poll; `None` before the first one.
    previous_cpu: Option<CpuTimes>,
}

#[async_trait::async_trait]
impl Probe for MetricsProbe {
    fn name(&self) -> &'static str {
        "metrics"
    }

    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    /// Returns `[MetricsSampled]`; `cpu_percent` is `None` on the first poll.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let out = ctx.run_ok(&command::metrics()).await?;
        let (parsed, warnings) = parse_metrics(&out.stdout, ctx.observed_at);
        for w in &warnings {
            tracing::warn!(probe = "metrics", line = w.line, message = %w.message, "skipped output");
        }
        if parsed.sections == 0 {
            return Err(ProbeError::Output {
                command: "metrics",
                detail: "no `@@` section in the output".into(),
            });
        }
        let mut sample = parsed.sample;
        sample.cpu_percent = match (&self.previous_cpu, &parsed.cpu) {
            (Some(previous), Some(current)) => current.percent_since(previous),
            _ => None,
        };
        // Keep the last good counters: a poll without a cpu line does not reset the baseline.
        if parsed.cpu.is_some() {
            self.previous_cpu = parsed.cpu;
        }
        Ok(vec![EventKind::MetricsSampled { sample }])
    }
}
