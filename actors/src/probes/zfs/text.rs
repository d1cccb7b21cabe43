//! Parser for `zpool status -p` text (OpenZFS 2.1 format, also older illumos/ZoL layouts).

use crate::model::zfs::{Pool, Scan, Vdev};
use crate::probes::Warning;
use crate::probes::sane::{NAME_MAX, TEXT_MAX, clean_name, clean_text, percent, shown};

/// Keys that start a block of a pool's status (`  pool: tank`).
const KEYS: &[&str] = &[
    "pool",
    "id",
    "state",
    "status",
    "action",
    "see",
    "scan",
    "scrub",
    "remove",
    "checkpoint",
    "config",
    "errors",
];

/// Groups of non-data vdevs listed at the root's indentation.
const GROUPS: &[&str] = &["logs", "cache", "spares", "special", "dedup"];

#[derive(PartialEq)]
enum Block {
    Other,
    Status,
    Scan,
    Config,
    /// The file list after `errors: Permanent errors have been detected…`.
    ErrorFiles,
    /// The lines of a pool whose name was refused.
    Refused,
}

/// Parses `zpool status -p` output; `first_line` is the 1-based line number of its first line
/// in the whole command output (for warnings).
pub fn parse_status_text(lines: &[&str], first_line: usize) -> (Vec<Pool>, Vec<Warning>) {
    let mut pools: Vec<Pool> = Vec::new();
    let mut warnings = Vec::new();
    let mut block = Block::Other;
    let mut scan_text = String::new();
    let mut config = Config::default();
    let mut error_files = 0u64;

    for (i, raw) in lines.iter().enumerate() {
        let n = first_line + i;
        if let Some((key, value)) = key_line(raw) {
            if block == Block::Refused && key != "pool" {
                continue;
            }
            if block == Block::Scan
                && let Some(pool) = pools.last_mut()
            {
                pool.scan = parse_scan(&scan_text);
            }
            block = Block::Other;
            match key {
                "pool" => match clean_name(value) {
                    Ok(name) => {
                        pools.push(Pool { name, ..Pool::default() });
                        config = Config::default();
                    }
                    Err(why) => {
                        warnings.push(Warning::at(n, format!("pool `{}`: {why}", shown(value))));
                        block = Block::Refused;
                    }
                },
                _ if pools.is_empty() => {
                    warnings.push(Warning::at(n, format!("`{key}:` before any `pool:` line")));
                }
                "state" => set(&mut pools, |p| p.health = clean_name(value).unwrap_or_default()),
                "status" => {
                    set(&mut pools, |p| p.status = Some(clean_text(value, TEXT_MAX)));
                    block = Block::Status;
                }
                "scan" | "scrub" => {
                    scan_text = clean_text(value, TEXT_MAX);
                    block = Block::Scan;
                }
                "config" => block = Block::Config,
                "errors" => {
                    let errors = parse_errors_line(value);
                    set(&mut pools, |p| p.data_errors = errors);
                    if value.starts_with("Permanent errors have been detected") {
                        block = Block::ErrorFiles;
                        error_files = 0;
                    }
                }
                _ => {}
            }
            continue;
        }
        let text = raw.trim();
        match block {
            Block::Status if !text.is_empty() => set(&mut pools, |p| {
                if let Some(s) = p.status.as_mut() {
                    let more = clean_text(text, TEXT_MAX.saturating_sub(s.len() + 1));
                    if !more.is_empty() {
                        s.push(' ');
                        s.push_str(&more);
                    }
                }
            }),
            Block::Scan if !text.is_empty() && scan_text.len() < TEXT_MAX => {
                scan_text.push('\n');
                scan_text.push_str(&clean_text(text, TEXT_MAX));
            }
            Block::Config if !text.is_empty() => {
                if let Some(pool) = pools.last_mut()
                    && let Err(message) = config.line(raw, pool)
                {
                    warnings.push(Warning::at(n, message));
                }
            }
            // One listed file (or `<metadata>:<0x…>` object) per line.
            Block::ErrorFiles if !text.is_empty() => {
                error_files += 1;
                set(&mut pools, |p| p.data_errors = Some(error_files));
            }
            _ => {}
        }
    }
    if block == Block::Scan
        && let Some(pool) = pools.last_mut()
    {
        pool.scan = parse_scan(&scan_text);
    }
    (pools, warnings)
}

fn set(pools: &mut [Pool], f: impl FnOnce(&mut Pool)) {
    if let Some(p) = pools.last_mut() {
        f(p);
    }
}

/// `  key: value` with a known key.
fn key_line(raw: &str) -> Option<(&str, &str)> {
    let t = raw.trim_start();
    let (key, rest) = t.split_once(':')?;
    if !KEYS.contains(&key) || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    // Key lines are indented by spaces only (at most 8), never by the config's tab.
    let indent = raw.len() - t.len();
    (indent <= 8 && !raw.starts_with('\t')).then_some((key, rest.trim()))
}

/// `No known data errors` → 0; `3 data errors, use '-v' for a list` → 3; `Permanent errors
/// have been detected in the following files:` → at least 1 (the files listed after it are
/// counted by the caller).
fn parse_errors_line(value: &str) -> Option<u64> {
    if value.starts_with("No known data errors") {
        return Some(0);
    }
    if value.starts_with("Permanent errors have been detected") {
        return Some(1);
    }
    value.split_whitespace().next()?.parse().ok()
}

/// The vdev table under `config:`.
#[derive(Default)]
struct Config {
    /// Indentation (in characters) of the `NAME` header, once seen.
    base: Option<usize>,
    group: Option<String>,
}

