//! Diffing two container snapshots into change events: exactly one event per real transition.

use std::collections::HashMap;

use super::model::Container;
use crate::events::EventKind;

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
/// * still running with a smaller uptime → `ContainerRestarted`;
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
                    && old.image != cur.image
                {
                    events.push(EventKind::ContainerImageChanged {
                        container: cur.to_ref(),
                        previous_id: old.id.clone(),
                        previous_image: old.image.clone(),
                    });
                }
                if cur.is_running() {
                    events.push(EventKind::ContainerStarted { container: cur.to_ref() });
                }
            }
            Some(prev) => transition(prev, cur, &mut events),
        }
    }
    events
}

/// Events for one container present in both snapshots.
fn transition(prev: &Container, cur: &Container, events: &mut Vec<EventKind>) {
    let container = || cur.to_ref();
    if cur.is_running() && !prev.is_running() {
        events.push(EventKind::ContainerStarted { container: container() });
    } else if cur.is_stopped() && !prev.is_stopped() {
        events.push(exit_event(cur));
    } else if cur.state == "restarting" && prev.is_running() {
        events.push(EventKind::ContainerDied { container: container(), exit_code: cur.exit_code });
    } else if cur.is_running()
        && prev.is_running()
        && let (Some(before), Some(now)) =
            (super::status::uptime_secs(&prev.status), super::status::uptime_secs(&cur.status))
        && now < before
    {
        events.push(EventKind::ContainerRestarted { container: container() });
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

fn exit_event(cur: &Container) -> EventKind {
    let container = cur.to_ref();
    match cur.exit_code {
        Some(0) => EventKind::ContainerStopped { container, exit_code: Some(0) },
        exit_code => EventKind::ContainerDied { container, exit_code },
    }
}
