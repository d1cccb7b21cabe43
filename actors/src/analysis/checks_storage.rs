//! Storage checks: ZFS pools (health, data errors, vdev errors, scrubs, space), md and Unraid
//! arrays, full filesystems and stale snapshots.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::Thresholds;
use super::freshness::{Staleness, check_snapshot_freshness};
use super::problem::{Area, Problem, Severity};
use crate::model::arrays::{ArraysSample, MdArray, UnraidArray};
use crate::model::metrics::Filesystem;
use crate::model::zfs::{Pool, ZfsSample};

type At = Option<DateTime<Utc>>;

/// The severity of a used share, percent, against the space limits.
pub(crate) fn fullness(percent: f64, t: &Thresholds) -> Option<Severity> {
    if percent >= t.fs_critical_percent {
        Some(Severity::Critical)
    } else if percent >= t.fs_warning_percent {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// Every pool's health, errors, last scan and space.
pub(crate) fn pools(zfs: &ZfsSample, at: At, t: &Thresholds, out: &mut Vec<Problem>) {
    for p in &zfs.pools {
        pool(p, at, t, out);
    }
}

fn pool(p: &Pool, at: At, t: &Thresholds, out: &mut Vec<Problem>) {
    let name = p.name.as_str();
    let bad_vdevs: Vec<_> = p
        .vdevs
        .iter()
        .filter(|v| {
            let quiet = matches!(v.state.as_str(), "ONLINE" | "AVAIL" | "INUSE");
            !quiet || v.read_errors + v.write_errors + v.checksum_errors > 0
        })
        .map(|v| {
            json!({ "vdev": v.name, "state": v.state, "read": v.read_errors,
                    "write": v.write_errors, "checksum": v.checksum_errors, "note": v.note })
        })
        .collect();
    if p.health != "ONLINE" {
        let summary = format!("pool {name} is {}", p.health);
        let evidence = json!({ "health": p.health, "status": p.status, "vdevs": bad_vdevs });
        out.push(Problem::new(Severity::Critical, Area::Pool, name, summary, evidence, at));
    } else if !bad_vdevs.is_empty() {
        let summary = format!("pool {name} has vdevs with I/O or checksum errors");
        let evidence = json!({ "health": p.health, "vdevs": bad_vdevs });
        out.push(Problem::new(Severity::Warning, Area::Pool, name, summary, evidence, at));
    }
    if let Some(n) = p.data_errors.filter(|&n| n > 0) {
        let summary = format!("pool {name} has {n} permanent data errors");
        let evidence = json!({ "data_errors": n, "status": p.status });
        out.push(Problem::new(Severity::Critical, Area::Pool, name, summary, evidence, at));
    }
    match &p.scan {
        Some(s) if s.state == "finished" && s.errors.is_some_and(|e| e > 0) => {
            let summary = format!(
                "the last {} of pool {name} found {} errors",
                s.kind,
                s.errors.unwrap_or(0)
            );
            let evidence =
                json!({ "kind": s.kind, "errors": s.errors, "finished_at": s.finished_at });
            out.push(Problem::new(Severity::Warning, Area::Pool, name, summary, evidence, at));
        }
        Some(s) if s.kind == "scrub" && s.state == "finished" => {
            let done = s.finished_at.as_deref().and_then(scan_time);
            if let (Some(done), Some(now)) = (done, at)
                && (now - done).num_days() > t.scrub_max_age_days
            {
                let days = (now - done).num_days();
                let summary = format!("pool {name} was last scrubbed {days} days ago");
                let evidence = json!({ "finished_at": s.finished_at, "age_days": days,
                                       "threshold_days": t.scrub_max_age_days });
                out.push(Problem::new(Severity::Warning, Area::Pool, name, summary, evidence, at));
            }
        }
        Some(_) => {}
        None => {
            let summary = format!("pool {name} has never been scrubbed");
            out.push(Problem::new(Severity::Info, Area::Pool, name, summary, json!({}), at));
        }
    }
    let percent =
        p.capacity_percent.map(|c| c as f64).or_else(|| match (p.alloc_bytes, p.size_bytes) {
            (Some(a), Some(s)) if s > 0 => Some(100.0 * a as f64 / s as f64),
            _ => None,
        });
    if let Some((percent, severity)) = percent.and_then(|c| Some((c, fullness(c, t)?))) {
        let summary = format!("pool {name} is {percent:.0} % full");
        let evidence = json!({ "capacity_percent": percent, "size_bytes": p.size_bytes,
                               "alloc_bytes": p.alloc_bytes, "free_bytes": p.free_bytes });
        out.push(Problem::new(severity, Area::Pool, name, summary, evidence, at));
    }
}

/// A scan time as `zpool status` prints it (`Sun Nov 10 00:24:01 2024`, the device's local
/// time, read as UTC: days matter here, not hours) or as RFC 3339.
fn scan_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    chrono::NaiveDateTime::parse_from_str(&words, "%a %b %d %H:%M:%S %Y").ok().map(|n| n.and_utc())
}

/// md arrays (external-metadata containers left out) and the Unraid array.
pub(crate) fn arrays(a: &ArraysSample, at: At, out: &mut Vec<Problem>) {
    for md in a.md.iter().filter(|m| !m.container) {
        md_array(md, at, out);
    }
    if let Some(u) = &a.unraid {
        unraid(u, at, out);
    }
}

fn md_array(m: &MdArray, at: At, out: &mut Vec<Problem>) {
    let failed: Vec<&str> =
        m.members.iter().filter(|x| x.faulty).map(|x| x.device.as_str()).collect();
    let evidence = json!({
        "level": m.level, "active": m.active, "raid_disks": m.raid_disks,
        "working_disks": m.working_disks, "slots": m.slots, "failed_members": failed,
        "sync": m.sync.as_ref().map(|s| json!({ "action": s.action, "percent": s.percent })),
    });
    let (severity, summary) = if m.degraded {
        let state = if m.active { "degraded" } else { "inactive" };
        let slots = match (m.raid_disks, m.working_disks, &m.slots) {
            (Some(n), Some(w), Some(s)) => format!(" [{n}/{w}] [{s}]"),
            _ => String::new(),
        };
        (Severity::Critical, format!("array {} is {state}{slots}", m.name))
    } else if m.failed_member {
        (Severity::Warning, format!("array {} has a failed member: {}", m.name, failed.join(", ")))
    } else if let Some(s) = m.sync.as_ref().filter(|s| s.action != "check") {
        let pct = s.percent.map_or(String::new(), |p| format!(" at {p:.1} %"));
        (Severity::Info, format!("array {} is in {}{pct}", m.name, s.action))
    } else {
        return;
    };
    out.push(Problem::new(severity, Area::Array, &m.name, summary, evidence, at));
}

fn unraid(u: &UnraidArray, at: At, out: &mut Vec<Problem>) {
    let bad: Vec<_> = u
        .disks
        .iter()
        .filter(|d| {
            let empty = d.status.starts_with("DISK_NP") && d.device.is_none();
            (d.status != "DISK_OK" && !empty) || d.num_errors.is_some_and(|n| n > 0)
        })
        .map(|d| json!({ "disk": d.name, "device": d.device, "status": d.status, "errors": d.num_errors }))
        .collect();
    let evidence = json!({
        "state": u.state, "disabled": u.disabled, "missing": u.missing, "invalid": u.invalid,
        "disks": bad, "last_sync_errors": u.last_sync_errors, "last_sync_exit": u.last_sync_exit,
    });
    let mut push = |severity, summary: String| {
        out.push(Problem::new(severity, Area::Array, "unraid", summary, evidence.clone(), at));
    };
    if u.degraded {
        let what = format!("{} disabled, {} missing, {} invalid", u.disabled, u.missing, u.invalid);
        push(Severity::Critical, format!("the Unraid array is degraded: {what}"));
    } else if !bad.is_empty() {
        push(Severity::Warning, format!("the Unraid array has {} disks with errors", bad.len()));
    }
    if u.state != "STARTED" {
        push(Severity::Warning, format!("the Unraid array is {}", u.state));
    }
    if let Some(n) = u.last_sync_errors.filter(|&n| n > 0) {
        push(Severity::Warning, format!("the last parity check found {n} errors"));
    }
}

/// Filesystems at or above the space limits (used share of used + available, as `df`).
pub(crate) fn filesystems(fs: &[Filesystem], at: At, t: &Thresholds, out: &mut Vec<Problem>) {
    for f in fs {
        let total = f.used_bytes.saturating_add(f.avail_bytes);
        if total == 0 {
            continue;
        }
        let percent = 100.0 * f.used_bytes as f64 / total as f64;
        let Some(severity) = fullness(percent, t) else { continue };
        let summary = format!("filesystem {} is {percent:.0} % full", f.mount);
        let evidence = json!({
            "source": f.source, "mount": f.mount, "size_bytes": f.size_bytes,
            "used_bytes": f.used_bytes, "avail_bytes": f.avail_bytes, "used_percent": percent,
        });
        out.push(Problem::new(severity, Area::Filesystem, &f.mount, summary, evidence, at));
    }
}

/// Datasets that have snapshots, but none newer than `snapshot_max_age_secs`: one warning
/// per pool. (Datasets that were never snapshotted are not a problem here.)
pub(crate) fn snapshots(
    zfs: &ZfsSample,
    observed_at: DateTime<Utc>,
    now: DateTime<Utc>,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    let max_age = Duration::try_seconds(t.snapshot_max_age_secs).unwrap_or(Duration::MAX);
    let Ok(report) = check_snapshot_freshness(zfs, observed_at, now, max_age, None) else {
        return;
    };
    let mut by_pool: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for s in report.stale.iter().filter(|s| s.status == Staleness::Stale) {
        let pool = s.dataset.split('/').next().unwrap_or(&s.dataset);
        by_pool.entry(pool).or_default().push(s);
    }
    let hours = t.snapshot_max_age_secs / 3600;
    for (pool, stale) in by_pool {
        let youngest = stale.iter().filter_map(|s| s.newest_age_seconds).min().unwrap_or(0);
        let what = match stale.as_slice() {
            [one] => format!("dataset {} has", one.dataset),
            many => format!("{} datasets of {pool} have", many.len()),
        };
        let days = youngest as f64 / 86_400.0;
        let summary =
            format!("{what} no snapshot newer than {hours} h (the newest is {days:.1} days old)");
        let evidence = json!({ "max_age_seconds": report.max_age_seconds, "datasets": stale });
        out.push(Problem::new(
            Severity::Warning,
            Area::Snapshot,
            pool,
            summary,
            evidence,
            Some(observed_at),
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scan_times_read_as_zpool_prints_them() {
        let t = super::scan_time("Sun Nov 10 00:24:01 2024").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-11-10T00:24:01+00:00");
        assert!(super::scan_time("Sun  Nov  3 00:24:01 2024").is_some(), "padded day");
        assert!(super::scan_time("2024-11-10T00:24:01Z").is_some());
        assert!(super::scan_time("yesterday").is_none());
    }
}