impl Config {
    fn line(&mut self, raw: &str, pool: &mut Pool) -> Result<(), String> {
        let body = raw.trim_start();
        let indent = raw.chars().count() - body.chars().count();
        let mut fields = body.split_whitespace();
        let name = fields.next().unwrap_or_default();
        if let Err(why) = clean_name(name) {
            return Err(format!("vdev `{}`: {why}", shown(name)));
        }
        let Some(base) = self.base else {
            if name == "NAME" {
                self.base = Some(indent);
                return Ok(());
            }
            return Err(format!("vdev line before the NAME header: {}", shown(body)));
        };
        let depth = u32::try_from(indent.saturating_sub(base) / 2).unwrap_or(u32::MAX);
        let rest: Vec<&str> = fields.collect();
        if depth == 0 && rest.is_empty() && GROUPS.contains(&name) {
            self.group = Some(name.to_string());
            return Ok(());
        }
        let state = rest.first().and_then(|s| clean_name(s).ok()).unwrap_or_default();
        let mut counts = [0u64; 3];
        let mut used = 1;
        for (slot, field) in counts.iter_mut().zip(rest.iter().skip(1)) {
            match parse_count(field) {
                Some(v) => {
                    *slot = v;
                    used += 1;
                }
                None => break,
            }
        }
        let note =
            rest.get(used..).filter(|r| !r.is_empty()).map(|r| clean_text(&r.join(" "), NAME_MAX));
        let depth = if self.group.is_some() { depth.max(1) } else { depth };
        pool.vdevs.push(Vdev {
            name: name.to_string(),
            group: self.group.clone(),
            depth,
            state,
            read_errors: counts[0],
            write_errors: counts[1],
            checksum_errors: counts[2],
            note,
        });
        Ok(())
    }
}

/// An error count: exact with `-p`, otherwise possibly `1.2K`-style.
fn parse_count(s: &str) -> Option<u64> {
    if let Ok(v) = s.parse() {
        return Some(v);
    }
    let (num, unit) = s.split_at_checked(s.len().checked_sub(1)?)?;
    let mult: u64 = match unit {
        "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => return None,
    };
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some((v * mult as f64) as u64)
}

/// The `scan:` block (first line plus continuation lines joined with `\n`), or the `scrub:`
/// line of older ZFS (Solaris, zfs-fuse, ZFS on Linux before 0.6): `none requested`,
/// `scrub completed after 0h2m with 0 errors on <date>`, `resilver in progress for 0h1m,
/// 4.61% done, 0h3m to go`, `scrub stopped after …`. `none requested` is a scan of kind and
/// state `none` (as `zpool status -j` gives for a pool never scanned).
pub fn parse_scan(text: &str) -> Option<Scan> {
    let first = without_draid_vdev(text.lines().next()?.trim());
    let first = first.as_str();
    let percent_done = text
        .split([' ', ',', '\n'])
        .find_map(|w| w.strip_suffix('%')?.parse().ok())
        .and_then(percent);
    if first.starts_with("none requested") {
        return Some(Scan { kind: "none".into(), state: "none".into(), ..Scan::default() });
    }
    let ended_on = || first.split_once(" errors on ").map(|(_, d)| d);
    let (kind, state, started_at, finished_at) =
        if let Some(d) = first.strip_prefix("scrub in progress since ") {
            ("scrub", "in_progress", Some(d), None)
        } else if let Some(d) = first.strip_prefix("resilver in progress since ") {
            ("resilver", "in_progress", Some(d), None)
        } else if let Some(d) = first.strip_prefix("scrub paused since ") {
            ("scrub", "paused", None, Some(d))
        } else if let Some(d) = first.strip_prefix("scrub canceled on ") {
            ("scrub", "canceled", None, Some(d))
        } else if let Some(d) = first.strip_prefix("resilver canceled on ") {
            ("resilver", "canceled", None, Some(d))
        } else if first.starts_with("scrub repaired ") {
            ("scrub", "finished", None, ended_on())
        } else if first.starts_with("resilvered ") {
            ("resilver", "finished", None, ended_on())
        } else if let Some((kind, rest)) = first.split_once(' ')
            && (kind == "scrub" || kind == "resilver")
        {
            // The older `scrub:` line.
            let state = if rest.starts_with("completed") {
                "finished"
            } else if rest.starts_with("in progress") {
                "in_progress"
            } else if rest.starts_with("stopped") {
                "canceled"
            } else {
                return None;
            };
            (kind, state, None, ended_on().filter(|_| state != "in_progress"))
        } else {
            return None;
        };
    let errors = first
        .split_once(" with ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    let date = |d: &str| clean_text(d.trim(), NAME_MAX);
    Some(Scan {
        kind: kind.into(),
        state: state.into(),
        percent_done: if state == "finished" { None } else { percent_done },
        errors,
        started_at: started_at.map(date),
        finished_at: finished_at.map(date),
    })
}

/// dRAID's sequential rebuild names the vdev: `resilver (draid1:3d:5c:1s-0) in progress
/// since …`, `resilvered (draid1:3d:5c:1s-0) 1.2G in …` → the same without the parenthesis.
fn without_draid_vdev(first: &str) -> String {
    for kind in ["resilver", "resilvered"] {
        if let Some(rest) = first.strip_prefix(kind).and_then(|r| r.strip_prefix(" ("))
            && let Some((_, after)) = rest.split_once(") ")
        {
            return format!("{kind} {after}");
        }
    }
    first.to_string()
}
