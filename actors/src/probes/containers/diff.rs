//! Diffing two container snapshots into change events: exactly one event per real transition.

use std::collections::HashMap;

use crate::events::EventKind;
use crate::model::containers::Container;

/// The change events that take `previous` to `current`.
///
/// Rules, per container id:
/// * vanished → `ContainerRemoved` (emitted first);
/// * new → `ContainerCreated`, then `ContainerStarted` if it is running, and
///   `ContainerImageChanged` if it replaces a vanished container of the same name whose image
///   reference differed;
/// * not running → running → `ContainerStarted` (paused ↔ running is neither);
/// * running/paused/restarting/created → exited/dead → `ContainerStopped` for exit code 0,
///   `ContainerDied` otherwise; running/paused → restarting → `ContainerDied`;
/// * still running and restarted in between → one `ContainerRestarted` with the number of
///   restarts: from `docker inspect` (restart count went up by that much, or the start time
///   changed: 1) when both snapshots have it, else from the uptime in the status text going
///   down (1);
/// * health differs and is now known → `ContainerHealthChanged` (except the trivial
///   none → `starting` of a container that just started).
///
/// The same snapshot twice gives no events.
pub fn diff(previous: &[Container], current: &[Container]) -> Vec<EventKind> {
    let prev_by_id: HashMap<&str, &Container> =
        previous.iter().map(|c| (c.id.as_str(), c)).collect();
    let cur_ids: HashMap<&str, &Container> = current.iter().map(|c| (c.id.as_str(), c)).collect();

    let mut events = Vec::new();
    let mut removed_by_name: HashMap<&str, &Container> = HashMap::new();
    for old in previous.iter().filter(|c| !cur_ids.contains_key(c.id.as_str())) {
        events.push(EventKind::ContainerRemoved { container: old.to_ref() });
        removed_by_name.insert(old.name.as_str(), old);
    }

    for cur in current {
        match prev_by_id.get(cur.id.as_str()) {
            None => {
                events.push(EventKind::ContainerCreated { container: cur.to_ref() });
                if let Some(old) = removed_by_name.get(cur.name.as_str())
                    && image_differs(old, cur)
                {
                    events.push(EventKind::ContainerImageChanged {
                        container: cur.to_ref(),
                        previous_id: old.id.clone(),
                        previous_image: old.image.clone(),
                    });
                }
                if cur.is_running() {
                    events.push(EventKind::ContainerStarted { container: cur.to_ref() });
                } else if cur.is_stopped() {
                    // Created and already gone between two polls (a one-shot or a crash on
                    // start): its exit must not go unreported.
                    events.push(exit_event(cur));
                }
            }
            Some(prev) => transition(prev, cur, &mut events),
        }
    }
    events
}

/// Whether a recreated container runs another image: by image id when `docker inspect` gave
/// both (a reference like `nginx` vs `docker.io/library/nginx:latest` is the same image),
/// else by the reference as `docker ps` prints it.
fn image_differs(old: &Container, cur: &Container) -> bool {
    let id = |c: &Container| c.inspect.as_ref().and_then(|i| i.image_id.clone());
    match (id(old), id(cur)) {
        (Some(a), Some(b)) => a != b,
        _ => old.image != cur.image,
    }
}

/// Events for one container present in both snapshots.
fn transition(prev: &Container, cur: &Container, events: &mut Vec<EventKind>) {
    let container = || cur.to_ref();
    if cur.is_running() && !prev.is_running() {
        events.push(EventKind::ContainerStarted { container: container() });
    } else if cur.is_stopped() && !prev.is_stopped() {
        events.push(exit_event(cur));
    } else if cur.state == "restarting" && prev.is_running() {
        events.push(died(cur));
    } else if let Some(restarts) =
        restarted(prev, cur).filter(|_| cur.is_running() && prev.is_running())
    {
        events.push(EventKind::ContainerRestarted { container: container(), restarts });
    }

    let trivial_start = prev.health.is_none() && cur.health.as_deref() == Some("starting");
    if cur.health.is_some() && cur.health != prev.health && !trivial_start {
        events.push(EventKind::ContainerHealthChanged {
            container: container(),
            previous: prev.health.clone(),
            current: cur.health.clone(),
        });
    }
}

/// How often a container running in both snapshots was restarted in between, if it was:
/// `docker inspect` says so (by how much the restart count rose, or once for a new start time
/// with the same count, e.g. `docker restart`), or, as a fallback for containers not inspected,
/// once when the uptime in the status text went down.
fn restarted(prev: &Container, cur: &Container) -> Option<u64> {
    if let Some((b, n)) = prev.inspect.as_ref().zip(cur.inspect.as_ref()) {
        // The engine's own record decides when there is one on both sides.
        let counted = match (b.restart_count, n.restart_count) {
            (Some(b), Some(n)) if n > b => n - b,
            _ => 0,
        };
        let new_start = matches!((&b.started_at, &n.started_at), (Some(b), Some(n)) if b != n);
        return (counted > 0 || new_start).then_some(counted.max(1));
    }
    matches!(
        (super::status::uptime_secs(&prev.status), super::status::uptime_secs(&cur.status)),
        (Some(before), Some(now)) if now < before
    )
    .then_some(1)
}

fn died(cur: &Container) -> EventKind {
    EventKind::ContainerDied {
        container: cur.to_ref(),
        exit_code: cur.exit_code,
        oom_killed: cur.inspect.as_ref().and_then(|i| i.oom_killed),
    }
}

fn exit_event(cur: &Container) -> EventKind {
    match cur.exit_code {
        Some(0) => EventKind::ContainerStopped { container: cur.to_ref(), exit_code: Some(0) },
        _ => died(cur),
    }
}
