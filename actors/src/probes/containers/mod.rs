//! Containers probe: `docker ps -a` + one `docker stats` for all + one `docker inspect` of the
//! new or changed ones, diffed into change events.

mod diff;
mod inspect;
mod inspect_fast;
mod model;
mod parse;
mod restarts;
mod status;
mod units;

#[cfg(test)]
mod snapshot;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_inspect;

pub use diff::diff;
pub use inspect::{needs_inspect, parse_inspect};
pub use model::{Container, Inspect, Mount, Network, Usage};
pub use parse::{Stats, merge, parse_labels, parse_ps, parse_stats};
pub use restarts::{LOOP_RESTARTS, LOOP_WINDOW_SECS, RestartTracker};
pub use units::{parse_percent, parse_size, parse_size_pair};

use std::collections::HashMap;

use crate::command;
use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError, Warning};

/// Polls every container on a device and reports what changed since the previous poll.
#[derive(Debug, Default)]
pub struct ContainersProbe {
    /// The previous snapshot; `None` before the first successful poll.
    previous: Option<Vec<Container>>,
    /// Restart history per container, for restart-loop detection.
    restarts: RestartTracker,
}

#[async_trait::async_trait]
impl Probe for ContainersProbe {
    fn name(&self) -> &'static str {
        "containers"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("docker")
    }

    /// Returns `[ContainerStatsSampled, changes…]`; the first poll has no changes.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let ps = ctx.run_ok(&command::docker_ps()).await?;
        let (mut containers, warnings) = parse_ps(&ps.stdout, ctx.observed_at);
        log_warnings("docker_ps", &warnings);

        // `docker stats` only lists running containers; skip the round trip when there are none.
        if containers.iter().any(Container::is_running) {
            match ctx.run_ok(&command::docker_stats()).await {
                Ok(out) => {
                    let (stats, warnings) = parse_stats(&out.stdout, ctx.observed_at);
                    log_warnings("docker_stats", &warnings);
                    merge(&mut containers, stats);
                }
                // An unreachable device fails the poll; a failing `docker stats` only loses
                // the resource figures of this sample.
                Err(e @ ProbeError::Transport(_)) => return Err(e),
                Err(e) => tracing::warn!(probe = "containers", error = %e, "docker stats failed"),
            }
        }

        inspect_changed(ctx, self.previous.as_deref().unwrap_or_default(), &mut containers).await?;

        let changes = match &self.previous {
            Some(previous) => {
                let mut changes = diff(previous, &containers);
                let loops = self.restarts.observe(previous, &containers, &changes, ctx.observed_at);
                changes.extend(loops);
                changes
            }
            None => Vec::new(),
        };
        self.previous = Some(containers.clone());
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::ContainerStatsSampled { containers });
        events.extend(changes);
        Ok(events)
    }
}

/// Inspects the containers that are new or changed since `previous` (one batched call) and
/// carries the inspect data of the others over from `previous`. A failing `docker inspect`
/// only loses the inspect data of this poll; an unreachable device fails the poll.
async fn inspect_changed(
    ctx: &PollContext<'_>,
    previous: &[Container],
    containers: &mut [Container],
) -> Result<(), ProbeError> {
    let prev: HashMap<&str, &Container> = previous.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut wanted = Vec::new();
    for c in containers.iter_mut() {
        let before = prev.get(c.id.as_str()).copied();
        if needs_inspect(before, c) && command::valid_container_id(&c.id) {
            wanted.push(c.id.clone());
        }
        c.inspect = before.and_then(|p| p.inspect.clone());
    }
    let Some(cmd) = command::docker_inspect(&wanted) else { return Ok(()) };
    let out = ctx.run(&cmd).await?;
    // docker prints what it found and exits 1 if some id vanished in the meantime.
    let (mut found, warnings) = parse_inspect(&out.stdout, ctx.observed_at);
    log_warnings("docker_inspect", &warnings);
    if found.is_empty() && !out.success() {
        let error = super::first_line(&out.stderr);
        tracing::warn!(probe = "containers", status = out.status, %error, "docker inspect failed");
    }
    for c in containers.iter_mut() {
        if let Some(i) = found.remove(&c.id) {
            c.inspect = Some(i);
        }
    }
    Ok(())
}

fn log_warnings(command: &'static str, warnings: &[Warning]) {
    for w in warnings {
        tracing::warn!(probe = "containers", command, line = w.line, message = %w.message, "skipped output");
    }
}
