//! The TOML config file as written by a user: serde structs, unknown fields rejected.
//!
//! Values that are validated after parsing are `Spanned` so errors still carry file:line.
//! Conversion into the actors' types lives in `resolve.rs`.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// Default `listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9101";
/// Default `known_hosts` file (before `~` expansion).
pub const DEFAULT_KNOWN_HOSTS: &str = "~/.ssh/known_hosts";
/// Where history is kept when the config does not say (relative to the working directory).
pub const DEFAULT_DATA_DIR: &str = "./data";

/// The whole config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Socket address of the HTTP/MCP server (default `127.0.0.1:9101`).
    pub listen: Option<Spanned<String>>,
    /// PostgreSQL connection string; secret, never printed.
    pub database_url: Option<Spanned<String>>,
    /// File holding the PostgreSQL connection string (first line), instead of `database_url`.
    pub database_url_file: Option<Spanned<PathBuf>>,
    /// Folder of the embedded database and the writer's spool (default `./data`; relative to
    /// the config file's folder when set in a file).
    pub data_dir: Option<Spanned<PathBuf>>,
    /// Fleet-wide polling, connection and restart settings.
    #[serde(default)]
    pub fleet: FileFleet,
    /// How long stored history is kept.
    #[serde(default)]
    pub retention: FileRetention,
    /// Defaults applied to every device that does not set the field itself.
    #[serde(default)]
    pub defaults: FileDefaults,
    /// The monitored devices.
    #[serde(default)]
    pub devices: Vec<FileDevice>,
    /// Who may call MCP, REST and WebSocket.
    #[serde(default)]
    pub api: super::api::FileApi,
    /// Alert rules and notifiers.
    #[serde(default)]
    pub alerts: super::alerts::FileAlerts,
}

/// `[retention]`: how long each kind of stored data is kept (human durations, "30d").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRetention {
    /// Sample events in full, the replay window (default "48h").
    pub sample_events: Option<Spanned<String>>,
    /// Change events (default "365d").
    pub change_events: Option<Spanned<String>>,
    /// Raw samples of load metrics: CPU, memory, filesystems, rates, containers (default "30d").
    pub raw_samples: Option<Spanned<String>>,
    /// Hourly and daily rollups (default "365d").
    pub rollups: Option<Spanned<String>>,
    /// Raw samples of drive and pool health (default "365d").
    pub health: Option<Spanned<String>>,
}

/// `[fleet]`: durations are human strings ("30s", "5m").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileFleet {
    /// Consecutive unreachable polls before a device is reported offline, 1..=100 (default 3).
    pub offline_after: Option<Spanned<i64>>,
    /// Concurrent SSH channels per device, 1..=10 (default 4; OpenSSH allows 10).
    pub max_channels: Option<Spanned<i64>>,
    /// Connect + handshake + auth deadline (default "10s").
    pub connect_timeout: Option<Spanned<String>>,
    /// Deadline of one command (default "20s").
    pub command_timeout: Option<Spanned<String>>,
    /// SSH keepalive interval (default "30s").
    pub keepalive: Option<Spanned<String>>,
    /// First reconnect delay of an offline device (default "1s").
    pub reconnect_min: Option<Spanned<String>>,
    /// Longest reconnect delay of an offline device (default "5m").
    pub reconnect_max: Option<Spanned<String>>,
    /// How crashed pollers are restarted.
    #[serde(default)]
    pub restart: FileRestart,
}

/// `[fleet.restart]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRestart {
    /// Restarts allowed inside `window` before a poller is given up, 0..=100 (default 5).
    pub max_restarts: Option<Spanned<i64>>,
    /// Sliding window for `max_restarts` (default "60s").
    pub window: Option<Spanned<String>>,
    /// Delay before the first restart (default "1s").
    pub backoff_min: Option<Spanned<String>>,
    /// Longest delay before a restart (default "30s").
    pub backoff_max: Option<Spanned<String>>,
}

/// How a device authenticates over SSH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// A private key file (`identity_file`), optionally with a passphrase.
    Key,
    /// Every identity of the running ssh-agent.
    Agent,
}

/// How a device is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Over SSH (default).
    Ssh,
    /// The server's own host, without SSH.
    Local,
}

