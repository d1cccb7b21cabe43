//! Parser for `zpool status -j --json-int -p` (OpenZFS ≥ 2.3, `output_version` 0.1).
//!
//! Numbers are accepted as JSON integers (`--json-int`) or as decimal strings; times as epoch
//! seconds (turned into RFC 3339) or as printed text. Pools and vdevs keep the order `zpool`
//! printed them in (its configuration order), see [`super::ordered`].

use chrono::DateTime;

use super::ordered::{Node, get};
use crate::model::zfs::{Pool, Scan, Vdev};
use crate::probes::Warning;
use crate::probes::sane::{NAME_MAX, TEXT_MAX, clean_name, clean_text, percent, shown};

/// Classes of non-data vdevs, as keys of a pool object, and the group name we give them.
const GROUPS: &[(&str, &str)] = &[
    ("logs", "logs"),
    ("l2cache", "cache"),
    ("spares", "spares"),
    ("special", "special"),
    ("dedup", "dedup"),
];

type Obj = [(String, Node)];

/// Parses the JSON document; `first_line` is where it starts in the command output.
pub fn parse_status_json(json: &str, first_line: usize) -> (Vec<Pool>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let doc: Node = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            warnings.push(Warning::at(first_line, format!("zpool status JSON: {e}")));
            return (Vec::new(), warnings);
        }
    };
    let Some(pools) = doc.get("pools").and_then(Node::as_object) else {
        warnings.push(Warning::at(first_line, "zpool status JSON has no `pools` object"));
        return (Vec::new(), warnings);
    };
    let mut out = Vec::new();
    for (key, p) in pools {
        let Some(p) = p.as_object() else {
            let message = format!("pool `{}` is not an object", shown(key));
            warnings.push(Warning::at(first_line, message));
            continue;
        };
        let raw = text(p, "name").unwrap_or_else(|| key.clone());
        match clean_name(&raw) {
            Ok(name) => out.push(pool(name, p, first_line, &mut warnings)),
            Err(why) => {
                warnings.push(Warning::at(first_line, format!("pool `{}`: {why}", shown(&raw))))
            }
        }
    }
    (out, warnings)
}

fn pool(name: String, p: &Obj, line: usize, warnings: &mut Vec<Warning>) -> Pool {
    let mut vdevs = Vec::new();
    let mut walker = Walker { out: &mut vdevs, warnings, line };
    if let Some(tree) = get(p, "vdevs").and_then(Node::as_object) {
        walker.walk(tree, None, 0);
    }
    for (json_key, group) in GROUPS {
        if let Some(tree) = get(p, json_key).and_then(Node::as_object) {
            walker.walk(tree, Some(group), 1);
        }
    }
    let status = text(p, "status").filter(|s| s != "OK").map(|s| clean_text(&s, TEXT_MAX));
    Pool {
        name,
        health: word(p, "state").unwrap_or_default(),
        status,
        vdevs,
        scan: get(p, "scan_stats").and_then(Node::as_object).and_then(scan),
        data_errors: num(p, "error_count"),
        ..Pool::default()
    }
}

struct Walker<'a> {
    out: &'a mut Vec<Vdev>,
    warnings: &'a mut Vec<Warning>,
    line: usize,
}

impl Walker<'_> {
    /// Adds `tree`'s vdevs in document order, each followed by its children. A vdev whose
    /// name is not a name is left out with its children, with a warning.
    fn walk(&mut self, tree: &Obj, group: Option<&str>, depth: u32) {
        for (key, v) in tree {
            let Some(v) = v.as_object() else { continue };
            let raw = text(v, "name").unwrap_or_else(|| key.clone());
            let name = match clean_name(&raw) {
                Ok(name) => name,
                Err(why) => {
                    let message = format!("vdev `{}`: {why}", shown(&raw));
                    self.warnings.push(Warning::at(self.line, message));
                    continue;
                }
            };
            let mut note = Vec::new();
            if let Some(aux) = word(v, "aux") {
                note.push(aux);
            }
            if let Some(was) = text(v, "was").and_then(|w| clean_name(&w).ok()) {
                note.push(format!("was {was}"));
            }
            if get(v, "resilvering").is_some() || text(v, "resilver_repaired").is_some() {
                note.push("(resilvering)".into());
            }
            self.out.push(Vdev {
                name,
                group: group.map(str::to_string),
                depth,
                // The pool's root vdev carries no state of its own; the pool's state is used.
                state: word(v, "state").unwrap_or_default(),
                read_errors: num(v, "read_errors").unwrap_or(0),
                write_errors: num(v, "write_errors").unwrap_or(0),
                checksum_errors: num(v, "checksum_errors").unwrap_or(0),
                note: (!note.is_empty()).then(|| note.join(" ")),
            });
            if let Some(children) = get(v, "vdevs").and_then(Node::as_object) {
                self.walk(children, group, depth.saturating_add(1));
            }
        }
    }
}

fn scan(s: &Obj) -> Option<Scan> {
    let kind = word(s, "function")?.to_ascii_lowercase();
    let state = match word(s, "state")?.as_str() {
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
            percent((d as f64 * 10000.0 / t as f64).round() / 100.0)
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

fn text(o: &Obj, key: &str) -> Option<String> {
    match get(o, key)? {
        Node::Str(s) => Some(s.clone()),
        Node::Num(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A short word (a state, a function): a name, else nothing.
fn word(o: &Obj, key: &str) -> Option<String> {
    clean_name(&text(o, key)?).ok()
}

fn num(o: &Obj, key: &str) -> Option<u64> {
    match get(o, key)? {
        Node::Num(n) => n.as_u64(),
        Node::Str(s) => s.parse().ok(),
        _ => None,
    }
}

/// Epoch seconds → RFC 3339 (UTC); text kept as printed; 0 means "never".
fn time(o: &Obj, key: &str) -> Option<String> {
    match get(o, key)? {
        Node::Str(s) if s.parse::<i64>().is_err() => Some(clean_text(s, NAME_MAX)),
        _ => {
            let secs = i64::try_from(num(o, key)?).ok().filter(|s| *s > 0)?;
            DateTime::from_timestamp(secs, 0).map(|t| t.to_rfc3339())
        }
    }
}
