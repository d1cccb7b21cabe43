//! Parser for `docker inspect --type container <id>…` (a JSON array, one object per container).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::model::{Container, Inspect, Mount, Network};
use crate::probes::Warning;

/// Parses the inspect array into `id → Inspect`. Objects without an `Id` are skipped with a
/// warning. docker prints the objects it found even when some ids were unknown (it then
/// exits 1 and names them on stderr), so the output is read whatever the exit status.
pub fn parse_inspect(
    output: &str,
    _observed_at: DateTime<Utc>,
) -> (HashMap<String, Inspect>, Vec<Warning>) {
    let mut found = HashMap::new();
    let mut warnings = Vec::new();
    if output.trim().is_empty() {
        return (found, warnings);
    }
    let list = match serde_json::from_str::<Value>(output) {
        Ok(Value::Array(list)) => list,
        Ok(_) => return (found, vec![Warning::general("docker inspect output is not an array")]),
        Err(e) => {
            return (found, vec![Warning::general(format!("unreadable docker inspect: {e}"))]);
        }
    };
    for (i, obj) in list.iter().enumerate() {
        match obj.get("Id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => {
                found.insert(id.to_string(), inspect_from(obj));
            }
            _ => warnings.push(Warning::general(format!("inspect object {i} has no Id"))),
        }
    }
    (found, warnings)
}

fn inspect_from(obj: &Value) -> Inspect {
    let state = obj.get("State");
    let text =
        |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    // The engine prints the zero time for "never".
    let time = |key: &str| text(state.and_then(|s| s.get(key))).filter(|t| !t.starts_with("0001-"));
    let policy = obj.get("HostConfig").and_then(|h| h.get("RestartPolicy"));
    let restart_policy = text(policy.and_then(|p| p.get("Name"))).map(|name| {
        match policy.and_then(|p| p.get("MaximumRetryCount")).and_then(Value::as_u64) {
            Some(n) if n > 0 => format!("{name}:{n}"),
            _ => name,
        }
    });
    let mounts = obj
        .get("Mounts")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|m| Mount {
                    kind: text(m.get("Type")).unwrap_or_default(),
                    source: text(m.get("Source")).unwrap_or_default(),
                    destination: text(m.get("Destination")).unwrap_or_default(),
                    rw: m.get("RW").and_then(Value::as_bool).unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    let networks = obj
        .get("NetworkSettings")
        .and_then(|n| n.get("Networks"))
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(name, n)| Network {
                    name: name.clone(),
                    ip: text(n.get("IPAddress")),
                    ipv6: text(n.get("GlobalIPv6Address")),
                })
                .collect()
        })
        .unwrap_or_default();
    Inspect {
        restart_count: obj.get("RestartCount").and_then(Value::as_u64),
        oom_killed: state.and_then(|s| s.get("OOMKilled")).and_then(Value::as_bool),
        started_at: time("StartedAt"),
        finished_at: time("FinishedAt"),
        image_id: text(obj.get("Image")),
        restart_policy,
        mounts,
        networks,
    }
}

/// Compose's `depends_on` label (`svc:condition:restart,…`) as service names.
pub fn depends_on(label: Option<&String>) -> Vec<String> {
    label
        .map(|l| {
            l.split(',')
                .filter_map(|d| d.split(':').next())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `cur` must be inspected this poll: it is new, its state, image, health or exit code
/// changed, its uptime went down, it is restarting, or it has never been inspected.
///
/// The status text alone is not compared: its uptime changes at every poll.
pub fn needs_inspect(prev: Option<&Container>, cur: &Container) -> bool {
    let Some(prev) = prev else { return true };
    let uptime_dropped = matches!(
        (super::status::uptime_secs(&prev.status), super::status::uptime_secs(&cur.status)),
        (Some(before), Some(now)) if now < before
    );
    prev.inspect.is_none()
        || prev.state != cur.state
        || prev.image != cur.image
        || prev.health != cur.health
        || prev.exit_code != cur.exit_code
        || cur.state == "restarting"
        || uptime_dropped
}
