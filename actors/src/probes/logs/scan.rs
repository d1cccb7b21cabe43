//! Parsing one `log_scan` output: the window read, and the lines of each source grouped by
//! the patterns they match (checked again here: the device's filter only narrows).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::LogPatterns;
use crate::model::logs::{LogMatch, LogSource, MAX_EVIDENCE_LINES, evidence_line};
use crate::ondemand::journal::parse_journal;
use crate::ondemand::logs::parse_docker_logs;
use crate::probes::sections::Section;

/// What one scan read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scan {
    /// The window, device seconds: `from..until`, `until` exclusive (`None`: no clock line).
    pub window: Option<(i64, i64)>,
    /// The sources read.
    pub sources: Vec<String>,
    /// New matches, by pattern and source.
    pub matches: Vec<LogMatch>,
    /// Sources that could not be read, and why.
    pub errors: Vec<String>,
}

/// Reads the sections of a scan at `observed_at` (the time given to lines without one).
pub fn parse_scan(
    sections: &[Section<'_>],
    patterns: &LogPatterns,
    observed_at: DateTime<Utc>,
) -> Scan {
    let mut scan = Scan::default();
    let mut found: BTreeMap<(String, LogSource), LogMatch> = BTreeMap::new();
    for s in sections {
        match s.name {
            "clock" => scan.window = clock(s),
            "journal" => {
                scan.sources.push("journal".into());
                let body = s.body();
                let (entries, _) = parse_journal(&body, observed_at);
                if let Some(bad) =
                    s.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty() && !l.starts_with('{'))
                {
                    scan.errors.push(format!("journal: {}", evidence_line(bad)));
                }
                for e in entries {
                    let line = match &e.unit {
                        Some(u) => format!("{u}: {}", e.message),
                        None => e.message.clone(),
                    };
                    let at = e.at.unwrap_or(observed_at);
                    for p in patterns.matching(&e.message, true) {
                        add(&mut found, p, LogSource::Journal, at, &line);
                    }
                }
            }
            "docker-error" => {
                let why = s.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
                scan.errors.push(format!("containers: {}", evidence_line(why)));
            }
            name => {
                let Some(container) = name.strip_prefix("container:") else { continue };
                if crate::command::ondemand::validate_container(container).is_err() {
                    continue;
                }
                scan.sources.push(name.to_string());
                let (lines, _) = parse_docker_logs(&s.body(), "", observed_at);
                let mut error = None;
                for l in lines {
                    let Some(at) = l.at else {
                        if !l.text.trim().is_empty() {
                            error.get_or_insert(l.text);
                        }
                        continue;
                    };
                    let source = LogSource::Container(container.to_string());
                    for p in patterns.matching(&l.text, false) {
                        add(&mut found, p, source.clone(), at, &l.text);
                    }
                }
                if let Some(e) = error {
                    scan.errors.push(format!("{name}: {}", evidence_line(&e)));
                }
            }
        }
    }
    scan.matches = found.into_values().collect();
    scan
}

/// `<from> <until>`.
fn clock(s: &Section<'_>) -> Option<(i64, i64)> {
    let line = s.lines.iter().find(|l| !l.trim().is_empty())?;
    let mut it = line.split_whitespace().map(|n| n.parse::<i64>());
    match (it.next(), it.next()) {
        (Some(Ok(from)), Some(Ok(until))) if from <= until => Some((from, until)),
        _ => None,
    }
}

fn add(
    found: &mut BTreeMap<(String, LogSource), LogMatch>,
    p: &super::LogPattern,
    source: LogSource,
    at: DateTime<Utc>,
    line: &str,
) {
    let m = found.entry((p.name.clone(), source.clone())).or_insert_with(|| LogMatch {
        pattern: p.name.clone(),
        source,
        severity: p.severity,
        count: 0,
        first_at: at,
        last_at: at,
        lines: Vec::new(),
    });
    m.count += 1;
    m.first_at = m.first_at.min(at);
    m.last_at = m.last_at.max(at);
    m.lines.push(evidence_line(line));
    if m.lines.len() > MAX_EVIDENCE_LINES {
        m.lines.remove(0);
    }
}
