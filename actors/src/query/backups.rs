//! The backup status: every declared job of a device (or of every device) with its last
//! success, age, verdict and evidence, from the backups probe's sample.

use chrono::Utc;
use schemars::JsonSchema;
use serde::Serialize;

use super::{Freshness, ReadOptions};
use crate::api::{ApiError, FleetHandle};
use crate::model::backups::{BackupStatus, BackupVerdict};

/// One job's status and the age of its last success.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupJobStatus {
    /// The device.
    pub device: String,
    /// The job as the last poll read it.
    #[serde(flatten)]
    pub status: BackupStatus,
    /// Seconds since the last success, now; `null` without one.
    pub age_seconds: Option<i64>,
}

/// The backup jobs of one device or of the fleet.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BackupReport {
    /// Where this came from (for the fleet: the least fresh device).
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Every job, failed first, then overdue, then unknown, then ok; by device and job within each.
    pub jobs: Vec<BackupJobStatus>,
    /// How many are ok.
    pub ok: usize,
    /// How many are overdue.
    pub overdue: usize,
    /// How many failed.
    pub failed: usize,
    /// How many are not known yet (`zfs` jobs before a current ZFS sample).
    pub unknown: usize,
}

impl FleetHandle {
    /// The backup jobs of `device`, or of every device (from their last polls); a device is
    /// read from its last poll unless `opts` asks for a live read.
    pub async fn backup_status(
        &self,
        device: Option<&str>,
        opts: &ReadOptions,
    ) -> Result<BackupReport, ApiError> {
        let (read, freshness) = self.read_one_or_all(device, "backups", opts).await?;
        let now = Utc::now();
        let mut jobs = Vec::new();
        for (name, state) in read {
            let Some(statuses) = state.backups() else { continue };
            jobs.extend(statuses.iter().map(|s| BackupJobStatus {
                device: name.clone(),
                age_seconds: s.last_success.map(|t| (now - t).num_seconds().max(0)),
                status: s.clone(),
            }));
        }
        let rank = |v: BackupVerdict| match v {
            BackupVerdict::Failed => 0,
            BackupVerdict::Overdue => 1,
            BackupVerdict::Unknown => 2,
            BackupVerdict::Ok => 3,
        };
        jobs.sort_by(|a, b| {
            (rank(a.status.verdict), &a.device, &a.status.job).cmp(&(
                rank(b.status.verdict),
                &b.device,
                &b.status.job,
            ))
        });
        let n = |v| jobs.iter().filter(|j| j.status.verdict == v).count();
        Ok(BackupReport {
            freshness,
            ok: n(BackupVerdict::Ok),
            overdue: n(BackupVerdict::Overdue),
            failed: n(BackupVerdict::Failed),
            unknown: n(BackupVerdict::Unknown),
            jobs,
        })
    }
}
