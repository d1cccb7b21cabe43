//! `docker logs --timestamps` parser: stdout and stderr merged back into time order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::probes::Warning;

/// Which output stream of the container a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// The container's standard output.
    Stdout,
    /// The container's standard error.
    Stderr,
}

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LogLine {
    /// When docker recorded the line; `None` when timestamps were not asked for or unreadable.
    pub at: Option<DateTime<Utc>>,
    /// The stream it was written to.
    pub stream: Stream,
    /// The line without its timestamp and line ending.
    pub text: String,
}

/// Parses `docker logs --timestamps` output: `stdout` and `stderr` are the two streams docker
/// splits the log into. Each line is `<RFC 3339 nanoseconds> <text>`; the result is both
/// streams merged by timestamp (stdout first on ties), oldest first. A line whose timestamp
/// cannot be read is kept with `at: None` at its place in its stream, with a warning.
pub fn parse_docker_logs(
    stdout: &str,
    stderr: &str,
    _observed_at: DateTime<Utc>,
) -> (Vec<LogLine>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let out = parse_stream(stdout, Stream::Stdout, &mut warnings);
    let err = parse_stream(stderr, Stream::Stderr, &mut warnings);
    (merge(out, err), warnings)
}

/// A parsed line with the timestamp it sorts by (its own, or the last one before it).
struct Keyed {
    key: Option<DateTime<Utc>>,
    line: LogLine,
}

fn parse_stream(output: &str, stream: Stream, warnings: &mut Vec<Warning>) -> Vec<Keyed> {
    let mut last = None;
    let mut lines = Vec::new();
    for (i, raw) in output.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (ts, text) = raw.split_once(' ').unwrap_or((raw, ""));
        let line = match DateTime::parse_from_rfc3339(ts) {
            Ok(at) => {
                let at = at.with_timezone(&Utc);
                last = Some(at);
                LogLine { at: Some(at), stream, text: text.to_string() }
            }
            Err(_) => {
                let which = match stream {
                    Stream::Stdout => "stdout",
                    Stream::Stderr => "stderr",
                };
                warnings.push(Warning::at(i + 1, format!("{which} line without a timestamp")));
                LogLine { at: None, stream, text: raw.to_string() }
            }
        };
        lines.push(Keyed { key: last, line });
    }
    lines
}

/// Merges two streams, each already in time order, by timestamp; stdout wins ties.
fn merge(out: Vec<Keyed>, err: Vec<Keyed>) -> Vec<LogLine> {
    let mut merged = Vec::with_capacity(out.len() + err.len());
    let mut out = out.into_iter().peekable();
    let mut err = err.into_iter().peekable();
    loop {
        let take_out = match (out.peek(), err.peek()) {
            (Some(o), Some(e)) => o.key <= e.key,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_out { out.next() } else { err.next() };
        merged.extend(next.map(|k| k.line));
    }
    merged
}
