//! Parser for `/proc/mdstat` (the format printed by the kernel's `md_seq_show`).

use super::model::{MdArray, MdMember, MdSync};
use crate::probes::Warning;

/// Parses the lines of `/proc/mdstat`; `first_line` is the 1-based line number of the first.
pub fn parse_mdstat(lines: &[&str], first_line: usize) -> (Vec<MdArray>, Vec<Warning>) {
    let mut arrays: Vec<MdArray> = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let n = first_line + i;
        let t = line.trim();
        if t.is_empty() || t.starts_with("Personalities") || t.starts_with("unused devices") {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            match header(t) {
                Some(a) => arrays.push(a),
                None => warnings.push(Warning::at(n, format!("not an md array line: {}", cap(t)))),
            }
            continue;
        }
        let Some(array) = arrays.last_mut() else {
            warnings.push(Warning::at(n, "detail line before any array"));
            continue;
        };
        if t.contains(" blocks") {
            blocks_line(t, array);
        } else if let Some(sync) = sync_line(t) {
            array.sync = Some(sync);
        }
    }
    (arrays, warnings)
}

fn cap(s: &str) -> String {
    s.chars().take(120).collect()
}

/// `md0 : active raid1 sdb1[1] sda1[0](F)`.
fn header(t: &str) -> Option<MdArray> {
    let (name, rest) = t.split_once(" : ")?;
    if !name.starts_with("md") || name.contains(char::is_whitespace) {
        return None;
    }
    let mut words = rest.split_whitespace().peekable();
    let active = match words.next()? {
        "active" => true,
        "inactive" => false,
        _ => return None,
    };
    let mut a = MdArray { name: name.to_string(), active, ..MdArray::default() };
    if let Some(ro) = words.peek().and_then(|w| w.strip_prefix('(')?.strip_suffix(')')) {
        a.read_only = Some(ro.to_string());
        words.next();
    }
    if let Some(level) = words.peek().filter(|w| !w.contains('[')) {
        a.level = Some(level.to_string());
        words.next();
    }
    a.members = words.filter_map(member).collect();
    Some(a)
}

/// `sdb1[1](F)` → device `sdb1`, index 1, faulty.
fn member(w: &str) -> Option<MdMember> {
    let (device, rest) = w.split_once('[')?;
    let (index, flags) = rest.split_once(']')?;
    let flags: String = flags.chars().filter(|c| !matches!(c, '(' | ')')).collect();
    Some(MdMember {
        device: device.to_string(),
        index: index.parse().ok(),
        faulty: flags.contains('F'),
        spare: flags.contains('S'),
        flags,
    })
}

/// `976630464 blocks super 1.2 [2/1] [U_]`.
fn blocks_line(t: &str, a: &mut MdArray) {
    let mut words = t.split_whitespace();
    a.blocks = words.next().and_then(|w| w.parse().ok());
    for w in words {
        let Some(inner) = w.strip_prefix('[').and_then(|w| w.strip_suffix(']')) else { continue };
        if let Some((n, m)) = inner.split_once('/') {
            a.raid_disks = n.parse().ok();
            a.working_disks = m.parse().ok();
        } else if !inner.is_empty() && inner.chars().all(|c| c == 'U' || c == '_') {
            a.slots = Some(inner.to_string());
        }
    }
    let missing = matches!((a.raid_disks, a.working_disks), (Some(n), Some(m)) if m < n);
    // An inactive array (e.g. assembled with too few members after a reboot) is not whole.
    a.degraded = missing || !a.active || a.slots.as_deref().is_some_and(|s| s.contains('_'));
}

/// `[==>....]  recovery = 12.6% (123/456) finish=1.5min speed=1000K/sec` or `resync=DELAYED`.
fn sync_line(t: &str) -> Option<MdSync> {
    const ACTIONS: &[&str] = &["resync", "recovery", "check", "repair", "reshape"];
    let body = t.rsplit_once(']').map_or(t, |(_, b)| b).trim();
    let (action, rest) = body.split_once('=')?;
    let action = action.trim();
    if !ACTIONS.contains(&action) {
        return None;
    }
    let rest = rest.trim();
    if matches!(rest, "DELAYED" | "PENDING") {
        return Some(MdSync {
            action: action.into(),
            waiting: Some(rest.into()),
            ..MdSync::default()
        });
    }
    let mut sync = MdSync { action: action.into(), ..MdSync::default() };
    for w in rest.split_whitespace() {
        if let Some(p) = w.strip_suffix('%') {
            sync.percent = p.parse().ok();
        } else if let Some(f) = w.strip_prefix("finish=").and_then(|f| f.strip_suffix("min")) {
            sync.finish_minutes = f.parse().ok();
        } else if let Some(s) = w.strip_prefix("speed=").and_then(|s| s.strip_suffix("K/sec")) {
            sync.speed_kib_s = s.parse().ok();
        }
    }
    Some(sync)
}
