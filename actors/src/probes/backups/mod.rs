//! Backups probe: the declared backup jobs of a device (restic snapshots and, on its own
//! interval, `restic check`; a systemd unit's last run; a marker file's modification time;
//! ZFS snapshots from the ZFS probe's samples), diffed into `BackupFailed`,
//! `BackupOverdue` and `BackupRecovered`.

mod check;
mod parse;
mod zfs;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_zfs;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use parse::{parse_job, systemd_timestamp};

use self::check::{CheckRecord, CheckRun};
use self::zfs::ZfsFeed;
use crate::command;
use crate::events::EventKind;
use crate::model::backups::{BackupJob, BackupSource, BackupStatus, BackupVerdict};

use super::{DeviceFacts, PollContext, Probe, ProbeError, sections};

/// Longest wait of a poll for the ZFS probe's first current sample (it starts with this
/// probe, so just after a start it is usually a second or two behind).
const ZFS_WAIT_MAX: Duration = Duration::from_secs(60);

/// Checks refused in a row for a lock before the lock counts as stale (a failed check).
const STALE_LOCK_TRIES: u32 = 3;

/// Reads every job of a device in one round trip (`zfs` jobs from the ZFS probe's newest
/// sample instead), and runs `restic check` of the restic jobs whose `check_interval` is due.
///
/// Returns `BackupSampled`, then for each job whose verdict changed: `BackupFailed` (now
/// failed), `BackupOverdue` (now overdue) or `BackupRecovered` (now ok after either). On the
/// first poll a job already failed or overdue is reported once, unless the probe was resumed
/// from its last sample. An `unknown` verdict raises nothing.
pub struct BackupsProbe {
    jobs: Arc<Vec<BackupJob>>,
    /// The ZFS probe's interval on this device; `None`: it is disabled.
    zfs_interval: Option<Duration>,
    /// The device's tools and other samples, once the poller started.
    facts: Option<DeviceFacts>,
    /// Status of each job at the previous poll; `None` before the first.
    previous: Option<HashMap<String, BackupStatus>>,
    /// The last check of each restic job with a `check_interval`.
    checks: HashMap<String, CheckRecord>,
    /// Checks of each job refused in a row because the repository was locked.
    locked: HashMap<String, u32>,
}

