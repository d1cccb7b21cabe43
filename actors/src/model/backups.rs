//! What the backups probe watches and reports: the declared backup jobs and their status.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a backup job's last success is read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BackupSource {
    /// A restic repository: its newest snapshot (`restic snapshots --json --latest 1`).
    Restic {
        /// The repository, as `restic -r` takes it.
        repository: String,
        /// A path on the device holding the password (never read by the server).
        password_file: String,
        /// A file on the device sourced (`set -a`) before restic runs, e.g. cloud credentials.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        env_file: Option<String>,
        /// How often `restic check` runs on the repository, in seconds; `None`: never.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        check_interval_seconds: Option<u64>,
    },
    /// A systemd unit (e.g. the service of a borg or rsync timer): its last run.
    Systemd {
        /// Unit name, e.g. `borg-backup.service`.
        unit: String,
    },
    /// A file whose modification time marks the last success (for a folder: its newest file).
    File {
        /// Absolute path on the device.
        path: String,
    },
    /// ZFS snapshots, read from the ZFS probe's samples (no command of its own): every
    /// dataset matching `dataset` must have a snapshot younger than `max_age`.
    Zfs {
        /// A dataset (`tank/data`) or a glob (`tank/*`, `tank/vm-?`: `*` any run, slashes
        /// too, `?` one character).
        dataset: String,
    },
}

impl BackupSource {
    /// `restic`, `systemd`, `file` or `zfs`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Restic { .. } => "restic",
            Self::Systemd { .. } => "systemd",
            Self::File { .. } => "file",
            Self::Zfs { .. } => "zfs",
        }
    }
}

/// One declared backup job of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupJob {
    /// Name, unique per device.
    pub name: String,
    /// What to look at.
    #[serde(flatten)]
    pub source: BackupSource,
    /// How old the last success may be, in seconds.
    pub max_age_seconds: u64,
}

/// A job's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BackupVerdict {
    /// The last success is younger than `max_age`.
    Ok,
    /// The last success is older than `max_age`, or there is none.
    Overdue,
    /// The last run failed, its status could not be read, or the last `restic check`
    /// failed (evidence says which).
    Failed,
    /// Not known yet: a `zfs` job before a current ZFS sample exists (just after start, or
    /// while the ZFS probe fails) and with no earlier verdict to keep. Raises no event.
    Unknown,
}

/// One job's status as the probe read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackupStatus {
    /// The job's name.
    pub job: String,
    /// `restic`, `systemd`, `file` or `zfs`.
    pub kind: String,
    /// The verdict at the poll.
    pub verdict: BackupVerdict,
    /// When the last successful backup finished (restic: the snapshot's time).
    pub last_success: Option<DateTime<Utc>>,
    /// When the last run started, when known (systemd).
    pub last_run_start: Option<DateTime<Utc>>,
    /// How old the last success may be, in seconds.
    pub max_age_seconds: u64,
    /// Restic: the snapshot's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Restic: the snapshot's paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Restic: the snapshot's restore size in bytes (`restic stats`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Restic with `check_interval`: when `restic check` last ran to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_check: Option<DateTime<Utc>>,
    /// Whether that check found the repository sound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_ok: Option<bool>,
    /// The first error line of a failed check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_error: Option<String>,
    /// What the verdict rests on, e.g. `Result=exit-code`, restic's error line, or the
    /// stale ZFS datasets and their newest snapshots.
    pub evidence: Vec<String>,
}
