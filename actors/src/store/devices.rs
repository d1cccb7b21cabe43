//! The device registry's records and the JSON a device spec is stored as, the same on every
//! engine. A key passphrase is never stored: an API device with one is refused, and a config
//! device's is left in the config file (the row only says that there is one).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::query::Time;
use crate::device::{Auth, DeviceSource, DeviceSpec, ProbeSettings, Probes, TransportKind};

/// One device of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRecord {
    /// The spec (from a config row, without its passphrase: the config file has it).
    pub spec: DeviceSpec,
    /// Where it comes from.
    pub source: DeviceSource,
    /// When the row was first written (kept by later writes of the same name).
    pub created_at: Time,
    /// When the row was last written.
    pub updated_at: Time,
}

impl DeviceRecord {
    /// A record of `spec` from `source`, created and updated now.
    pub fn new(spec: DeviceSpec, source: DeviceSource) -> Self {
        let now = chrono::Utc::now();
        Self { spec, source, created_at: now, updated_at: now }
    }
}

/// What seeding the config devices changed beyond the config rows themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// API devices replaced by a config device of the same name (regardless of case).
    pub replaced_api: Vec<String>,
    /// Config rows deleted because their device left the config file.
    pub removed: Vec<String>,
}

impl SeedReport {
    /// What seeding `specs` does to the `existing` rows (`(name, source)`): API rows named
    /// like a config device (regardless of case) are replaced, config rows whose device left
    /// the config (by exact name) are removed. Every engine deletes the rows named here, then
    /// upserts `specs`.
    pub(crate) fn plan(existing: &[(String, String)], specs: &[DeviceSpec]) -> Self {
        let mut report = Self::default();
        for (name, source) in existing {
            if source == DeviceSource::Config.as_str() {
                if !specs.iter().any(|s| &s.name == name) {
                    report.removed.push(name.clone());
                }
            } else if specs.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
                report.replaced_api.push(name.clone());
            }
        }
        report
    }

    /// Every row seeding deletes.
    pub(crate) fn deleted(&self) -> impl Iterator<Item = &String> {
        self.replaced_api.iter().chain(&self.removed)
    }
}

/// Why an API device cannot be stored, if it cannot.
pub fn refuse_secret(spec: &DeviceSpec) -> Option<String> {
    match &spec.auth {
        Auth::KeyFile { passphrase: Some(_), .. } => Some(format!(
            "device `{}`: a key passphrase is never stored; use a key without one (readable \
             only by the server's user) or the ssh-agent, or declare the device in the config \
             file",
            spec.name
        )),
        _ => None,
    }
}

/// A device spec as stored (JSON), without secrets.
#[derive(Debug, Serialize, Deserialize)]
struct SpecJson {
    name: String,
    transport: String,
    host: String,
    port: u16,
    user: String,
    auth: AuthJson,
    sudo: bool,
    tags: Vec<String>,
    known_hosts: PathBuf,
    /// Per probe: enabled and interval in milliseconds.
    probes: BTreeMap<String, ProbeJson>,
    /// The declared backup jobs (absent in rows stored before they existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    backups: Vec<crate::model::backups::BackupJob>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum AuthJson {
    KeyFile {
        path: PathBuf,
        /// The config file holds a passphrase for the key (never the passphrase itself).
        #[serde(default)]
        passphrase_in_config: bool,
    },
    Agent,
}

#[derive(Debug, Serialize, Deserialize)]
struct ProbeJson {
    enabled: bool,
    interval_ms: u64,
}

/// The JSON of `spec` from `source`. An API spec with a passphrase is `Invalid`; a config
/// spec's passphrase is left out.
pub(crate) fn encode(spec: &DeviceSpec, source: DeviceSource) -> Result<String, StoreError> {
    if source == DeviceSource::Api
        && let Some(why) = refuse_secret(spec)
    {
        return Err(StoreError::Invalid(why));
    }
    let auth = match &spec.auth {
        Auth::KeyFile { path, passphrase } => {
            AuthJson::KeyFile { path: path.clone(), passphrase_in_config: passphrase.is_some() }
        }
        Auth::Agent => AuthJson::Agent,
    };
    let probes = spec
        .probes
        .entries()
        .into_iter()
        .map(|(name, s)| {
            let interval_ms = u64::try_from(s.interval.as_millis()).unwrap_or(u64::MAX);
            (name.to_string(), ProbeJson { enabled: s.enabled, interval_ms })
        })
        .collect();
    let json = SpecJson {
        name: spec.name.clone(),
        transport: match spec.transport {
            TransportKind::Ssh => "ssh".into(),
            TransportKind::Local => "local".into(),
        },
        host: spec.host.clone(),
        port: spec.port,
        user: spec.user.clone(),
        auth,
        sudo: spec.sudo,
        tags: spec.tags.clone(),
        known_hosts: spec.known_hosts.clone(),
        probes,
        backups: spec.backups.clone(),
    };
    serde_json::to_string(&json).map_err(|e| StoreError::Invalid(format!("device spec: {e}")))
}

/// The spec stored as `json` (a config row's has no passphrase: take it from the config).
pub(crate) fn decode(json: &str) -> Result<DeviceSpec, String> {
    let j: SpecJson = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let transport = match j.transport.as_str() {
        "ssh" => TransportKind::Ssh,
        "local" => TransportKind::Local,
        other => return Err(format!("unknown transport `{other}`")),
    };
    let auth = match j.auth {
        AuthJson::KeyFile { path, .. } => Auth::KeyFile { path, passphrase: None },
        AuthJson::Agent => Auth::Agent,
    };
    let mut probes = Probes::default();
    for (name, p) in j.probes {
        let settings =
            ProbeSettings { enabled: p.enabled, interval: Duration::from_millis(p.interval_ms) };
        match probe_mut(&mut probes, &name) {
            Some(slot) => *slot = settings,
            None => return Err(format!("unknown probe `{name}`")),
        }
    }
    Ok(DeviceSpec {
        name: j.name,
        transport,
        host: j.host,
        port: j.port,
        user: j.user,
        auth,
        sudo: j.sudo,
        tags: j.tags,
        known_hosts: j.known_hosts,
        probes,
        backups: j.backups,
    })
}

fn probe_mut<'a>(p: &'a mut Probes, name: &str) -> Option<&'a mut ProbeSettings> {
    Some(match name {
        "containers" => &mut p.containers,
        "metrics" => &mut p.metrics,
        "drives" => &mut p.drives,
        "zfs" => &mut p.zfs,
        "arrays" => &mut p.arrays,
        "vms" => &mut p.vms,
        "services" => &mut p.services,
        "updates" => &mut p.updates,
        "images" => &mut p.images,
        "logs" => &mut p.logs,
        "backups" => &mut p.backups,
        _ => return None,
    })
}