impl std::fmt::Debug for BackupsProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupsProbe")
            .field("jobs", &self.jobs)
            .field("zfs_interval", &self.zfs_interval)
            .field("previous", &self.previous)
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl BackupsProbe {
    /// A probe of `jobs`, on a device whose ZFS probe polls every `zfs_interval` (`None`:
    /// disabled).
    pub fn new(jobs: Arc<Vec<BackupJob>>, zfs_interval: Option<Duration>) -> Self {
        Self {
            jobs,
            zfs_interval,
            facts: None,
            previous: None,
            checks: HashMap::new(),
            locked: HashMap::new(),
        }
    }

    /// What is known of the device's ZFS now: a sample counts when it is younger than twice
    /// the ZFS probe's interval plus a minute (at `now`).
    fn zfs_feed(&self, now: chrono::DateTime<chrono::Utc>) -> ZfsFeed {
        let Some(every) = self.zfs_interval else { return ZfsFeed::Disabled };
        let Some(facts) = &self.facts else { return ZfsFeed::NotCurrent(None) };
        // No zpool now is the answer, even when an old sample (from when it had one) is stored.
        if facts.capabilities.as_ref().is_some_and(|c| !c.has("zpool")) {
            return ZfsFeed::NoZpool;
        }
        let last = (facts.samples)("zfs");
        let window = every.saturating_mul(2).saturating_add(Duration::from_secs(60));
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        ZfsFeed::from_sample(last, now - window)
    }

    /// The ZFS feed, waiting (bounded) for a current sample when there is none yet.
    async fn zfs_feed_waiting(&self, ctx: &PollContext<'_>) -> ZfsFeed {
        let deadline = tokio::time::Instant::now()
            + ctx.command_timeout.saturating_add(Duration::from_secs(5)).min(ZFS_WAIT_MAX);
        loop {
            let feed = self.zfs_feed(ctx.observed_at);
            if !feed.may_come() || self.facts.is_none() || tokio::time::Instant::now() >= deadline {
                return feed;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Runs the due `restic check` of `job`, records it, and folds the last one into `status`.
    async fn check(&mut self, ctx: &PollContext<'_>, job: &BackupJob, status: &mut BackupStatus) {
        let mut note = None;
        let last = self.checks.get(&job.name);
        // A job whose snapshots cannot be read would fail its check the same way.
        let readable = status.verdict != BackupVerdict::Failed;
        let cmd = command::backups::restic_check(job, ctx.command_timeout);
        if let Some(cmd) = cmd.filter(|_| readable && check::due(job, last, ctx.observed_at)) {
            let secs = cmd.timeout.max(ctx.command_timeout).as_secs();
            let run = match ctx.run_long(&cmd).await {
                Ok(out) => {
                    let lines: Vec<&str> = out.stdout.lines().collect();
                    check::parse_check(&lines, ctx.observed_at, secs)
                }
                // Not stopped by its SIGINT, killed at the deadline: a failed check.
                Err(
                    crate::transport::TransportError::Hung { .. }
                    | crate::transport::TransportError::Timeout { .. },
                ) => CheckRun::Done(CheckRecord {
                    at: ctx.observed_at,
                    ok: false,
                    error: Some(format!("restic check did not finish within {secs} s")),
                }),
                Err(e) => CheckRun::NotRun(format!("restic check could not run: {e}")),
            };
            match run {
                CheckRun::Done(rec) => {
                    self.locked.remove(&job.name);
                    self.checks.insert(job.name.clone(), rec);
                }
                // restic 0.14 never drops a stale lock by itself: locked at every try of
                // several polls is not a backup running, it is a lock left behind.
                CheckRun::NotRun(why) if why.contains("could not lock") => {
                    let n = self.locked.entry(job.name.clone()).or_default();
                    *n += 1;
                    if *n >= STALE_LOCK_TRIES {
                        let error = format!(
                            "{why} at {n} polls in a row: a stale lock? `restic unlock` removes it"
                        );
                        let rec =
                            CheckRecord { at: ctx.observed_at, ok: false, error: Some(error) };
                        self.checks.insert(job.name.clone(), rec);
                        self.locked.remove(&job.name);
                    } else {
                        note = Some(format!("{why}; retried at the next poll"));
                    }
                }
                CheckRun::NotRun(why) => note = Some(format!("{why}; retried at the next poll")),
            }
        }
        check::apply(status, self.checks.get(&job.name), note);
    }
}

#[async_trait::async_trait]
impl Probe for BackupsProbe {
    fn name(&self) -> &'static str {
        "backups"
    }

    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::BackupSampled { jobs } = &last.kind {
            self.checks =
                jobs.iter().filter_map(|j| Some((j.job.clone(), CheckRecord::of(j)?))).collect();
            self.previous = Some(jobs.iter().map(|j| (j.job.clone(), j.clone())).collect());
        }
    }

    fn attach(&mut self, device: &DeviceFacts) {
        self.facts = Some(device.clone());
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let cmd = command::backups::backups_within(&self.jobs, ctx.command_timeout);
        let out = match &cmd {
            Some(c) => Some(ctx.run(c).await?),
            None => None,
        };
        let found = match (&cmd, &out) {
            (Some(c), Some(out)) => {
                let (_, found) = sections::split(&out.stdout, c.section_nonce());
                if found.is_empty() {
                    return Err(ProbeError::Output {
                        command: "backups",
                        detail: format!(
                            "no section (exit {}): {}",
                            out.status,
                            super::first_line(&out.stderr)
                        ),
                    });
                }
                found
            }
            _ => Vec::new(),
        };
        let has_zfs = self.jobs.iter().any(|j| matches!(j.source, BackupSource::Zfs { .. }));
        let feed = if has_zfs { Some(self.zfs_feed_waiting(ctx).await) } else { None };
        let jobs = self.jobs.clone();
        let mut statuses: Vec<BackupStatus> = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            let mut status = match (&job.source, &feed) {
                (BackupSource::Zfs { dataset }, Some(feed)) => {
                    let before = self.previous.as_ref().and_then(|p| p.get(&job.name));
                    zfs::zfs_status(job, dataset, feed, before, ctx.observed_at)
                }
                _ => {
                    let name = format!("j{i}");
                    let lines = found.iter().find(|s| s.name == name).map(|s| s.lines.as_slice());
                    parse_job(job, lines, ctx.observed_at)
                }
            };
            if check::interval(job).is_some() {
                self.check(ctx, job, &mut status).await;
            }
            statuses.push(status);
        }
        let verdicts: Option<HashMap<String, BackupVerdict>> =
            self.previous.as_ref().map(|p| p.iter().map(|(k, s)| (k.clone(), s.verdict)).collect());
        let mut events = Vec::with_capacity(1 + statuses.len());
        events.push(EventKind::BackupSampled { jobs: statuses.clone() });
        events.extend(diff(verdicts.as_ref(), &statuses));
        self.previous = Some(statuses.into_iter().map(|j| (j.job.clone(), j)).collect());
        Ok(events)
    }
}

/// The change events from the verdicts of the previous poll (`None`: none yet, every job was
/// `ok`) to `current`, in job order.
pub fn diff(
    previous: Option<&HashMap<String, BackupVerdict>>,
    current: &[BackupStatus],
) -> Vec<EventKind> {
    let mut events = Vec::new();
    for s in current {
        let before = match previous.and_then(|p| p.get(&s.job)).copied() {
            None | Some(BackupVerdict::Unknown) => BackupVerdict::Ok,
            Some(v) => v,
        };
        if before == s.verdict || s.verdict == BackupVerdict::Unknown {
            continue;
        }
        events.push(match s.verdict {
            BackupVerdict::Failed => EventKind::BackupFailed {
                job: s.job.clone(),
                kind: s.kind.clone(),
                detail: s.evidence.first().cloned().unwrap_or_default(),
            },
            BackupVerdict::Overdue => EventKind::BackupOverdue {
                job: s.job.clone(),
                kind: s.kind.clone(),
                last_success: s.last_success,
                max_age_seconds: s.max_age_seconds,
            },
            BackupVerdict::Ok => {
                EventKind::BackupRecovered { job: s.job.clone(), last_success: s.last_success }
            }
            BackupVerdict::Unknown => continue,
        });
    }
    events
}
