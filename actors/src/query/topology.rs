//! How containers hang together: published ports (parsed from the engine's text), the
//! compose dependency graph, and which networks join which containers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Freshness, ReadOptions};
use crate::api::{ApiError, FleetHandle};
use crate::model::containers::Container;

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PortMapping {
    /// Host address it listens on (`0.0.0.0`, `::`); `null` when not published.
    pub host_ip: Option<String>,
    /// Host port; `null` when only exposed, not published.
    pub host_port: Option<u16>,
    /// Port inside the container.
    pub container_port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// Largest port range expanded into single mappings.
const MAX_RANGE: u32 = 64;

/// Parses the engine's port text (`0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp`,
/// ranges `8000-8001->8000-8001/tcp`); unreadable parts are skipped.
pub fn parse_ports(text: &str) -> Vec<PortMapping> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (left, protocol) = part.rsplit_once('/').unwrap_or((part, "tcp"));
        let (host, inner) = match left.split_once("->") {
            Some((h, c)) => (Some(h), c),
            None => (None, left),
        };
        let Some((c_lo, c_hi)) = range(inner) else { continue };
        let (ip, h_range) = match host.and_then(|h| h.rsplit_once(':')) {
            Some((ip, ports)) => (Some(ip.trim_matches(|c| c == '[' || c == ']')), range(ports)),
            None => (None, None),
        };
        for i in 0..=(c_hi - c_lo).min(MAX_RANGE) {
            out.push(PortMapping {
                host_ip: ip
                    .filter(|s| !s.is_empty())
                    .map(|s| if s == "::" { "::".into() } else { s.to_string() }),
                host_port: h_range.and_then(|(lo, _)| u16::try_from(lo + i).ok()),
                container_port: match u16::try_from(c_lo + i) {
                    Ok(p) => p,
                    Err(_) => break,
                },
                protocol: protocol.to_string(),
            });
        }
    }
    out
}

fn range(s: &str) -> Option<(u32, u32)> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let (lo, hi) = (lo.trim().parse::<u16>().ok()?, hi.trim().parse::<u16>().ok()?);
    (lo <= hi).then_some((u32::from(lo), u32::from(hi)))
}

/// One edge of the compose graph: `service` depends on `on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Dependency {
    /// Compose project.
    pub project: String,
    /// The dependent service.
    pub service: String,
    /// The service it depends on.
    pub on: String,
    /// State of the container running `on` (`null` when no container runs it: a broken
    /// dependency).
    pub on_state: Option<String>,
}

/// The compose dependency graph of a project (or of the project of one container).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DependencyGraph {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Compose projects covered.
    pub projects: Vec<String>,
    /// Service name to the states of its containers.
    pub services: BTreeMap<String, Vec<String>>,
    /// Every `depends_on` edge.
    pub edges: Vec<Dependency>,
}

/// One network and who is on it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TopologyNetwork {
    /// Network name.
    pub name: String,
    /// `container name` to its IPv4 address on the network.
    pub containers: BTreeMap<String, Option<String>>,
}

/// Networks, the containers on them and the ports they publish.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NetworkTopology {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Networks with at least one container (from `docker inspect` of each container).
    pub networks: Vec<TopologyNetwork>,
    /// Container name to its published ports.
    pub published: BTreeMap<String, Vec<PortMapping>>,
    /// Containers not inspected yet (their networks are unknown).
    pub not_inspected: Vec<String>,
}

fn graph_of(
    all: &[Container],
    projects: &[String],
) -> (BTreeMap<String, Vec<String>>, Vec<Dependency>) {
    let in_scope =
        |c: &&Container| c.compose_project.as_ref().is_some_and(|p| projects.contains(p));
    let mut services: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in all.iter().filter(in_scope) {
        let s = c.compose_service.clone().unwrap_or_else(|| c.name.clone());
        services.entry(s).or_default().push(c.state.clone());
    }
    let mut edges = Vec::new();
    for c in all.iter().filter(in_scope) {
        let project = c.compose_project.clone().unwrap_or_default();
        let service = c.compose_service.clone().unwrap_or_else(|| c.name.clone());
        for on in &c.depends_on {
            let on_state = all
                .iter()
                .find(|o| {
                    o.compose_project.as_deref() == Some(&project)
                        && o.compose_service.as_deref() == Some(on)
                })
                .map(|o| o.state.clone());
            edges.push(Dependency {
                project: project.clone(),
                service: service.clone(),
                on: on.clone(),
                on_state,
            });
        }
    }
    edges.sort_by(|a, b| (&a.project, &a.service, &a.on).cmp(&(&b.project, &b.service, &b.on)));
    edges.dedup();
    (services, edges)
}

