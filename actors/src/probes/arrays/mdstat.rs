//! Parser for `/proc/mdstat` (the format printed by the kernel's `md_seq_show`).

use crate::model::arrays::{MdArray, MdMember, MdSync};
use crate::probes::Warning;
use crate::probes::sane::{NAME_MAX, Reason, clean_name, percent, shown, within};

/// Parses the lines of `/proc/mdstat`; `first_line` is the 1-based line number of the first.
pub fn parse_mdstat(lines: &[&str], first_line: usize) -> (Vec<MdArray>, Vec<Warning>) {
    let mut arrays: Vec<MdArray> = Vec::new();
    let mut warnings = Vec::new();
    let mut skipping = false;
    for (i, line) in lines.iter().enumerate() {
        let n = first_line + i;
        let t = line.trim();
        if t.is_empty() || t.starts_with("Personalities") || t.starts_with("unused devices") {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            // The detail lines of a refused header are not given to the array before it.
            skipping = true;
            match header(t, n, &mut warnings) {
                Ok(a) => {
                    arrays.push(a);
                    skipping = false;
                }
                Err(message) => warnings.push(Warning::at(n, message)),
            }
            continue;
        }
        if skipping {
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
    arrays.iter_mut().for_each(judge);
    (arrays, warnings)
}

/// Sets `container`, `failed_member` and `degraded` once all of an array's lines are read.
fn judge(a: &mut MdArray) {
    // `external:imsm`, `external:ddf`; a member array's is `external:/md127/0` (or
    // `external:-md127/0` while read-only until mdmon takes over).
    a.container = a
        .metadata
        .as_deref()
        .and_then(|m| m.strip_prefix("external:"))
        .is_some_and(|kind| !kind.is_empty() && !kind.starts_with(['/', '-']));
    a.failed_member = a.members.iter().any(|m| m.faulty);
    let missing = matches!((a.raid_disks, a.working_disks), (Some(n), Some(m)) if m < n);
    let hole = a.slots.as_deref().is_some_and(|s| s.contains('_'));
    // An inactive array (e.g. assembled with too few members after a reboot) is not whole;
    // a container is inactive by nature and holds no data of its own.
    a.degraded = !a.container && (missing || hole || !a.active);
}

/// `md0 : active raid1 sdb1[1] sda1[0](F)`. Members with an implausible name are left out
/// with a warning.
fn header(t: &str, n: usize, warnings: &mut Vec<Warning>) -> Result<MdArray, String> {
    let not_md = || format!("not an md array line: {}", shown(t));
    let (name, rest) = t.split_once(" : ").ok_or_else(not_md)?;
    if !name.starts_with("md") || name.contains(char::is_whitespace) {
        return Err(not_md());
    }
    let name = clean_name(name).map_err(|why| format!("md array `{}`: {why}", shown(name)))?;
    let mut words = rest.split_whitespace().peekable();
    let active = match words.next() {
        Some("active") => true,
        Some("inactive") => false,
        _ => return Err(not_md()),
    };
    let mut a = MdArray { name, active, ..MdArray::default() };
    if let Some(ro) = words.peek().and_then(|w| w.strip_prefix('(')?.strip_suffix(')')) {
        a.read_only = clean_name(ro).ok();
        words.next();
    }
    if let Some(level) = words.peek().filter(|w| !w.contains('[')) {
        a.level = clean_name(level).ok();
        words.next();
    }
    for w in words {
        match member(w) {
            Some(Ok(m)) => a.members.push(m),
            Some(Err(why)) => {
                warnings.push(Warning::at(n, format!("{} member `{}`: {why}", a.name, shown(w))))
            }
            None => {}
        }
    }
    Ok(a)
}

/// `sdb1[1](F)` → device `sdb1`, index 1, faulty.
fn member(w: &str) -> Option<Result<MdMember, Reason>> {
    let (device, rest) = w.split_once('[')?;
    let (index, flags) = rest.split_once(']')?;
    let device = match clean_name(device) {
        Ok(d) => d,
        Err(why) => return Some(Err(why)),
    };
    let flags: String = flags.chars().filter(|c| !matches!(c, '(' | ')')).take(16).collect();
    Some(Ok(MdMember {
        device,
        index: index.parse().ok(),
        faulty: flags.contains('F'),
        spare: flags.contains('S'),
        flags,
    }))
}

/// `976630464 blocks super 1.2 [2/1] [U_]`.
fn blocks_line(t: &str, a: &mut MdArray) {
    let mut words = t.split_whitespace().peekable();
    a.blocks = words.next().and_then(|w| w.parse().ok());
    while let Some(w) = words.next() {
        if w == "super" {
            a.metadata = words.next().and_then(|m| clean_name(m).ok());
            continue;
        }
        let Some(inner) = w.strip_prefix('[').and_then(|w| w.strip_suffix(']')) else { continue };
        if let Some((n, m)) = inner.split_once('/') {
            a.raid_disks = n.parse().ok();
            a.working_disks = m.parse().ok();
        } else if !inner.is_empty() && inner.chars().all(|c| c == 'U' || c == '_') {
            a.slots = Some(inner.chars().take(NAME_MAX).collect());
        }
    }
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
            sync.percent = p.parse().ok().and_then(percent);
        } else if let Some(f) = w.strip_prefix("finish=").and_then(|f| f.strip_suffix("min")) {
            sync.finish_minutes = f.parse().ok().and_then(|f| within(f, 0.0, f64::MAX));
        } else if let Some(s) = w.strip_prefix("speed=").and_then(|s| s.strip_suffix("K/sec")) {
            sync.speed_kib_s = s.parse().ok();
        }
    }
    Some(sync)
}
