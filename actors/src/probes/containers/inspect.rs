//! Parser for `docker inspect --type container <id>…` (a JSON array, one object per container).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::units::engine_time;
use crate::model::containers::{Container, Inspect, Mount, Network};
use crate::probes::Warning;

/// Parses the inspect array into `id → Inspect`. Objects without an `Id` are skipped with a
/// warning. docker prints the objects it found even when some ids were unknown (it then
/// exits 1 and names them on stderr), so the output is read whatever the exit status.
pub fn parse_inspect(
    output: &str,
    _observed_at: DateTime<Utc>,
) -> (HashMap<String, Inspect>, Vec<Warning>) {
    if output.trim().is_empty() {
        return (HashMap::new(), Vec::new());
    }
    if let Some(fast) = super::inspect_fast::parse(output) {
        return (fast, Vec::new());
    }
    parse_lenient(output)
}

/// The per-object path: decodes through `serde_json::Value` so one odd object only loses
/// itself (with a warning), at about three times the cost of the typed path.
pub(super) fn parse_lenient(output: &str) -> (HashMap<String, Inspect>, Vec<Warning>) {
    let mut found = HashMap::new();
    let mut warnings = Vec::new();
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
    let time = |key: &str| engine_time(text(state.and_then(|s| s.get(key))));
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

/// How far apart, in seconds, docker's uptime text and our poll times may be: the commands of
/// two polls do not run exactly at their polls' `observed_at`.
pub const UPTIME_SLACK_SECS: u64 = 5;

/// Whether `cur` must be inspected this poll: it is new, has no inspect data (never inspected,
/// or its inspect failed or vanished), runs without a known start time, its state, image,
/// health or exit code changed, it is restarting, or its uptime says it was restarted.
///
/// `elapsed_secs` is the time since the previous poll: an uptime that grew less than that (by
/// the ranges docker's rounded text allows) means a restart in between, e.g. `Up 3 minutes`
/// at both polls around a 10-minute outage. The status text alone is not compared: its uptime
/// changes at every poll.
pub fn needs_inspect(prev: Option<&Container>, cur: &Container, elapsed_secs: Option<u64>) -> bool {
    let Some(prev) = prev else { return true };
    let Some(inspect) = &prev.inspect else { return true };
    let status = super::status::uptime_secs;
    let uptime_dropped = matches!(
        (status(&prev.status), status(&cur.status)),
        (Some(before), Some(now)) if now < before
    );
    let range = super::status::uptime_range;
    let grew_too_little = match (range(&prev.status), range(&cur.status), elapsed_secs) {
        (Some((before, _)), Some((_, now)), Some(elapsed)) => {
            now.saturating_add(UPTIME_SLACK_SECS) <= before.saturating_add(elapsed)
        }
        _ => false,
    };
    (cur.is_running() && inspect.started_at.is_none())
        || prev.state != cur.state
        || prev.image != cur.image
        || prev.health != cur.health
        || prev.exit_code != cur.exit_code
        || cur.state == "restarting"
        || uptime_dropped
        || grew_too_little
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    #[test]
    fn typed_and_lenient_paths_agree_on_real_captures() {
        for client in ["client-20.10", "client-28.2"] {
            let path = format!(
                "{}/../tests/fixtures/docker/{client}/inspect.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(path).unwrap();
            let fast = super::super::inspect_fast::parse(&text).expect("typed path fits");
            let (lenient, warnings) = parse_lenient(&text);
            assert!(warnings.is_empty());
            assert_eq!(fast.len(), 13, "{client}");
            assert_eq!(fast, lenient, "{client}");
        }
    }

    #[test]
    fn one_odd_object_falls_back_and_only_loses_itself() {
        let text = r#"[{"Id":"a","RestartCount":"three"},{"Id":"b","RestartCount":2},{"Id":""}]"#;
        assert!(super::super::inspect_fast::parse(text).is_none());
        let (found, warnings) = parse_inspect(text, Utc::now());
        assert_eq!(found["b"].restart_count, Some(2));
        assert_eq!(found["a"].restart_count, None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }
}
