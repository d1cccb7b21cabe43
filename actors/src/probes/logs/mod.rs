//! Logs probe: the journal and every running container's log read window by window for the
//! log patterns; each window starts where the last one ended (kept in the sample, so across
//! restarts too), so no line is matched twice and none is skipped.

mod patterns;
mod scan;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use patterns::{LogPattern, LogPatterns, MAX_REGEX_BYTES, default_patterns};
pub use scan::{Scan, parse_scan};

use crate::command;
use crate::events::EventKind;
use crate::model::logs::LogMatch;

use super::sections;
use super::{PollContext, Probe, ProbeError};

/// How long matches are kept in the sample (the diagnosis looks at the last hour by
/// default; an alert's window can be longer).
pub const RECENT_HOURS: i64 = 24;

/// Most recent matches kept (by pattern and source).
pub const MAX_RECENT: usize = 100;

/// Reads the logs for the patterns.
///
/// Returns `LogsScanned` (the window, and the matches of the last 24 hours), then one
/// `LogPatternMatched` per pattern and source with new lines.
#[derive(Debug)]
pub struct LogsProbe {
    patterns: Arc<LogPatterns>,
    /// Where the next window starts, device seconds; `None` before the first scan.
    from: Option<i64>,
    recent: Vec<LogMatch>,
}

impl LogsProbe {
    /// A probe for `patterns`.
    pub fn new(patterns: Arc<LogPatterns>) -> Self {
        Self { patterns, from: None, recent: Vec::new() }
    }
}

#[async_trait::async_trait]
impl Probe for LogsProbe {
    fn name(&self) -> &'static str {
        "logs"
    }

    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::LogsScanned { until, recent, .. } = &last.kind {
            self.from = Some(until.timestamp());
            self.recent = recent.clone();
        }
    }

    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let (journal, containers) = (self.patterns.combined(true), self.patterns.combined(false));
        let cmd =
            command::logs::log_scan(self.from, journal.as_deref(), containers.as_deref(), ctx.sudo);
        let out = ctx.run(&cmd).await?;
        let (_, sections) = sections::split(&out.stdout, cmd.section_nonce());
        let scan = parse_scan(&sections, &self.patterns, ctx.observed_at);
        let Some((from, until)) = scan.window else {
            return Err(ProbeError::Output {
                command: "log_scan",
                detail: format!(
                    "no clock line (exit {}): {}",
                    out.status,
                    super::first_line(&out.stderr)
                ),
            });
        };
        for e in &scan.errors {
            tracing::warn!(probe = "logs", error = %e, "a log source could not be read");
        }
        self.from = Some(until);
        fold(&mut self.recent, &scan.matches, ctx.observed_at);
        let at = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or(ctx.observed_at);
        let mut events = vec![EventKind::LogsScanned {
            from: at(from),
            until: at(until),
            sources: scan.sources,
            recent: self.recent.clone(),
            errors: scan.errors,
        }];
        events.extend(
            scan.matches.into_iter().map(|matched| EventKind::LogPatternMatched { matched }),
        );
        Ok(events)
    }
}

/// Folds new matches into the recent ones, drops those older than [`RECENT_HOURS`] and keeps
/// the newest [`MAX_RECENT`].
pub fn fold(recent: &mut Vec<LogMatch>, new: &[LogMatch], now: DateTime<Utc>) {
    for m in new {
        match recent.iter_mut().find(|r| r.pattern == m.pattern && r.source == m.source) {
            Some(r) => r.absorb(m),
            None => recent.push(m.clone()),
        }
    }
    let cutoff = now - chrono::Duration::hours(RECENT_HOURS);
    recent.retain(|r| r.last_at >= cutoff);
    recent.sort_by_key(|r| std::cmp::Reverse(r.last_at));
    recent.truncate(MAX_RECENT);
    recent.sort_by(|a, b| (&a.pattern, &a.source).cmp(&(&b.pattern, &b.source)));
}
