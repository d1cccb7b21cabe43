//! Drives probe: `smartctl --scan-open -j`, then `smartctl -j -a -n standby` per drive.

mod model;

pub use model::Drive;

use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError};

/// Polls SMART health of every drive without waking sleeping ones.
#[derive(Debug, Default)]
pub struct DrivesProbe {}

#[async_trait::async_trait]
impl Probe for DrivesProbe {
    fn name(&self) -> &'static str {
        "drives"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("smartctl")
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let _ = ctx;
        Ok(vec![EventKind::DriveHealthSampled { drives: Vec::new() }])
    }
}
