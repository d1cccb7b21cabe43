//! Log-pattern matches as the `logs` probe reports them: which pattern matched in which
//! source (the journal or a container's log), how often, when, and the lines themselves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alerts::Severity;

/// The most lines kept as evidence per pattern and source.
pub const MAX_EVIDENCE_LINES: usize = 5;

/// The longest evidence line kept, in characters (longer ones are cut, marked with `…`).
pub const MAX_LINE_CHARS: usize = 400;

/// Where a log line was read.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum LogSource {
    /// The systemd journal (`journalctl`).
    Journal,
    /// A container's log (`docker logs`), by container name.
    Container(String),
}

impl LogSource {
    /// `journal` or `container:<name>`: the source as alert objects and summaries show it.
    pub fn label(&self) -> String {
        match self {
            Self::Journal => "journal".into(),
            Self::Container(name) => format!("container:{name}"),
        }
    }
}

/// Lines of one source that matched one pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LogMatch {
    /// The pattern's name, e.g. `oom`.
    pub pattern: String,
    /// Where the lines were read.
    pub source: LogSource,
    /// How bad a match is, as the pattern is configured.
    pub severity: Severity,
    /// How many lines matched.
    pub count: u64,
    /// When the first of them was logged.
    pub first_at: DateTime<Utc>,
    /// When the last of them was logged.
    pub last_at: DateTime<Utc>,
    /// The newest matching lines (at most [`MAX_EVIDENCE_LINES`]), oldest first, as plain
    /// text: device data, never to be rendered as markup.
    pub lines: Vec<String>,
}

impl LogMatch {
    /// Folds `newer` (the same pattern and source, read later) into this one.
    pub fn absorb(&mut self, newer: &LogMatch) {
        self.count += newer.count;
        self.first_at = self.first_at.min(newer.first_at);
        self.last_at = self.last_at.max(newer.last_at);
        self.severity = newer.severity;
        self.lines.extend(newer.lines.iter().cloned());
        let extra = self.lines.len().saturating_sub(MAX_EVIDENCE_LINES);
        self.lines.drain(..extra);
    }
}

/// A line cut to [`MAX_LINE_CHARS`] characters, control characters but tabs replaced.
pub fn evidence_line(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .take(MAX_LINE_CHARS)
        .collect();
    if text.chars().count() > MAX_LINE_CHARS {
        out.push('…');
    }
    out
}