/// `[defaults]`: fallbacks for every device.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDefaults {
    /// Login user (default: `$USER`, else `root`).
    pub user: Option<Spanned<String>>,
    /// SSH port (default 22).
    pub port: Option<Spanned<u16>>,
    /// Private key file (`~` expanded; relative paths are relative to the config file).
    pub identity_file: Option<Spanned<PathBuf>>,
    /// `"key"` or `"agent"` (default: `"key"` when an identity file is set, else `"agent"`).
    pub auth: Option<AuthKind>,
    /// Known-hosts file used to verify host keys (default `~/.ssh/known_hosts`).
    pub known_hosts: Option<Spanned<PathBuf>>,
    /// Run privileged tools through `sudo -n` (default false).
    pub sudo: Option<bool>,
    /// Probe settings for every device.
    #[serde(default)]
    pub probes: FileProbes,
    /// Backup jobs of every device (a device's job of the same name replaces one of these).
    #[serde(default)]
    pub backups: Vec<FileBackup>,
}

/// One `[[devices]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDevice {
    /// Unique name: `[A-Za-z0-9][A-Za-z0-9_.-]{0,62}`.
    pub name: Spanned<String>,
    /// `"ssh"` (default) or `"local"`.
    pub transport: Option<Transport>,
    /// Host name or address; required for SSH.
    pub host: Option<Spanned<String>>,
    /// SSH port (default from `[defaults]`, else 22).
    pub port: Option<Spanned<u16>>,
    /// Login user (default from `[defaults]`).
    pub user: Option<Spanned<String>>,
    /// `"key"` or `"agent"` (default from `[defaults]`).
    pub auth: Option<Spanned<AuthKind>>,
    /// Private key file (default from `[defaults]`).
    pub identity_file: Option<Spanned<PathBuf>>,
    /// Passphrase of the key; secret, never printed. Prefer `passphrase_file`.
    pub passphrase: Option<Spanned<String>>,
    /// File whose first line is the key's passphrase.
    pub passphrase_file: Option<Spanned<PathBuf>>,
    /// Known-hosts file for this device (default from `[defaults]`).
    pub known_hosts: Option<Spanned<PathBuf>>,
    /// Run privileged tools through `sudo -n` (default from `[defaults]`).
    pub sudo: Option<bool>,
    /// Free-form labels for filtering.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Per-probe overrides of `[defaults.probes]`.
    #[serde(default)]
    pub probes: FileProbes,
    /// `[[devices.backups]]`: this device's backup jobs, after those of `[defaults]`.
    #[serde(default)]
    pub backups: Vec<FileBackup>,
}

/// What a backup job looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    /// A restic repository's newest snapshot.
    Restic,
    /// A systemd unit's last run.
    Systemd,
    /// A file's modification time.
    File,
    /// ZFS snapshots, from the ZFS probe's samples.
    Zfs,
}

/// One `[[devices.backups]]` (or `[[defaults.backups]]`) entry; which fields apply depends
/// on `kind`, and the others are refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBackup {
    /// Unique per device: `[A-Za-z0-9][A-Za-z0-9_.-]{0,62}`.
    pub name: Spanned<String>,
    /// `"restic"`, `"systemd"`, `"file"` or `"zfs"`.
    pub kind: Spanned<BackupKind>,
    /// How old the last success may be, e.g. "26h"; 1 min to 365 d.
    pub max_age: Spanned<String>,
    /// restic: the repository (`restic -r`).
    pub repository: Option<Spanned<String>>,
    /// restic: a path on the device holding the password (never read by the server).
    pub password_file: Option<Spanned<String>>,
    /// restic: a file on the device sourced before restic runs (optional).
    pub env_file: Option<Spanned<String>>,
    /// restic: how often `restic check` runs, e.g. "7d"; 1 h to 365 d (optional: never).
    pub check_interval: Option<Spanned<String>>,
    /// systemd: the unit, e.g. `borg-backup.service`.
    pub unit: Option<Spanned<String>>,
    /// file: an absolute path on the device (a folder: its newest file counts).
    pub path: Option<Spanned<String>>,
    /// zfs: a dataset (`tank/data`) or a glob of datasets (`tank/*`, `tank/vm-?`).
    pub dataset: Option<Spanned<String>>,
}

