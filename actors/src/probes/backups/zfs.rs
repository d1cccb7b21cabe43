//! `zfs` backup jobs, judged from the ZFS probe's newest sample (no command of their own):
//! every dataset the job's pattern matches must have a snapshot younger than `max_age`; the
//! last success is the oldest of those datasets' newest snapshots.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::parse::{Reading, failed, judge};
use crate::events::{Event, EventKind};
use crate::model::backups::{BackupJob, BackupStatus, BackupVerdict};
use crate::model::glob;
use crate::model::zfs::ZfsSample;

/// Stale datasets named in the evidence; the rest are counted.
const MAX_NAMED: usize = 5;

/// What the backups probe knows of the device's ZFS at a poll.
#[derive(Debug, Clone)]
pub(crate) enum ZfsFeed {
    /// The ZFS probe is disabled for the device.
    Disabled,
    /// The device has no `zpool` (the ZFS probe is skipped).
    NoZpool,
    /// A sample recent enough to judge by.
    Current(Arc<Event>),
    /// No recent sample: none yet (just started, or the ZFS probe fails); the newest one's
    /// time, if there is an older one.
    NotCurrent(Option<DateTime<Utc>>),
}

impl ZfsFeed {
    /// The feed given the newest ZFS sample event, `fresh_from` the oldest time a sample
    /// may be from to be current.
    pub(crate) fn from_sample(last: Option<Arc<Event>>, fresh_from: DateTime<Utc>) -> Self {
        match last {
            Some(ev)
                if ev.observed_at >= fresh_from
                    && matches!(ev.kind, EventKind::PoolStatusSampled { .. }) =>
            {
                Self::Current(ev)
            }
            Some(ev) => Self::NotCurrent(Some(ev.observed_at)),
            None => Self::NotCurrent(None),
        }
    }

    /// Whether waiting could bring a current sample.
    pub(crate) fn may_come(&self) -> bool {
        matches!(self, Self::NotCurrent(_))
    }
}

/// The status of the `zfs` job `job` (pattern `dataset`) at `now` from `feed`. Without a
/// current sample the previous status of the job (if it had a verdict) is kept, with a note
/// first in its evidence; else the verdict is `unknown`.
pub(crate) fn zfs_status(
    job: &BackupJob,
    dataset: &str,
    feed: &ZfsFeed,
    previous: Option<&BackupStatus>,
    now: DateTime<Utc>,
) -> BackupStatus {
    let reading = match feed {
        ZfsFeed::Disabled => {
            failed("the zfs probe is disabled on this device; a zfs job reads its snapshots")
        }
        ZfsFeed::NoZpool => {
            failed("zpool was not found on the device (the zfs probe is skipped): no snapshots")
        }
        ZfsFeed::Current(ev) => match &ev.kind {
            EventKind::PoolStatusSampled { sample } => {
                read_snapshots(dataset, sample, job.max_age_seconds, now)
            }
            _ => failed("the ZFS sample is of another kind"),
        },
        ZfsFeed::NotCurrent(newest) => {
            let note = match newest {
                Some(t) => format!(
                    "no current ZFS sample (the newest is from {}; the zfs probe is not reporting)",
                    t.to_rfc3339()
                ),
                None => "no ZFS sample yet (the zfs probe has not reported)".to_owned(),
            };
            return not_current(job, previous, note, now);
        }
    };
    judge(job, reading, now)
}

/// The previous status kept (verdict, last success) with `note` first, or `unknown`.
fn not_current(
    job: &BackupJob,
    previous: Option<&BackupStatus>,
    note: String,
    now: DateTime<Utc>,
) -> BackupStatus {
    let kept = previous.filter(|p| p.verdict != BackupVerdict::Unknown && p.kind == "zfs");
    let mut status = match kept {
        Some(p) => {
            let mut s = p.clone();
            s.evidence.retain(|l| !is_note(l));
            // What was ok cannot stay ok past max_age of its last known success.
            let too_old = s.last_success.is_none_or(|t| {
                (now - t).num_seconds() > i64::try_from(job.max_age_seconds).unwrap_or(i64::MAX)
            });
            if s.verdict == BackupVerdict::Ok && too_old {
                s.verdict = BackupVerdict::Overdue;
                s.evidence
                    .insert(0, format!("{note}; the last known success is older than max_age"));
            } else {
                s.evidence.insert(0, format!("{note}; verdict kept from the previous poll"));
            }
            s
        }
        None => {
            let mut s = judge(job, Reading::default(), now);
            s.verdict = BackupVerdict::Unknown;
            s.evidence = vec![note];
            s
        }
    };
    status.max_age_seconds = job.max_age_seconds;
    status
}

fn is_note(line: &str) -> bool {
    line.starts_with("no current ZFS sample") || line.starts_with("no ZFS sample yet")
}

/// A dataset's newest snapshot: its name after `@` (when known) and creation time.
type Newest<'a> = (Option<&'a str>, DateTime<Utc>);

/// The newest snapshot of every dataset of `sample` matching `pattern`, judged against
/// `max_age` at `now`.
pub(crate) fn read_snapshots(
    pattern: &str,
    sample: &ZfsSample,
    max_age: u64,
    now: DateTime<Utc>,
) -> Reading {
    // Every dataset, with its newest snapshot (name, time) when it has one.
    let mut newest: BTreeMap<&str, Option<Newest<'_>>> =
        sample.datasets.iter().map(|d| (d.name.as_str(), None)).collect();
    for s in &sample.snapshots {
        let snap = s.newest_created_at.map(|t| (s.newest_name.as_deref(), t));
        newest.insert(s.dataset.as_str(), snap);
    }
    newest.retain(|name, _| glob::matches(pattern, name));
    if newest.is_empty() {
        return failed(&format!("no ZFS dataset matches {pattern}"));
    }
    let max_age = i64::try_from(max_age).unwrap_or(i64::MAX);
    let stale: Vec<String> = newest
        .iter()
        .filter_map(|(name, snap)| match snap {
            None => Some(format!("{name}: no snapshot")),
            Some((snap, t)) if (now - *t).num_seconds() > max_age => Some(format!(
                "{name}: newest snapshot {name}@{} at {}",
                snap.unwrap_or("?"),
                t.to_rfc3339()
            )),
            Some(_) => None,
        })
        .collect();
    let oldest = newest.iter().filter_map(|(n, s)| s.map(|(snap, t)| (t, *n, snap))).min();
    // No snapshot at all on a matched dataset: there is no last success to speak of.
    let all_have_one = newest.values().all(Option::is_some);
    let mut r = Reading {
        last_success: if all_have_one { oldest.map(|o| o.0) } else { None },
        ..Reading::default()
    };
    let total = newest.len();
    if stale.is_empty() {
        if let Some((t, name, snap)) = oldest {
            r.evidence.push(format!(
                "{total} dataset(s) match {pattern}; the oldest newest snapshot: {name}@{} at {}",
                snap.unwrap_or("?"),
                t.to_rfc3339()
            ));
        }
    } else {
        r.evidence
            .push(format!("{} of {total} dataset(s) matching {pattern} are stale", stale.len()));
        r.evidence.extend(stale.iter().take(MAX_NAMED).cloned());
        if stale.len() > MAX_NAMED {
            r.evidence.push(format!("and {} more", stale.len() - MAX_NAMED));
        }
    }
    r
}
