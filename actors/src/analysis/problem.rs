//! What a diagnosis reports: problems with their severity, area and evidence, a device's
//! score and the fleet's roll-up.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::Thresholds;

/// How bad a problem is; sorts most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Needs action now: data or service at risk or lost.
    Critical,
    /// Needs attention soon.
    Warning,
    /// Worth knowing.
    Info,
}

/// What part of a device a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Reachability of the device itself.
    Device,
    /// A probe that fails to run.
    Probe,
    /// A drive's SMART health or temperature.
    Drive,
    /// A ZFS pool.
    Pool,
    /// An md or Unraid array.
    Array,
    /// A filesystem's space.
    Filesystem,
    /// Memory.
    Memory,
    /// CPU load.
    Cpu,
    /// The load average per core.
    Load,
    /// A Docker container.
    Container,
    /// A systemd unit.
    Service,
    /// A libvirt VM.
    Vm,
    /// ZFS snapshots.
    Snapshot,
    /// Pending package updates.
    Updates,
    /// Log lines that matched a log pattern.
    Logs,
    /// A declared backup job that failed or is overdue.
    Backup,
    /// A container image with a newer version in its registry.
    Images,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Problem {
    /// How bad it is.
    pub severity: Severity,
    /// What part of the device it is about.
    pub area: Area,
    /// What exactly: a container, drive, pool, mount point, unit… (the device name for
    /// device-wide findings).
    pub object: String,
    /// One line for a reader.
    pub summary: String,
    /// The figures the finding rests on.
    pub evidence: serde_json::Value,
    /// When the sample it comes from was taken (`None` for findings about the device's
    /// connection).
    pub observed_at: Option<DateTime<Utc>>,
}

impl Problem {
    pub(crate) fn new(
        severity: Severity,
        area: Area,
        object: impl Into<String>,
        summary: impl Into<String>,
        evidence: serde_json::Value,
        observed_at: Option<DateTime<Utc>>,
    ) -> Self {
        let (object, summary) = (object.into(), summary.into());
        Self { severity, area, object, summary, evidence, observed_at }
    }
}

/// How many problems of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ProblemCounts {
    /// Critical problems.
    pub critical: usize,
    /// Warnings.
    pub warning: usize,
    /// Informational findings.
    pub info: usize,
}

impl ProblemCounts {
    pub(crate) fn of(problems: &[Problem]) -> Self {
        let mut c = Self::default();
        for p in problems {
            c.add(p.severity);
        }
        c
    }

    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// Every problem counted.
    pub fn total(&self) -> usize {
        self.critical + self.warning + self.info
    }
}

/// Whether the device answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// Connected.
    Online,
    /// Declared offline after failed polls.
    Offline,
    /// Not known yet (no connection attempt has settled).
    Unknown,
}

/// The diagnosis of one device.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DeviceDiagnosis {
    /// Device name.
    pub device: String,
    /// Health score, 0 (worst) to 100: 100 minus a penalty per problem by severity, at most
    /// `offline_max_score` while offline.
    pub score: u8,
    /// Whether it answers.
    pub status: Reachability,
    /// When the online/offline status last changed.
    pub since: Option<DateTime<Utc>>,
    /// When anything was last heard from it.
    pub last_seen: Option<DateTime<Utc>>,
    /// Problems by severity.
    pub counts: ProblemCounts,
    /// Problems, most severe first (then by area and object).
    pub problems: Vec<Problem>,
    /// Probes whose latest sample was examined (its capabilities decide which run).
    pub checked: Vec<String>,
    /// Probes not run on the device, with the reason (e.g. a missing tool).
    pub skipped: BTreeMap<String, String>,
    /// One line for a reader.
    pub summary: String,
}

/// The diagnosis of every device.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FleetDiagnosis {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Devices, worst score first (then by name).
    pub devices: Vec<DeviceDiagnosis>,
    /// Devices diagnosed.
    pub total: usize,
    /// Devices online.
    pub online: usize,
    /// Devices offline.
    pub offline: usize,
    /// Problems by severity across the fleet.
    pub counts: ProblemCounts,
    /// One line for a reader.
    pub summary: String,
}

/// Sorts problems most severe first, then by area and object.
pub(crate) fn rank(problems: &mut [Problem]) {
    problems.sort_by(|a, b| {
        (a.severity, a.area, &a.object, &a.summary)
            .cmp(&(b.severity, b.area, &b.object, &b.summary))
    });
}

/// 100 minus the penalties of `counts`, floored at 0, capped for an offline device.
pub(crate) fn score(counts: &ProblemCounts, offline: bool, t: &Thresholds) -> u8 {
    let penalty = |n: usize, w: u32| (n as u64).saturating_mul(u64::from(w));
    let lost = penalty(counts.critical, t.penalty_critical)
        .saturating_add(penalty(counts.warning, t.penalty_warning))
        .saturating_add(penalty(counts.info, t.penalty_info));
    let s = 100u64.saturating_sub(lost) as u8;
    if offline { s.min(t.offline_max_score) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_penalty_floor_and_offline_cap() {
        let t = Thresholds::default();
        let c = |critical, warning, info| ProblemCounts { critical, warning, info };
        // (counts, offline, score)
        let cases = [
            (c(0, 0, 0), false, 100),
            (c(0, 0, 1), false, 98),
            (c(0, 2, 1), false, 78),
            (c(1, 1, 0), false, 65),
            (c(4, 0, 0), false, 0),
            (c(9, 9, 9), false, 0),
            (c(usize::MAX, 0, 0), false, 0),
            (c(1, 0, 0), true, 10),
            (c(4, 0, 0), true, 0),
        ];
        for (counts, offline, want) in cases {
            assert_eq!(score(&counts, offline, &t), want, "{counts:?} offline {offline}");
        }
    }

    #[test]
    fn ranks_by_severity_then_area() {
        let p = |s, a, o: &str| Problem::new(s, a, o, "x", serde_json::Value::Null, None);
        let mut v = vec![
            p(Severity::Info, Area::Updates, "apt"),
            p(Severity::Warning, Area::Container, "b"),
            p(Severity::Critical, Area::Pool, "tank"),
            p(Severity::Warning, Area::Drive, "/dev/sda"),
            p(Severity::Critical, Area::Device, "tower"),
        ];
        rank(&mut v);
        let got: Vec<_> = v.iter().map(|p| p.object.as_str()).collect();
        assert_eq!(got, ["tower", "tank", "/dev/sda", "b", "apt"]);
        assert_eq!(ProblemCounts::of(&v), ProblemCounts { critical: 2, warning: 2, info: 1 });
    }
}
