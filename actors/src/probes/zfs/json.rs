//! Parser for `zpool status -j --json-int -p` (OpenZFS ≥ 2.3, `output_version` 0.1).
//!
//! Numbers are accepted as JSON integers (`--json-int`) or as decimal strings; times as epoch
//! seconds (turned into RFC 3339) or as printed text.

use chrono::DateTime;
use serde_json::{Map, Value};

use super::model::{Pool, Scan, Vdev};
use crate::probes::Warning;

/// Classes of non-data vdevs, as keys of a pool object, and the group name we give them.
const GROUPS: &[(&str, &str)] = &[
    ("logs", "logs"),
    ("l2cache", "cache"),
    ("spares", "spares"),
    ("special", "special"),
    ("dedup", "dedup"),
];

/// Parses the JSON document; `first_line` is where it starts in the command output.
pub fn parse_status_json(text: &str, first_line: usize) -> (Vec<Pool>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            warnings.push(Warning::at(first_line, format!("zpool status JSON: {e}")));
            return (Vec::new(), warnings);
        }
    };
    let Some(pools) = doc.get("pools").and_then(Value::as_object) else {
        warnings.push(Warning::at(first_line, "zpool status JSON has no `pools` object"));
        return (Vec::new(), warnings);
    };
    let mut out = Vec::new();
    for (key, p) in pools {
        let Some(p) = p.as_object() else {
            warnings.push(Warning::at(first_line, format!("pool `{key}` is not an object")));
            continue;
        };
        out.push(pool(key, p));
    }
    (out, warnings)
}

fn pool(key: &str, p: &Map<String, Value>) -> Pool {
    let mut vdevs = Vec::new();
    if let Some(tree) = p.get("vdevs").and_then(Value::as_object) {
        walk(tree, None, 0, &mut vdevs);
    }
    for (json_key, group) in GROUPS {
        if let Some(tree) = p.get(*json_key).and_then(Value::as_object) {
            walk(tree, Some(group), 1, &mut vdevs);
        }
    }
    let status = text(p, "status").filter(|s| s != "OK");
    Pool {
        name: text(p, "name").unwrap_or_else(|| key.to_string()),
        health: text(p, "state").unwrap_or_default(),
        status,
        vdevs,
        scan: p.get("scan_stats").and_then(Value::as_object).and_then(scan),
        data_errors: num(p, "error_count"),
        ..Pool::default()
    }
}

fn walk(tree: &Map<String, Value>, group: Option<&str>, depth: u32, out: &mut Vec<Vdev>) {
    for (key, v) in tree {
        let Some(v) = v.as_object() else { continue };
        let name = text(v, "name").unwrap_or_else(|| key.clone());
        let mut note = Vec::new();
        if let Some(aux) = text(v, "aux") {
            note.push(aux);
        }
        if let Some(was) = text(v, "was") {
            note.push(format!("was {was}"));
        }
        if v.get("resilvering").is_some() || text(v, "resilver_repaired").is_some() {
            note.push("(resilvering)".into());
        }
        out.push(Vdev {
            name,
            group: group.map(str::to_string),
            depth,
            // The pool's root vdev carries no state of its own; the pool's state is used.
            state: text(v, "state").unwrap_or_default(),
            read_errors: num(v, "read_errors").unwrap_or(0),
            write_errors: num(v, "write_errors").unwrap_or(0),
            checksum_errors: num(v, "checksum_errors").unwrap_or(0),
            note: (!note.is_empty()).then(|| note.join(" ")),
        });
        if let Some(children) = v.get("vdevs").and_then(Value::as_object) {
            walk(children, group, depth.saturating_add(1), out);
        }
    }
}

fn scan(s: &Map<String, Value>) -> Option<Scan> {
    let kind = text(s, "function")?.to_ascii_lowercase();
    let state = match text(s, "state")?.as_str() {
        "SCANNING" if num(s, "scrub_pause").is_some_and(|p| p > 0) => "paused",
        "SCANNING" => "in_progress",
        "FINISHED" => "finished",
        "CANCELED" => "canceled",
        other => return Some(Scan { kind, state: other.to_ascii_lowercase(), ..Scan::default() }),
    };
    let total = num(s, "to_examine").filter(|t| *t > 0);
    let done = num(s, "issued").or_else(|| num(s, "examined"));
    let percent_done = match (state, done, total) {
        ("in_progress" | "paused", Some(d), Some(t)) => {
            Some((d as f64 * 10000.0 / t as f64).round() / 100.0)
        }
        _ => None,
    };
    Some(Scan {
        kind,
        state: state.into(),
        percent_done,
        errors: if state == "finished" { num(s, "errors") } else { None },
        started_at: time(s, "start_time"),
        finished_at: if state == "in_progress" { None } else { time(s, "end_time") },
    })
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(o: &Map<String, Value>, key: &str) -> Option<u64> {
    match o.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Epoch seconds → RFC 3339 (UTC); text kept as printed; 0 means "never".
fn time(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if s.parse::<i64>().is_err() => Some(s.clone()),
        _ => {
            let secs = i64::try_from(num(o, key)?).ok().filter(|s| *s > 0)?;
            DateTime::from_timestamp(secs, 0).map(|t| t.to_rfc3339())
        }
    }
}