impl FleetHandle {
    /// The compose graph of `project`, or of the project `container` belongs to, or of every
    /// project on the device when neither is given.
    pub async fn service_dependencies(
        &self,
        device: &str,
        container: Option<&str>,
        project: Option<&str>,
        opts: &ReadOptions,
    ) -> Result<DependencyGraph, ApiError> {
        let (state, freshness) = self.read(device, "containers", opts).await?;
        let all = state.containers();
        let projects: Vec<String> = match (container, project) {
            (Some(_), Some(_)) => {
                return Err(ApiError::Invalid("give container or project, not both".into()));
            }
            (Some(c), None) => {
                let c = super::containers::find(all, c, device)?;
                match &c.compose_project {
                    Some(p) => vec![p.clone()],
                    None => {
                        return Err(ApiError::NotFound(format!(
                            "container '{}' is not part of a compose project",
                            c.name
                        )));
                    }
                }
            }
            (None, Some(p)) => {
                if !all.iter().any(|c| c.compose_project.as_deref() == Some(p)) {
                    return Err(ApiError::NotFound(format!(
                        "no compose project '{p}' on '{device}'"
                    )));
                }
                vec![p.to_string()]
            }
            (None, None) => {
                let mut ps: Vec<String> =
                    all.iter().filter_map(|c| c.compose_project.clone()).collect();
                ps.sort();
                ps.dedup();
                ps
            }
        };
        let (services, edges) = graph_of(all, &projects);
        Ok(DependencyGraph { freshness, device: device.to_string(), projects, services, edges })
    }

    /// Networks, the containers on them and published ports.
    pub async fn network_topology(
        &self,
        device: &str,
        opts: &ReadOptions,
    ) -> Result<NetworkTopology, ApiError> {
        let (state, freshness) = self.read(device, "containers", opts).await?;
        let mut networks: BTreeMap<String, BTreeMap<String, Option<String>>> = BTreeMap::new();
        let (mut published, mut not_inspected) = (BTreeMap::new(), Vec::new());
        for c in state.containers() {
            match &c.inspect {
                Some(i) => i.networks.iter().for_each(|n| {
                    networks
                        .entry(n.name.clone())
                        .or_default()
                        .insert(c.name.clone(), n.ip.clone());
                }),
                None => not_inspected.push(c.name.clone()),
            }
            let ports = parse_ports(&c.ports);
            if !ports.is_empty() {
                published.insert(c.name.clone(), ports);
            }
        }
        let networks = networks
            .into_iter()
            .map(|(name, containers)| TopologyNetwork { name, containers })
            .collect();
        Ok(NetworkTopology {
            freshness,
            device: device.to_string(),
            networks,
            published,
            not_inspected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: &[(Option<&str>, Option<u16>, u16, &str)]) {
        let got: Vec<_> = parse_ports(text)
            .into_iter()
            .map(|p| (p.host_ip, p.host_port, p.container_port, p.protocol))
            .collect();
        let want: Vec<_> = expect
            .iter()
            .map(|(ip, h, c, p)| (ip.map(String::from), *h, *c, p.to_string()))
            .collect();
        assert_eq!(got, want, "{text}");
    }

    #[test]
    fn ports_parse() {
        check("", &[]);
        check(
            "0.0.0.0:8080->80/tcp, :::8080->80/tcp",
            &[(Some("0.0.0.0"), Some(8080), 80, "tcp"), (Some("::"), Some(8080), 80, "tcp")],
        );
        check("443/tcp", &[(None, None, 443, "tcp")]);
        check("0.0.0.0:53->53/udp", &[(Some("0.0.0.0"), Some(53), 53, "udp")]);
        check(
            "127.0.0.1:8000-8001->8000-8001/tcp",
            &[
                (Some("127.0.0.1"), Some(8000), 8000, "tcp"),
                (Some("127.0.0.1"), Some(8001), 8001, "tcp"),
            ],
        );
        check("garbage, 99999/tcp, 80-70/tcp", &[]);
    }
}
