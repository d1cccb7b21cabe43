//! `restic check` of restic jobs with a `check_interval`: when a check is due, reading its
//! output into a record (kept across restarts in `BackupSampled`), and folding the record
//! into the job's status (a failed check fails the job, with restic's error as evidence).

use chrono::{DateTime, Utc};

use super::parse::split_exit;
use crate::model::backups::{BackupJob, BackupSource, BackupStatus, BackupVerdict};

/// The last `restic check` that ran to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckRecord {
    /// When it ran (the poll's time).
    pub(crate) at: DateTime<Utc>,
    /// Whether it found no error.
    pub(crate) ok: bool,
    /// The first error line of a failed check.
    pub(crate) error: Option<String>,
}

impl CheckRecord {
    /// The record kept in `status`, if it has one.
    pub(crate) fn of(status: &BackupStatus) -> Option<Self> {
        Some(Self {
            at: status.last_check?,
            ok: status.check_ok?,
            error: status.check_error.clone(),
        })
    }
}

/// What one `restic check` run gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckRun {
    /// It ran to its end (or out of time: that is a failed check, not retried at once).
    Done(CheckRecord),
    /// It could not start or finish, for a reason that may pass (the repository is locked by
    /// a backup, the device could not be reached): retried at the next poll.
    NotRun(String),
}

/// The check interval of `job`, when it is a restic job with one.
pub(crate) fn interval(job: &BackupJob) -> Option<u64> {
    match &job.source {
        BackupSource::Restic { check_interval_seconds, .. } => *check_interval_seconds,
        _ => None,
    }
}

/// How soon a failed check is run again at the latest, seconds: a repaired repository (or a
/// removed stale lock) is seen within a day, not a whole `check_interval` later.
const RETRY_FAILED_SECS: u64 = 86_400;

/// Whether a check of `job` is due at `now` after `last`.
pub(crate) fn due(job: &BackupJob, last: Option<&CheckRecord>, now: DateTime<Utc>) -> bool {
    let Some(every) = interval(job) else { return false };
    let every = if last.is_some_and(|l| !l.ok) { every.min(RETRY_FAILED_SECS) } else { every };
    let every = i64::try_from(every).unwrap_or(i64::MAX);
    last.is_none_or(|l| (now - l.at).num_seconds() >= every)
}

/// Progress and status lines of `restic check` that are not errors.
fn is_progress(line: &str) -> bool {
    const PLAIN: [&str; 5] = [
        "using temporary cache in ",
        "create exclusive lock for repository",
        "load indexes",
        "check all packs",
        "check snapshots, trees and blobs",
    ];
    line.is_empty()
        || line.starts_with('[')
        || PLAIN.iter().any(|p| line.starts_with(p))
        || line == "no errors were found"
        // Retries of a read are not the verdict; the error they end in is printed after.
        || (line.starts_with("Load(") && line.contains("returned error, retrying"))
}

/// The record of a check from its output `lines` (ending in `exit:<status>`), run at `at`
/// with the deadline `timeout_secs`.
pub(crate) fn parse_check(lines: &[&str], at: DateTime<Utc>, timeout_secs: u64) -> CheckRun {
    let (status, before, _) = split_exit(lines);
    let text: Vec<&str> = before.iter().map(|l| l.trim()).collect();
    let first_error = || {
        let line = text.iter().copied().find(|l| !is_progress(l));
        line.map(|l| crate::probes::printable(l).chars().take(200).collect::<String>())
    };
    match status {
        Some(0) => CheckRun::Done(CheckRecord { at, ok: true, error: None }),
        _ if text.iter().any(|l| l.contains("unable to create lock")) => {
            let why = text.iter().find(|l| l.contains("unable to create lock")).unwrap_or(&"");
            CheckRun::NotRun(format!("restic check could not lock the repository: {why}"))
        }
        // `timeout -s INT` ended it: restic was interrupted at the deadline (GNU timeout
        // says 124; BusyBox passes restic's own 130, or 137 after the `-k` kill).
        Some(124 | 130 | 137) => CheckRun::Done(CheckRecord {
            at,
            ok: false,
            error: Some(format!("restic check did not finish within {timeout_secs} s")),
        }),
        Some(s) => CheckRun::Done(CheckRecord {
            at,
            ok: false,
            error: Some(first_error().unwrap_or_else(|| format!("restic check exited with {s}"))),
        }),
        None => CheckRun::NotRun("restic check gave no exit status (cut short)".to_owned()),
    }
}

/// Folds the last check (and a note about this poll's attempt) into `status`: a failed
/// check makes the verdict failed, its error first in the evidence.
pub(crate) fn apply(status: &mut BackupStatus, last: Option<&CheckRecord>, note: Option<String>) {
    if let Some(rec) = last {
        status.last_check = Some(rec.at);
        status.check_ok = Some(rec.ok);
        status.check_error.clone_from(&rec.error);
        if !rec.ok {
            let why = format!(
                "restic check of {} failed: {}",
                rec.at.to_rfc3339(),
                rec.error.as_deref().unwrap_or("?")
            );
            if status.verdict == BackupVerdict::Failed {
                status.evidence.push(why);
            } else {
                status.verdict = BackupVerdict::Failed;
                status.evidence.insert(0, why);
            }
        } else {
            status
                .evidence
                .push(format!("restic check of {} found no errors", rec.at.to_rfc3339()));
        }
    }
    if let Some(note) = note {
        status.evidence.push(note);
    }
}
