//! Backups probe: the declared backup jobs of a device (restic snapshots, a systemd unit's
//! last run, a marker file's modification time), diffed into `BackupFailed`,
//! `BackupOverdue` and `BackupRecovered`.

mod parse;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

pub use parse::{parse_job, systemd_timestamp};

use crate::command;
use crate::events::EventKind;
use crate::model::backups::{BackupJob, BackupStatus, BackupVerdict};

use super::{PollContext, Probe, ProbeError, sections};

/// Reads every job of a device in one round trip.
///
/// Returns `BackupSampled`, then for each job whose verdict changed: `BackupFailed` (now
/// failed), `BackupOverdue` (now overdue) or `BackupRecovered` (now ok after either). On the
/// first poll a job already failed or overdue is reported once, unless the probe was resumed
/// from its last sample.
#[derive(Debug)]
pub struct BackupsProbe {
    jobs: Arc<Vec<BackupJob>>,
    /// Verdict of each job at the previous poll; `None` before the first.
    previous: Option<HashMap<String, BackupVerdict>>,
}

impl BackupsProbe {
    /// A probe of `jobs`.
    pub fn new(jobs: Arc<Vec<BackupJob>>) -> Self {
        Self { jobs, previous: None }
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
            self.previous = Some(jobs.iter().map(|j| (j.job.clone(), j.verdict)).collect());
        }
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let Some(cmd) = command::backups::backups(&self.jobs) else {
            return Ok(vec![EventKind::BackupSampled { jobs: Vec::new() }]);
        };
        let out = ctx.run(&cmd).await?;
        let (_, found) = sections::split(&out.stdout, cmd.section_nonce());
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
        let jobs: Vec<BackupStatus> = self
            .jobs
            .iter()
            .enumerate()
            .map(|(i, job)| {
                let name = format!("j{i}");
                let lines = found.iter().find(|s| s.name == name).map(|s| s.lines.as_slice());
                parse_job(job, lines, ctx.observed_at)
            })
            .collect();
        let mut events = Vec::with_capacity(1 + jobs.len());
        events.push(EventKind::BackupSampled { jobs: jobs.clone() });
        events.extend(diff(self.previous.as_ref(), &jobs));
        self.previous = Some(jobs.into_iter().map(|j| (j.job, j.verdict)).collect());
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
        let before = previous.and_then(|p| p.get(&s.job)).copied().unwrap_or(BackupVerdict::Ok);
        if before == s.verdict {
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
        });
    }
    events
}
