//! `check_snapshot_freshness`: the ZFS datasets whose newest snapshot is older than a limit,
//! or that have none, from one ZFS sample.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::AnalysisError;
use crate::model::glob;
use crate::model::zfs::{SnapshotSummary, ZfsSample};

/// Why a dataset is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Staleness {
    /// Its newest snapshot is older than the limit.
    Stale,
    /// It has snapshots, but none with a readable creation time.
    UnknownAge,
    /// It has no snapshot at all.
    NoSnapshots,
}

/// One dataset that is not fresh.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StaleDataset {
    /// Full dataset name (`tank/media`).
    pub dataset: String,
    /// Why it is listed.
    pub status: Staleness,
    /// How many snapshots it has.
    pub snapshot_count: u64,
    /// Name of its newest snapshot (the part after `@`).
    pub newest_snapshot: Option<String>,
    /// Creation time of its newest snapshot.
    pub newest_created_at: Option<DateTime<Utc>>,
    /// Age of the newest snapshot now, seconds.
    pub newest_age_seconds: Option<i64>,
}

/// The answer of [`check_snapshot_freshness`].
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FreshnessReport {
    /// The age limit, seconds.
    pub max_age_seconds: i64,
    /// The dataset pattern, when one was given.
    pub pattern: Option<String>,
    /// Datasets checked (those matching the pattern).
    pub checked: usize,
    /// Datasets checked whose newest snapshot is within the limit.
    pub fresh: usize,
    /// The others, by name.
    pub stale: Vec<StaleDataset>,
}

/// The datasets of `zfs` (observed at `observed_at`) matching `pattern` (a glob: `*` any
/// run of characters, `/` included, `?` one character; every dataset when `None`) whose
/// newest snapshot is older than `max_age` at `now`, or that have none.
pub fn check_snapshot_freshness(
    zfs: &ZfsSample,
    observed_at: DateTime<Utc>,
    now: DateTime<Utc>,
    max_age: Duration,
    pattern: Option<&str>,
) -> Result<FreshnessReport, AnalysisError> {
    if max_age <= Duration::zero() {
        return Err(AnalysisError::Invalid("the maximum age must be more than 0 seconds".into()));
    }
    if pattern.is_some_and(str::is_empty) {
        return Err(AnalysisError::Invalid("the dataset pattern is empty".into()));
    }
    let mut by_name: BTreeMap<&str, Option<&SnapshotSummary>> =
        zfs.datasets.iter().map(|d| (d.name.as_str(), None)).collect();
    for s in &zfs.snapshots {
        by_name.insert(s.dataset.as_str(), Some(s));
    }
    let mut report = FreshnessReport {
        max_age_seconds: max_age.num_seconds(),
        pattern: pattern.map(str::to_string),
        checked: 0,
        fresh: 0,
        stale: Vec::new(),
    };
    for (name, summary) in by_name {
        if pattern.is_some_and(|p| !glob::matches(p, name)) {
            continue;
        }
        report.checked += 1;
        match stale(name, summary, observed_at, now, max_age) {
            Some(s) => report.stale.push(s),
            None => report.fresh += 1,
        }
    }
    Ok(report)
}

