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

/// The verdict of one drive (temperatures: 55/65 °C, NVMe 70/80 °C).
pub fn verdict(d: &Drive) -> (Verdict, Vec<String>) {
    let mut v = Verdict::Ok;
    let mut ev = Vec::new();
    let mut note = |level: Verdict, line: String| {
        v = v.max(level);
        ev.push(line);
    };
    if let Some(e) = &d.error {
        note(Verdict::Unknown, format!("not read this poll: {e}"));
    }
    if d.standby {
        note(Verdict::Unknown, "in standby (not woken to read SMART)".into());
    }
    if d.smart_passed == Some(false) {
        note(Verdict::Failing, "SMART overall self-assessment: FAILED".into());
    }
    for a in d.attributes.iter().filter(|a| a.failing_now) {
        note(
            Verdict::Failing,
            format!("attribute {} ({}) is below its threshold now", a.id, a.name),
        );
    }
    for (what, n, crit) in [
        ("reallocated sectors", d.reallocated_sectors, 20),
        ("pending sectors", d.pending_sectors, 1),
        ("offline uncorrectable sectors", d.offline_uncorrectable, 1),
        ("NVMe media errors", d.nvme_media_errors, 1),
        ("grown defects", d.scsi_grown_defects, 20),
    ] {
        match n {
            Some(n) if n >= crit => note(Verdict::Failing, format!("{what}: {n}")),
            Some(n) if n > 0 => note(Verdict::Warning, format!("{what}: {n}")),
            _ => {}
        }
    }
    let nvme = d.protocol.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("nvme"));
    let (warm, hot) = if nvme { (70, 80) } else { (55, 65) };
    match d.temperature_c {
        Some(t) if t >= hot => {
            note(Verdict::Failing, format!("temperature {t} °C (critical at {hot})"))
        }
        Some(t) if t >= warm => {
            note(Verdict::Warning, format!("temperature {t} °C (warning at {warm})"))
        }
        _ => {}
    }
    if let Some(u) = d.nvme_percentage_used.filter(|&u| u >= 90) {
        note(
            if u >= 100 { Verdict::Failing } else { Verdict::Warning },
            format!("NVMe life used {u} %"),
        );
    }
    if let Some(s) = d.nvme_available_spare.filter(|&s| s <= 10) {
        note(Verdict::Failing, format!("NVMe available spare {s} %"));
    }
    if d.smart_passed.is_none() && d.error.is_none() && !d.standby {
        note(Verdict::Unknown, "no SMART self-assessment reported".into());
    }
    (v, ev)
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
