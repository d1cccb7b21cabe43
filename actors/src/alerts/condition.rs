//! A condition: the alert a rule's findings on one object would raise, built from the
//! diagnosis's problems (several on one object make one: the worst severity, the summaries
//! joined), with the figures and evidence lines the problem gives.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::analysis::{Area, Problem};
use crate::model::alerts::{Alert, Severity};

/// A condition that holds now: the alert it would raise.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The alert (its `since` is the evaluation time; the engine keeps the first one).
    pub alert: Alert,
    /// The counters whose growth is sent while it fires (a drive's sectors).
    pub counters: super::growth::Counters,
}

pub(super) fn push(
    out: &mut BTreeMap<String, Condition>,
    key: String,
    rule: &str,
    object: Option<&str>,
    p: &Problem,
    now: DateTime<Utc>,
) {
    let sev = severity(p.severity);
    let (value, threshold, unit) = figures(p);
    match out.get_mut(&key) {
        Some(c) => {
            if !c.alert.summary.contains(&p.summary) {
                c.alert.summary = format!("{}; {}", c.alert.summary, p.summary);
            }
            c.alert.severity = c.alert.severity.max(sev);
            if p.area == Area::Drive {
                c.counters =
                    super::growth::merged(&c.counters, &super::growth::of_evidence(&p.evidence));
            }
        }
        None => {
            let alert = Alert {
                key: key.clone(),
                rule: rule.to_string(),
                object: object.map(String::from),
                severity: sev,
                summary: p.summary.clone(),
                value,
                threshold,
                unit,
                since: now,
                evidence: evidence_lines(&p.evidence),
            };
            let counters = match p.area {
                Area::Drive => super::growth::of_evidence(&p.evidence),
                _ => Vec::new(),
            };
            out.insert(key, Condition { alert, counters });
        }
    }
}

/// The measured value, limit and unit a problem's evidence gives, when it has them.
fn figures(p: &Problem) -> (Option<f64>, Option<f64>, Option<String>) {
    let e = &p.evidence;
    let num = |k: &str| e.get(k).and_then(serde_json::Value::as_f64);
    let (value, unit) = match p.area {
        Area::Filesystem | Area::Memory | Area::Cpu | Area::Pool => {
            (num("used_percent").or(num("capacity_percent")).or(num("cpu_percent")), Some("%"))
        }
        Area::Drive => (num("temperature_celsius"), Some("°C")),
        Area::Load => (num("load_per_core"), Some("per core")),
        _ => (None, None),
    };
    let threshold = num("threshold_percent").or(num("threshold"));
    (value, threshold, value.and(unit).map(String::from))
}

/// The evidence as `name: value` lines (plain text).
fn evidence_lines(e: &serde_json::Value) -> Vec<String> {
    match e.as_object() {
        Some(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .flat_map(|(k, v)| match v {
                serde_json::Value::String(s) => vec![format!("{k}: {s}")],
                // A list of lines (a log pattern's matches): one evidence line each.
                serde_json::Value::Array(items) if items.iter().all(|i| i.is_string()) => {
                    items.iter().filter_map(|i| i.as_str()).map(|s| format!("{k}: {s}")).collect()
                }
                v => vec![format!("{k}: {v}")],
            })
            .collect(),
        None => Vec::new(),
    }
}

fn severity(s: crate::analysis::Severity) -> Severity {
    match s {
        crate::analysis::Severity::Critical => Severity::Critical,
        crate::analysis::Severity::Warning => Severity::Warning,
        crate::analysis::Severity::Info => Severity::Info,
    }
}
