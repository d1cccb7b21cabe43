//! The log-pattern check: a pattern that matched in a source within the window is a finding
//! of the pattern's severity, with the matching lines as evidence.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Thresholds;
use super::problem::{Area, Problem, Severity};
use crate::model::alerts::Severity as Level;
use crate::model::logs::{LogMatch, LogSource};

/// One finding per pattern and source whose last match is within
/// `t.log_match_window_secs` of `now`; its object is `<pattern>@<source>`
/// (`oom@journal`, `oom@container:web`).
pub(crate) fn logs(
    matches: &[LogMatch],
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    let since = now - chrono::Duration::seconds(t.log_match_window_secs.max(0));
    for m in matches.iter().filter(|m| m.last_at >= since) {
        let severity = match m.severity {
            Level::Critical => Severity::Critical,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        };
        let place = match &m.source {
            LogSource::Journal => "the journal".to_string(),
            LogSource::Container(c) => format!("the log of container {c}"),
        };
        let lines = if m.count == 1 { "1 line".to_string() } else { format!("{} lines", m.count) };
        let summary = format!(
            "log pattern {} matched {lines} in {place} (last at {})",
            m.pattern,
            m.last_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
        let evidence = json!({
            "pattern": m.pattern, "source": m.source.label(), "count": m.count,
            "first_at": m.first_at, "last_at": m.last_at, "lines": m.lines,
        });
        let object = format!("{}@{}", m.pattern, m.source.label());
        out.push(Problem::new(severity, Area::Logs, object, summary, evidence, at));
    }
}