/// `probes` table: one optional entry per probe.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileProbes {
    /// `docker ps` + `docker stats` (default every "30s").
    #[serde(default)]
    pub containers: FileProbe,
    /// `/proc` + `df` (default every "5m").
    #[serde(default)]
    pub metrics: FileProbe,
    /// `smartctl` (default every "1h").
    #[serde(default)]
    pub drives: FileProbe,
    /// ZFS pools, datasets, snapshots, ARC (default every "5m").
    #[serde(default)]
    pub zfs: FileProbe,
    /// md RAID and the Unraid array (default every "5m").
    #[serde(default)]
    pub arrays: FileProbe,
    /// libvirt VMs via `virsh` (default every "5m").
    #[serde(default)]
    pub vms: FileProbe,
    /// Failed systemd units (default every "5m").
    #[serde(default)]
    pub services: FileProbe,
    /// Upgradable packages: apt, dnf or pacman (default every "6h").
    #[serde(default)]
    pub updates: FileProbe,
    /// The containers' images against their registries (default every "6h").
    #[serde(default)]
    pub images: FileProbe,
    /// The journal and running containers' logs, for the log patterns (default every "1m").
    #[serde(default)]
    pub logs: FileProbe,
    /// The declared backup jobs (default every "1h"; runs only for a device with jobs).
    #[serde(default)]
    pub backups: FileProbe,
}

impl FileProbes {
    /// Every probe entry with its name, in the order of [`Probes::entries`].
    ///
    /// [`Probes::entries`]: infrastructor_actors::device::Probes::entries
    pub fn entries(&self) -> [(&'static str, &FileProbe); 11] {
        [
            ("containers", &self.containers),
            ("metrics", &self.metrics),
            ("drives", &self.drives),
            ("zfs", &self.zfs),
            ("arrays", &self.arrays),
            ("vms", &self.vms),
            ("services", &self.services),
            ("updates", &self.updates),
            ("images", &self.images),
            ("logs", &self.logs),
            ("backups", &self.backups),
        ]
    }
}

/// One probe's settings; unset fields fall back to `[defaults.probes]`, then built-ins.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileProbe {
    /// Run this probe at all.
    pub enabled: Option<bool>,
    /// Time between polls, e.g. "30s"; 1 s to 7 d.
    pub interval: Option<Spanned<String>>,
}

/// Whether `name` is a valid device name: `[A-Za-z0-9][A-Za-z0-9_.-]{0,62}`.
pub fn is_valid_device_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Turns any string (a hostname, an ssh alias) into a valid device name, or `None` if nothing is left.
pub fn sanitize_device_name(raw: &str) -> Option<String> {
    let mapped: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') { c } else { '-' })
        .collect();
    let trimmed = mapped.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let name: String = trimmed.chars().take(63).collect();
    is_valid_device_name(&name).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names() {
        for ok in ["a", "web-1", "db_2.lan", "A9", &"x".repeat(63)] {
            assert!(is_valid_device_name(ok), "{ok}");
        }
        for bad in ["", "-a", ".a", "_a", "a b", "a/b", "é", &"x".repeat(64)] {
            assert!(!is_valid_device_name(bad), "{bad}");
        }
    }

    #[test]
    fn sanitizes_names() {
        assert_eq!(sanitize_device_name("my host").as_deref(), Some("my-host"));
        assert_eq!(sanitize_device_name("--web").as_deref(), Some("web"));
        assert_eq!(sanitize_device_name("  box\n").as_deref(), Some("box"));
        assert_eq!(sanitize_device_name("@@@"), None);
        assert_eq!(sanitize_device_name(&"y".repeat(80)).map(|n| n.len()), Some(63));
    }

    #[test]
    fn rejects_unknown_fields_everywhere() {
        for text in [
            "lisen = \"x\"",
            "[fleet]\nmax_chanels = 2",
            "[fleet.restart]\nwindw = \"1s\"",
            "[defaults]\nusr = \"a\"",
            "[[devices]]\nname = \"a\"\nhots = \"h\"",
            "[[devices]]\nname = \"a\"\n[devices.probes.metrics]\nintervall = \"1s\"",
        ] {
            let err = toml::from_str::<FileConfig>(text).unwrap_err();
            assert!(err.message().contains("unknown field"), "{text}: {err}");
        }
    }

    #[test]
    fn parses_a_minimal_device() {
        let cfg: FileConfig =
            toml::from_str("[[devices]]\nname = \"a\"\nhost = \"h\"\nauth = \"agent\"").unwrap();
        assert_eq!(cfg.devices[0].name.get_ref(), "a");
        assert_eq!(cfg.devices[0].auth.as_ref().map(|a| *a.get_ref()), Some(AuthKind::Agent));
    }
}