fn stale(
    name: &str,
    summary: Option<&SnapshotSummary>,
    observed_at: DateTime<Utc>,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Option<StaleDataset> {
    let count = summary.map_or(0, |s| s.count);
    let newest = summary.and_then(|s| s.newest_created_at);
    // The age now: from the creation time, else the age at observation plus the time since.
    let age = match (newest, summary.and_then(|s| s.newest_age_secs)) {
        (Some(at), _) => Some((now - at).num_seconds()),
        (None, Some(secs)) => Some(secs.saturating_add((now - observed_at).num_seconds())),
        (None, None) => None,
    }
    .map(|a| a.max(0));
    let status = match age {
        _ if count == 0 => Staleness::NoSnapshots,
        None => Staleness::UnknownAge,
        Some(a) if a > max_age.num_seconds() => Staleness::Stale,
        Some(_) => return None,
    };
    Some(StaleDataset {
        dataset: name.to_string(),
        status,
        snapshot_count: count,
        newest_snapshot: summary.and_then(|s| s.newest_name.clone()),
        newest_created_at: newest,
        newest_age_seconds: age,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::zfs::Dataset;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn sample(now: DateTime<Utc>) -> ZfsSample {
        let dataset = |name: &str| Dataset { name: name.into(), ..Dataset::default() };
        let snap = |dataset: &str, count, hours: Option<i64>| SnapshotSummary {
            dataset: dataset.into(),
            count,
            newest_created_at: hours.map(|h| now - Duration::hours(h)),
            newest_name: hours.map(|h| format!("auto-{h}h")),
            newest_age_secs: hours.map(|h| h * 3600),
        };
        ZfsSample {
            datasets: ["tank", "tank/media", "tank/media/photos", "tank/vm", "rpool"]
                .map(dataset)
                .to_vec(),
            snapshots: vec![
                snap("tank/media", 30, Some(1)),
                snap("tank/media/photos", 12, Some(72)),
                snap("tank/vm", 3, None),
                snap("rpool", 5, Some(49)),
            ],
            ..ZfsSample::default()
        }
    }

    #[test]
    fn lists_stale_unknown_and_missing_snapshots_by_pattern() {
        let now = at("2026-03-10T12:00:00Z");
        let z = sample(now);
        // (pattern, max age hours, [(dataset, status)], fresh)
        type Case<'a> = (Option<&'a str>, i64, Vec<(&'a str, Staleness)>, usize);
        let cases: Vec<Case> = vec![
            (
                None,
                48,
                vec![
                    ("rpool", Staleness::Stale),
                    ("tank", Staleness::NoSnapshots),
                    ("tank/media/photos", Staleness::Stale),
                    ("tank/vm", Staleness::UnknownAge),
                ],
                1,
            ),
            (Some("tank/media*"), 48, vec![("tank/media/photos", Staleness::Stale)], 1),
            (Some("tank/media*"), 100, vec![], 2),
            (Some("rpool"), 50, vec![], 1),
            (Some("nothing/*"), 1, vec![], 0),
        ];
        for (pattern, hours, want, fresh) in cases {
            let r =
                check_snapshot_freshness(&z, now, now, Duration::hours(hours), pattern).unwrap();
            let got: Vec<_> = r.stale.iter().map(|s| (s.dataset.as_str(), s.status)).collect();
            assert_eq!(got, want, "{pattern:?} {hours}");
            assert_eq!((r.fresh, r.checked), (fresh, fresh + want.len()), "{pattern:?} {hours}");
        }
    }

    #[test]
    fn ages_count_from_now_not_from_the_observation() {
        let observed = at("2026-03-10T12:00:00Z");
        let now = observed + Duration::hours(10);
        let mut z = sample(observed);
        let r = check_snapshot_freshness(&z, observed, now, Duration::hours(48), Some("rpool"))
            .unwrap();
        assert_eq!(r.stale[0].newest_age_seconds, Some(59 * 3600));
        assert_eq!(r.stale[0].newest_snapshot.as_deref(), Some("auto-49h"));
        // Without a creation time, the age observed plus the time since.
        z.snapshots[3].newest_created_at = None;
        let r = check_snapshot_freshness(&z, observed, now, Duration::hours(48), Some("rpool"))
            .unwrap();
        assert_eq!(r.stale[0].newest_age_seconds, Some(59 * 3600));
        assert_eq!(r.stale[0].status, Staleness::Stale);
    }

    #[test]
    fn bad_arguments_are_refused() {
        let now = at("2026-03-10T12:00:00Z");
        let z = sample(now);
        let err = check_snapshot_freshness(&z, now, now, Duration::zero(), None).unwrap_err();
        assert_eq!(err.to_string(), "the maximum age must be more than 0 seconds");
        let err = check_snapshot_freshness(&z, now, now, Duration::hours(1), Some("")).unwrap_err();
        assert_eq!(err.to_string(), "the dataset pattern is empty");
    }
}
