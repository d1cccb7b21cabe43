//! Typed one-pass decoding of `docker inspect` output: only the fields the probe keeps are
//! materialised, everything else is skipped by serde. Used first; a batch with any object
//! that does not fit these types falls back to the lenient per-object path.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::units::engine_time;
use crate::model::containers::{Inspect, Mount, Network};

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "RestartCount", default)]
    restart_count: Option<u64>,
    #[serde(rename = "Image", default)]
    image: Option<String>,
    #[serde(rename = "State", default)]
    state: Option<RawState>,
    #[serde(rename = "HostConfig", default)]
    host_config: Option<RawHostConfig>,
    #[serde(rename = "Mounts", default)]
    mounts: Option<Vec<RawMount>>,
    #[serde(rename = "NetworkSettings", default)]
    network_settings: Option<RawNetworkSettings>,
}

#[derive(Deserialize)]
struct RawState {
    #[serde(rename = "OOMKilled", default)]
    oom_killed: Option<bool>,
    #[serde(rename = "StartedAt", default)]
    started_at: Option<String>,
    #[serde(rename = "FinishedAt", default)]
    finished_at: Option<String>,
}

#[derive(Deserialize)]
struct RawHostConfig {
    #[serde(rename = "RestartPolicy", default)]
    restart_policy: Option<RawPolicy>,
}

#[derive(Deserialize)]
struct RawPolicy {
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "MaximumRetryCount", default)]
    maximum_retry_count: Option<u64>,
}

#[derive(Deserialize)]
struct RawMount {
    #[serde(rename = "Type", default)]
    kind: Option<String>,
    #[serde(rename = "Source", default)]
    source: Option<String>,
    #[serde(rename = "Destination", default)]
    destination: Option<String>,
    #[serde(rename = "RW", default)]
    rw: Option<bool>,
}

#[derive(Deserialize)]
struct RawNetworkSettings {
    #[serde(rename = "Networks", default)]
    networks: Option<BTreeMap<String, RawNetwork>>,
}

#[derive(Deserialize)]
struct RawNetwork {
    #[serde(rename = "IPAddress", default)]
    ip: Option<String>,
    #[serde(rename = "GlobalIPv6Address", default)]
    ipv6: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Decodes the whole array in one pass, or `None` if any object does not fit the types
/// (the caller then uses the lenient path). Objects with an empty `Id` are left out.
pub fn parse(output: &str) -> Option<HashMap<String, Inspect>> {
    let list: Vec<Raw> = serde_json::from_str(output).ok()?;
    let mut found = HashMap::with_capacity(list.len());
    for raw in list.into_iter().filter(|r| !r.id.is_empty()) {
        let state = raw.state;
        let time = |t: Option<String>| engine_time(non_empty(t));
        let (oom_killed, started_at, finished_at) = match state {
            Some(s) => (s.oom_killed, time(s.started_at), time(s.finished_at)),
            None => (None, None, None),
        };
        let restart_policy = raw.host_config.and_then(|h| h.restart_policy).and_then(|p| {
            let name = non_empty(p.name)?;
            Some(match p.maximum_retry_count {
                Some(n) if n > 0 => format!("{name}:{n}"),
                _ => name,
            })
        });
        let mounts = raw
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| Mount {
                kind: m.kind.unwrap_or_default(),
                source: m.source.unwrap_or_default(),
                destination: m.destination.unwrap_or_default(),
                rw: m.rw.unwrap_or(false),
            })
            .collect();
        let networks = raw
            .network_settings
            .and_then(|n| n.networks)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, n)| Network { name, ip: non_empty(n.ip), ipv6: non_empty(n.ipv6) })
            .collect();
        let inspect = Inspect {
            restart_count: raw.restart_count,
            oom_killed,
            started_at,
            finished_at,
            image_id: non_empty(raw.image),
            restart_policy,
            mounts,
            networks,
        };
        found.insert(raw.id, inspect);
    }
    Some(found)
}
