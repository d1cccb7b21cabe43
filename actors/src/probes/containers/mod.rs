//! Containers probe: `docker ps -a` + one `docker stats` for all + `docker inspect` (batched)
//! of the new or changed ones, diffed into change events.

mod diff;
mod inspect;
mod inspect_fast;
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
#[cfg(test)]
mod tests_restarts;

pub use diff::diff;
pub use inspect::{needs_inspect, parse_inspect};
pub use parse::{merge, parse_ps, parse_stats};
pub use restarts::RestartTracker;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::command;
use crate::events::EventKind;
use crate::model::containers::Container;

use super::sections::Section;
use super::{PollContext, PollWarnings, Probe, ProbeError};

/// Polls every container on a device and reports what changed since the previous poll.
#[derive(Debug, Default)]
pub struct ContainersProbe {
    /// The previous snapshot; `None` before the first successful poll.
    previous: Option<Vec<Container>>,
    /// When the previous snapshot was taken.
    previous_at: Option<DateTime<Utc>>,
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

    /// The restart-loop history is not in a sample: it starts afresh.
    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::ContainerStatsSampled { containers } = &last.kind {
            self.previous = Some(containers.clone());
            self.previous_at = Some(last.observed_at);
        }
    }

    /// Returns `[ContainerStatsSampled, changes…]`; the first poll has no changes. A failed
    /// poll (unreachable, a failing or mostly unreadable `docker ps`, a failing `docker
    /// inspect` batch) changes nothing: the next one is compared with the last good snapshot.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let mut log = PollWarnings::new("containers");
        let result = self.sample(ctx, &mut log).await;
        log.log();
        let containers = result?;

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
        self.previous_at = Some(ctx.observed_at);
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::ContainerStatsSampled { containers });
        events.extend(changes);
        Ok(events)
    }
}

impl ContainersProbe {
    /// This poll's snapshot: `docker ps`, `docker stats` and the `docker inspect` batches.
    async fn sample(
        &self,
        ctx: &PollContext<'_>,
        log: &mut PollWarnings,
    ) -> Result<Vec<Container>, ProbeError> {
        let previous = self.previous.as_deref().unwrap_or_default();
        let ps = ctx.run_ok(&command::docker_ps()).await?;
        let (mut containers, warnings) = parse_ps(&ps.stdout, ctx.observed_at);
        log.add("docker_ps", &ps.stdout, &warnings);
        if let Some(detail) = Section::whole("docker_ps", &ps.stdout).mostly_unreadable(&warnings) {
            return Err(ProbeError::Output { command: "docker_ps", detail });
        }
        if !warnings.is_empty() {
            // An unreadable line hides which container it was: none is reported removed from
            // this snapshot (a real removal shows at the next readable poll).
            let seen: HashSet<String> = containers.iter().map(|c| c.id.clone()).collect();
            containers.extend(previous.iter().filter(|c| !seen.contains(&c.id)).cloned());
        }

        // `docker stats` only lists running containers; skip the round trip when there are none.
        if containers.iter().any(Container::is_running) {
            stats(ctx, &mut containers, log).await?;
        }
        let elapsed = self
            .previous_at
            .and_then(|before| u64::try_from((ctx.observed_at - before).num_seconds()).ok());
        inspect_changed(ctx, previous, elapsed, &mut containers, log).await?;
        Ok(containers)
    }
}

/// Merges one `docker stats` into `containers`. An unreachable device fails the poll; a
/// failing or mostly unreadable `docker stats` only loses the resource figures of this sample.
async fn stats(
    ctx: &PollContext<'_>,
    containers: &mut [Container],
    log: &mut PollWarnings,
) -> Result<(), ProbeError> {
    let out = match ctx.run_ok(&command::docker_stats()).await {
        Ok(out) => out,
        Err(e @ ProbeError::Transport(_)) => return Err(e),
        Err(e) => {
            log.note("docker_stats", format!("no resource figures: {e}"));
            return Ok(());
        }
    };
    let (stats, warnings) = parse_stats(&out.stdout, ctx.observed_at);
    log.add("docker_stats", &out.stdout, &warnings);
    match Section::whole("docker_stats", &out.stdout).mostly_unreadable(&warnings) {
        Some(why) => log.note("docker_stats", format!("no resource figures: {why}")),
        None => merge(containers, stats),
    }
    Ok(())
}

/// Inspects the containers that are new or changed since `previous` (in batches) and carries
/// the inspect data of the others over from `previous`. A container to inspect keeps no stale
/// data: it has none unless this inspect gives it (then the next poll tries again). A failing
/// batch fails the poll with its reason; one that only misses ids that vanished in the
/// meantime does not.
async fn inspect_changed(
    ctx: &PollContext<'_>,
    previous: &[Container],
    elapsed_secs: Option<u64>,
    containers: &mut [Container],
    log: &mut PollWarnings,
) -> Result<(), ProbeError> {
    let prev: HashMap<&str, &Container> = previous.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut wanted = Vec::new();
    for c in containers.iter_mut() {
        let before = prev.get(c.id.as_str()).copied();
        if needs_inspect(before, c, elapsed_secs) && command::valid_container_id(&c.id) {
            wanted.push(c.id.clone());
            c.inspect = None;
        } else {
            c.inspect = before.and_then(|p| p.inspect.clone());
        }
    }
    let Some(batches) = command::docker_inspect(&wanted) else { return Ok(()) };
    let mut found = HashMap::with_capacity(wanted.len());
    for cmd in batches {
        let out = ctx.run(&cmd).await?;
        // docker prints what it found and exits 1 if some id vanished in the meantime.
        let (batch, warnings) = parse_inspect(&out.stdout, ctx.observed_at);
        log.add("docker_inspect", &out.stdout, &warnings);
        if batch.is_empty()
            && let Some(w) = warnings.first()
        {
            let detail = w.message.chars().take(200).collect();
            return Err(ProbeError::Output { command: "docker_inspect", detail });
        }
        if !out.success() && !only_vanished(&out.stderr) {
            let stderr = super::first_line(&out.stderr);
            return Err(ProbeError::Command {
                command: "docker_inspect",
                status: out.status,
                stderr,
            });
        }
        found.extend(batch);
    }
    for c in containers.iter_mut() {
        if let Some(i) = found.remove(&c.id) {
            c.inspect = Some(i);
        }
    }
    Ok(())
}

/// Whether a failing `docker inspect` only says that some ids no longer exist.
fn only_vanished(stderr: &str) -> bool {
    stderr.lines().map(str::trim).filter(|l| !l.is_empty()).all(|l| l.contains("No such"))
}
