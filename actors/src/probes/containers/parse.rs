//! Parsers for `docker ps -a` and `docker stats` JSON lines, and their merge by container id.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::status;
use super::units::{parse_percent, parse_size_pair};
use crate::model::containers::{Container, Usage};
use crate::probes::Warning;
use crate::probes::sane::{clean_name, shown};

/// The fields of one `docker ps --format '{{json .}}'` line that we use (client 20.10 and 28.x;
/// 28 adds `"Platform": null`, unknown fields are ignored).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PsLine {
    #[serde(rename = "ID")]
    id: String,
    names: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    created_at: String,
    #[serde(default)]
    ports: String,
    #[serde(default)]
    labels: String,
}

/// The fields of one `docker stats --format '{{json .}}'` line that we use.
#[derive(Deserialize)]
struct StatsLine {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "CPUPerc", default)]
    cpu_perc: String,
    #[serde(rename = "MemUsage", default)]
    mem_usage: String,
    #[serde(rename = "NetIO", default)]
    net_io: String,
    #[serde(rename = "BlockIO", default)]
    block_io: String,
    #[serde(rename = "PIDs", default)]
    pids: String,
}

/// Resource usage of one running container, from `docker stats`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Full container id.
    pub id: String,
    /// What it uses.
    pub usage: Usage,
}

/// Parses `docker ps -a --no-trunc --format '{{json .}}'`: one container per line.
pub fn parse_ps(output: &str, _observed_at: DateTime<Utc>) -> (Vec<Container>, Vec<Warning>) {
    let mut containers = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in output.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<PsLine>(line) {
            Ok(ps) if !ps.id.is_empty() => match container_from(ps) {
                Ok(c) => containers.push(c),
                Err(message) => warnings.push(Warning::at(i + 1, message)),
            },
            Ok(_) => warnings.push(Warning::at(i + 1, "docker ps line without an id")),
            Err(e) => warnings.push(Warning::at(i + 1, format!("unreadable docker ps line: {e}"))),
        }
    }
    (containers, warnings)
}

/// The container of one `ps` line; an id or name that is not a name refuses the line.
fn container_from(ps: PsLine) -> Result<Container, String> {
    if let Err(why) = clean_name(&ps.id) {
        return Err(format!("container id `{}`: {why}", shown(&ps.id)));
    }
    let labels = parse_labels(&ps.labels);
    // Several names (legacy links) are comma-separated; the container's own has no `/`.
    let mut names = ps.names.split(',').map(|n| n.trim().trim_start_matches('/'));
    let first = names.clone().next().unwrap_or_default();
    let name = names.find(|n| !n.contains('/')).unwrap_or(first);
    let name = clean_name(name).map_err(|why| format!("container `{}`: {why}", shown(name)))?;
    Ok(Container {
        health: status::health(&ps.status),
        exit_code: status::exit_code(&ps.status),
        compose_project: labels.get("com.docker.compose.project").cloned(),
        compose_service: labels.get("com.docker.compose.service").cloned(),
        depends_on: super::inspect::depends_on(labels.get("com.docker.compose.depends_on")),
        id: ps.id,
        name,
        image: ps.image,
        state: ps.state,
        status: ps.status,
        created_at: ps.created_at,
        ports: ps.ports,
        labels,
        ..Container::default()
    })
}

/// Splits docker's comma-joined `k=v,k=v` label string. A piece without `=` belongs to the
/// previous value (label values may contain commas, e.g. compose's `depends_on`).
pub fn parse_labels(s: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut last: Option<String> = None;
    for piece in s.split(',') {
        match piece.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                labels.insert(k.to_string(), v.to_string());
                last = Some(k.to_string());
            }
            _ => {
                if let Some(value) = last.as_ref().and_then(|k| labels.get_mut(k)) {
                    value.push(',');
                    value.push_str(piece);
                }
            }
        }
    }
    labels
}

/// Parses `docker stats --no-stream --no-trunc --format '{{json .}}'`: one line per running
/// container. Values printed as `--` (no data yet) become `None`.
pub fn parse_stats(output: &str, _observed_at: DateTime<Utc>) -> (Vec<Stats>, Vec<Warning>) {
    let mut stats = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in output.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<StatsLine>(line) {
            Ok(s) if !s.id.is_empty() => {
                let (mem_usage_bytes, mem_limit_bytes) = parse_size_pair(&s.mem_usage);
                let (net_rx_bytes, net_tx_bytes) = parse_size_pair(&s.net_io);
                let (block_read_bytes, block_write_bytes) = parse_size_pair(&s.block_io);
                let usage = Usage {
                    // A share of CPU time is never negative.
                    cpu_percent: parse_percent(&s.cpu_perc).filter(|p| *p >= 0.0),
                    mem_usage_bytes,
                    mem_limit_bytes,
                    net_rx_bytes,
                    net_tx_bytes,
                    block_read_bytes,
                    block_write_bytes,
                    pids: s.pids.trim().parse().ok(),
                };
                stats.push(Stats { id: s.id, usage });
            }
            Ok(_) => warnings.push(Warning::at(i + 1, "docker stats line without an id")),
            Err(e) => {
                warnings.push(Warning::at(i + 1, format!("unreadable docker stats line: {e}")))
            }
        }
    }
    (stats, warnings)
}

/// Copies each stats line onto the container with the same id. Stats for an id that `ps` did
/// not list (it appeared or vanished between the two commands) are ignored.
pub fn merge(containers: &mut [Container], stats: Vec<Stats>) {
    let mut by_id: HashMap<String, Stats> = stats.into_iter().map(|s| (s.id.clone(), s)).collect();
    for c in containers.iter_mut() {
        if let Some(s) = by_id.remove(&c.id) {
            c.usage = s.usage;
        }
    }
}
