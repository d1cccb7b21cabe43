//! A device's settings as the actors use them (already validated by config loading).

use std::path::PathBuf;
use std::time::Duration;

use crate::transport::Auth;

/// How the server reaches a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransportKind {
    /// OpenSSH server on the device.
    #[default]
    Ssh,
    /// The server's own host, without SSH.
    Local,
}

/// Whether a probe runs and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSettings {
    /// Run this probe at all.
    pub enabled: bool,
    /// Time between polls.
    pub interval: Duration,
}

impl ProbeSettings {
    /// An enabled probe polled every `secs` seconds.
    pub const fn every(secs: u64) -> Self {
        Self { enabled: true, interval: Duration::from_secs(secs) }
    }
}

/// Per-probe settings of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probes {
    /// `docker ps` + `docker stats`; default every 30 s.
    pub containers: ProbeSettings,
    /// `/proc`, `df`, `sensors`; default every 5 min.
    pub metrics: ProbeSettings,
    /// `smartctl`; default every 1 h.
    pub drives: ProbeSettings,
    /// ZFS pools, datasets, snapshots, ARC; default every 5 min.
    pub zfs: ProbeSettings,
    /// Linux md RAID and the Unraid array; default every 5 min.
    pub arrays: ProbeSettings,
    /// libvirt VMs (`virsh`); default every 5 min.
    pub vms: ProbeSettings,
    /// Failed systemd units; default every 5 min.
    pub services: ProbeSettings,
    /// Upgradable packages; default every 6 h.
    pub updates: ProbeSettings,
    /// The containers' images against their registries; default every 6 h.
    pub images: ProbeSettings,
    /// The journal and the containers' logs, for the log patterns; default every 1 min.
    pub logs: ProbeSettings,
    /// The declared backup jobs (runs only when the device has some); default every 1 h.
    pub backups: ProbeSettings,
}

impl Default for Probes {
    fn default() -> Self {
        Self {
            containers: ProbeSettings::every(30),
            metrics: ProbeSettings::every(300),
            drives: ProbeSettings::every(3600),
            zfs: ProbeSettings::every(300),
            arrays: ProbeSettings::every(300),
            vms: ProbeSettings::every(300),
            services: ProbeSettings::every(300),
            updates: ProbeSettings::every(6 * 3600),
            images: ProbeSettings::every(6 * 3600),
            logs: ProbeSettings::every(60),
            backups: ProbeSettings::every(3600),
        }
    }
}

impl Probes {
    /// Every probe disabled (at its default interval): a base for `Probes { x, ..disabled() }`.
    pub fn disabled() -> Self {
        let mut p = Self::default();
        for s in [
            &mut p.containers,
            &mut p.metrics,
            &mut p.drives,
            &mut p.zfs,
            &mut p.arrays,
            &mut p.vms,
            &mut p.services,
            &mut p.updates,
            &mut p.images,
            &mut p.logs,
            &mut p.backups,
        ] {
            s.enabled = false;
        }
        p
    }

    /// Every probe with its settings, in a fixed order.
    pub fn entries(&self) -> [(&'static str, ProbeSettings); 11] {
        [
            ("containers", self.containers),
            ("metrics", self.metrics),
            ("drives", self.drives),
            ("zfs", self.zfs),
            ("arrays", self.arrays),
            ("vms", self.vms),
            ("services", self.services),
            ("updates", self.updates),
            ("images", self.images),
            ("logs", self.logs),
            ("backups", self.backups),
        ]
    }

    /// Settings of the probe called `name`.
    pub fn get(&self, name: &str) -> Option<ProbeSettings> {
        self.entries().into_iter().find(|(n, _)| *n == name).map(|(_, s)| s)
    }
}

/// Everything the actors need to monitor one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    /// Unique name, used in events and the API.
    pub name: String,
    /// How to reach it.
    pub transport: TransportKind,
    /// Host name or address (SSH only).
    pub host: String,
    /// SSH port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// SSH authentication.
    pub auth: Auth,
    /// Run privileged tools (smartctl) through `sudo -n`.
    pub sudo: bool,
    /// Free-form labels for filtering.
    pub tags: Vec<String>,
    /// Known-hosts file used to verify the device's host key.
    pub known_hosts: PathBuf,
    /// Probe enablement and intervals.
    pub probes: Probes,
    /// The declared backup jobs, read by the `backups` probe.
    pub backups: Vec<crate::model::backups::BackupJob>,
}

/// Where a device's spec comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceSource {
    /// The config file: seeded into the registry at start-up, edited only in the file.
    Config,
    /// Added through the API: persisted in the registry, back after a restart.
    Api,
}

impl DeviceSource {
    /// `config` or `api`, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Api => "api",
        }
    }

    /// The source called `s` (`config` or `api`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "config" => Some(Self::Config),
            "api" => Some(Self::Api),
            _ => None,
        }
    }
}
