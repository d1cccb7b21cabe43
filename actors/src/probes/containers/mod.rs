//! Containers probe: `docker ps -a` + one `docker stats` for all, diffed into change events.

mod model;

pub use model::Container;

use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError};

/// Polls every container on a device and reports what changed since the previous poll.
#[derive(Debug, Default)]
pub struct ContainersProbe {
    /// The previous snapshot; `None` before the first successful poll.
    previous: Option<Vec<Container>>,
}

#[async_trait::async_trait]
impl Probe for ContainersProbe {
    fn name(&self) -> &'static str {
        "containers"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("docker")
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let _ = ctx;
        let containers: Vec<Container> = Vec::new();
        self.previous = Some(containers.clone());
        Ok(vec![EventKind::ContainerStatsSampled { containers }])
    }
}
