//! `docker network ls --format '{{json .}}'` parser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::probes::Warning;

/// One docker network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "DockerNetwork")]
pub struct Network {
    /// Full network id.
    pub id: String,
    /// Network name (`bridge`, `host`, `stack_default`, …).
    pub name: String,
    /// Driver (`bridge`, `host`, `null`, `overlay`, …).
    pub driver: String,
    /// `local` or `swarm`.
    pub scope: String,
    /// Whether the network is internal (no outside access), when reported.
    pub internal: Option<bool>,
    /// Whether IPv6 is enabled, when reported.
    pub ipv6: Option<bool>,
}

/// Parses one JSON object per line; a line without `ID` and `Name` is skipped with a warning.
pub fn parse_network_ls(output: &str, _observed_at: DateTime<Utc>) -> (Vec<Network>, Vec<Warning>) {
    let mut networks = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in output.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let obj = match serde_json::from_str::<serde_json::Map<String, Value>>(line) {
            Ok(obj) => obj,
            Err(e) => {
                warnings.push(Warning::at(i + 1, format!("not a network: {e}")));
                continue;
            }
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
        let flag = |k: &str| match obj.get(k) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        let (Some(id), Some(name)) = (text("ID"), text("Name")) else {
            warnings.push(Warning::at(i + 1, "network without ID or Name"));
            continue;
        };
        networks.push(Network {
            id,
            name,
            driver: text("Driver").unwrap_or_default(),
            scope: text("Scope").unwrap_or_default(),
            internal: flag("Internal"),
            ipv6: flag("IPv6"),
        });
    }
    (networks, warnings)
}
