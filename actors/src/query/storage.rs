//! Storage: drive health with a verdict per drive and its evidence, ZFS pools and
//! snapshots, md/Unraid arrays.

use serde::Serialize;

use super::{Freshness, ReadOptions};
use crate::api::{ApiError, FleetHandle};
use crate::model::arrays::ArraysSample;
use crate::model::drives::Drive;
use crate::model::zfs::{Pool, SnapshotSummary};

/// What a drive's SMART data says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing of concern.
    Ok,
    /// Unknown: asleep, unreadable, or no SMART data.
    Unknown,
    /// Worth watching (a few bad sectors, warm, wearing).
    Warning,
    /// Failing or failed: replace it.
    Failing,
}

/// One drive, its verdict and the evidence.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DriveVerdict {
    /// `ok`, `unknown`, `warning` or `failing`.
    pub verdict: Verdict,
    /// Why: one line per finding (empty when ok).
    pub evidence: Vec<String>,
    /// The drive as the last poll saw it.
    pub drive: Drive,
}

/// Drive health.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DriveHealth {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Drives, worst first.
    pub drives: Vec<DriveVerdict>,
}

/// The verdict of one drive, from the same findings a diagnosis uses (so the two never
/// disagree): critical is failing, a warning is a warning; a drive asleep, unreadable this
/// poll or without a self-assessment is unknown unless something worse was found.
pub fn verdict(d: &Drive) -> (Verdict, Vec<String>) {
    use crate::analysis::Severity;
    let findings = crate::analysis::drive_findings(d, &crate::analysis::Thresholds::default());
    let mut v = match findings.first().map(|f| f.0) {
        Some(Severity::Critical) => Verdict::Failing,
        Some(Severity::Warning) => Verdict::Warning,
        Some(Severity::Info) | None => Verdict::Ok,
    };
    let mut evidence: Vec<String> = findings.into_iter().map(|f| f.1).collect();
    let unread = d.error.is_some() || d.standby || d.smart_passed.is_none();
    if unread && v == Verdict::Ok {
        v = Verdict::Unknown;
    }
    if d.standby {
        evidence.push("in standby (not woken to read SMART)".into());
    } else if d.smart_passed.is_none() && d.error.is_none() {
        evidence.push("no SMART self-assessment reported".into());
    }
    (v, evidence)
}

/// ZFS pools and datasets.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ZfsStatus {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Pools with health, capacity, vdevs, scrub/resilver and errors.
    pub pools: Vec<Pool>,
    /// Pools whose health is not ONLINE.
    pub unhealthy: Vec<String>,
}

/// Snapshots per dataset.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SnapshotList {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Per dataset: count and newest snapshot.
    pub datasets: Vec<SnapshotSummary>,
}

/// md RAID and Unraid arrays.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArrayStatus {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Whether any array is degraded.
    pub degraded: bool,
    /// The arrays; `null` before the first arrays poll.
    pub arrays: Option<ArraysSample>,
}

impl FleetHandle {
    /// Drives with a verdict each (from the last poll unless `refresh`), optionally one drive
    /// (by device path or serial).
    pub async fn drive_health(
        &self,
        device: &str,
        drive: Option<&str>,
        opts: &ReadOptions,
    ) -> Result<DriveHealth, ApiError> {
        let (state, freshness) = self.read(device, "drives", opts).await?;
        let mut drives: Vec<DriveVerdict> = state
            .drives()
            .iter()
            .filter(|d| drive.is_none_or(|w| d.device == w || d.serial.as_deref() == Some(w)))
            .map(|d| {
                let (verdict, evidence) = verdict(d);
                DriveVerdict { verdict, evidence, drive: d.clone() }
            })
            .collect();
        if let Some(w) = drive
            && drives.is_empty()
        {
            let known: Vec<&str> = state.drives().iter().map(|d| d.device.as_str()).collect();
            return Err(ApiError::NotFound(format!(
                "no drive '{w}' on '{device}'; known: {}",
                known.join(", ")
            )));
        }
        drives.sort_by(|a, b| {
            b.verdict.cmp(&a.verdict).then_with(|| a.drive.device.cmp(&b.drive.device))
        });
        Ok(DriveHealth { freshness, device: device.to_string(), drives })
    }

    /// ZFS pools.
    pub async fn zfs_status(
        &self,
        device: &str,
        opts: &ReadOptions,
    ) -> Result<ZfsStatus, ApiError> {
        let (state, freshness) = self.read(device, "zfs", opts).await?;
        let pools = state.zfs().map(|z| z.pools.clone()).unwrap_or_default();
        let unhealthy =
            pools.iter().filter(|p| p.health != "ONLINE").map(|p| p.name.clone()).collect();
        Ok(ZfsStatus { freshness, device: device.to_string(), pools, unhealthy })
    }

    /// Snapshots per dataset, optionally of datasets under `dataset`.
    pub async fn zfs_snapshots(
        &self,
        device: &str,
        dataset: Option<&str>,
        opts: &ReadOptions,
    ) -> Result<SnapshotList, ApiError> {
        let (state, freshness) = self.read(device, "zfs", opts).await?;
        let under = |d: &str| dataset.is_none_or(|w| d == w || d.starts_with(&format!("{w}/")));
        let datasets = state
            .zfs()
            .map(|z| z.snapshots.iter().filter(|s| under(&s.dataset)).cloned().collect())
            .unwrap_or_default();
        Ok(SnapshotList { freshness, device: device.to_string(), datasets })
    }

    /// md RAID and Unraid arrays.
    pub async fn array_status(
        &self,
        device: &str,
        opts: &ReadOptions,
    ) -> Result<ArrayStatus, ApiError> {
        let (state, freshness) = self.read(device, "arrays", opts).await?;
        let arrays = state.arrays().cloned();
        let degraded = arrays.as_ref().is_some_and(|a| {
            a.md.iter().any(|m| m.degraded) || a.unraid.as_ref().is_some_and(|u| u.degraded)
        });
        Ok(ArrayStatus { freshness, device: device.to_string(), degraded, arrays })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drive(f: impl FnOnce(&mut Drive)) -> Drive {
        let mut d =
            Drive { device: "/dev/sda".into(), smart_passed: Some(true), ..Drive::default() };
        f(&mut d);
        d
    }

    #[test]
    fn verdicts_follow_the_diagnosis_findings() {
        let check = |d: Drive, want: Verdict| assert_eq!(verdict(&d).0, want, "{d:?}");
        check(drive(|_| {}), Verdict::Ok);
        check(drive(|d| d.reallocated_sectors = Some(3)), Verdict::Warning);
        check(drive(|d| d.smart_passed = Some(false)), Verdict::Failing);
        check(drive(|d| d.temperature_c = Some(70)), Verdict::Failing);
        check(drive(|d| d.temperature_c = Some(58)), Verdict::Warning);
        check(drive(|d| d.standby = true), Verdict::Unknown);
        check(drive(|d| d.smart_passed = None), Verdict::Unknown);
        check(drive(|d| (d.standby, d.pending_sectors) = (true, Some(2))), Verdict::Warning);
        let (_, evidence) = verdict(&drive(|d| d.reallocated_sectors = Some(3)));
        assert_eq!(evidence, ["3 reallocated sectors"]);
    }
}
