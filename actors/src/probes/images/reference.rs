//! Image references as Docker normalises them (`nginx` is `docker.io/library/nginx:latest`),
//! and which registries the device's engine treats as insecure.

use std::net::IpAddr;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry domain (and port), `docker.io` for Docker Hub.
    pub domain: String,
    /// Repository path, with `library/` for official Docker Hub images.
    pub path: String,
    /// Tag (`latest` when none was given and there is no digest).
    pub tag: Option<String>,
    /// Digest, when the reference pins one (`sha256:…`).
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `s` as Docker does; `None` for what is not a valid reference.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 512 {
            return None;
        }
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (s, None),
        };
        if let Some(d) = digest {
            let (alg, hex) = d.split_once(':')?;
            let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
            if alg.is_empty() || !alg.bytes().all(|b| b.is_ascii_alphanumeric()) || !hex_ok {
                return None;
            }
        }
        let (name, tag) = match name.rfind(':') {
            Some(i) if !name[i..].contains('/') => (&name[..i], Some(&name[i + 1..])),
            _ => (name, None),
        };
        if let Some(t) = tag {
            let ok = t.len() <= 128
                && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !ok {
                return None;
            }
        }
        let (domain, path) = match name.split_once('/') {
            Some((d, rest)) if d.contains(['.', ':']) || d == "localhost" => (d, rest.to_owned()),
            _ => ("docker.io", name.to_owned()),
        };
        let domain = if domain == "index.docker.io" { "docker.io" } else { domain };
        let path = if domain == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        let domain_ok = !domain.is_empty()
            && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b));
        let path_ok = !path.is_empty()
            && path.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            });
        if !domain_ok || !path_ok {
            return None;
        }
        let tag = match (tag, digest) {
            (Some(t), _) => Some(t.to_owned()),
            (None, None) => Some("latest".to_owned()),
            (None, Some(_)) => None,
        };
        Some(Self { domain: domain.to_owned(), path, tag, digest: digest.map(str::to_owned) })
    }

    /// The host the registry API answers on: Docker Hub's is `registry-1.docker.io`.
    pub fn api_host(&self) -> &str {
        if self.domain == "docker.io" { "registry-1.docker.io" } else { &self.domain }
    }

    /// Whether `other` names the same repository (tags and digests aside).
    pub fn same_repository(&self, other: &ImageRef) -> bool {
        self.domain == other.domain && self.path == other.path
    }
}

/// Whether `reference` names an image by its id (`sha256:…` or a hex prefix of `image_id`)
/// rather than by a repository: such a container is pinned to that image.
pub fn is_image_id(reference: &str, image_id: &str) -> bool {
    if let Some(hex) = reference.strip_prefix("sha256:") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let id = image_id.strip_prefix("sha256:").unwrap_or(image_id);
    reference.len() >= 12 && id.starts_with(reference)
}

/// The engine's view of insecure registries (`docker info`'s `RegistryConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryConfig {
    /// `InsecureRegistryCIDRs` (Docker always includes `127.0.0.0/8`).
    pub insecure_cidrs: Vec<(IpAddr, u8)>,
    /// `IndexConfigs` entries with `Secure: false`, by name (`host[:port]`).
    pub insecure_names: Vec<String>,
}

impl RegistryConfig {
    /// Parses `docker info --format '{{json .RegistryConfig}}'`; unreadable → loopback only.
    pub fn parse(json: &str) -> Self {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(json.trim()) else {
            return Self::loopback();
        };
        let insecure_cidrs = v["InsecureRegistryCIDRs"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().and_then(parse_cidr)).collect())
            .unwrap_or_default();
        let insecure_names = v["IndexConfigs"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, c)| c["Secure"] == serde_json::Value::Bool(false))
                    .map(|(n, _)| n.clone())
                    .collect()
            })
            .unwrap_or_default();
        Self { insecure_cidrs, insecure_names }
    }

    /// Docker's default: only loopback registries are insecure.
    pub fn loopback() -> Self {
        Self {
            insecure_cidrs: parse_cidr("127.0.0.0/8").into_iter().collect(),
            insecure_names: vec![],
        }
    }

    /// Whether the engine allows plain HTTP (or an unverified certificate) for `domain`.
    pub fn is_insecure(&self, domain: &str) -> bool {
        if self.insecure_names.iter().any(|n| n == domain) {
            return true;
        }
        let host = match domain.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => domain,
        };
        let host = if host == "localhost" { "127.0.0.1" } else { host };
        let Ok(ip) = host.parse::<IpAddr>() else { return false };
        self.insecure_cidrs.iter().any(|(net, bits)| in_cidr(ip, *net, *bits))
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = s.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}
