//! `diagnose_device` and `diagnose_fleet`: every check run over a device's current state
//! (its connection, failing probes and latest samples), ranked, counted and scored.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::problem::{
    Area, DeviceDiagnosis, FleetDiagnosis, Problem, ProblemCounts, Reachability, Severity, rank,
    score,
};
use super::{
    Thresholds, checks_backups, checks_drives, checks_host, checks_images, checks_logs,
    checks_storage,
};
use crate::state::{DeviceState, Snapshot};

/// The diagnosis of one device from its current state at `now`: its connection, failing
/// probes, and the problems in each probe's latest sample (an offline device is diagnosed
/// from its last known samples, each problem saying when its sample was taken).
pub fn diagnose_device(
    name: &str,
    state: &DeviceState,
    now: DateTime<Utc>,
    t: &Thresholds,
) -> DeviceDiagnosis {
    let mut problems = Vec::new();
    let status = connection(name, state, now, &mut problems);
    probe_failures(state, now, &mut problems);
    samples(name, state, now, t, &mut problems);
    rank(&mut problems);
    let counts = ProblemCounts::of(&problems);
    let score = score(&counts, status == Reachability::Offline, t);
    let summary = summary(name, status, score, &counts, &problems);
    DeviceDiagnosis {
        device: name.to_string(),
        score,
        status,
        since: state.since,
        last_seen: state.last_seen,
        counts,
        problems,
        checked: state.samples.keys().map(|p| p.to_string()).collect(),
        skipped: state.skipped.clone(),
        summary,
    }
}

/// The diagnosis of every device of `snapshot`, worst score first.
pub fn diagnose_fleet(snapshot: &Snapshot, now: DateTime<Utc>, t: &Thresholds) -> FleetDiagnosis {
    let mut devices: Vec<_> =
        snapshot.devices.iter().map(|(name, s)| diagnose_device(name, s, now, t)).collect();
    devices.sort_by(|a, b| (a.score, &a.device).cmp(&(b.score, &b.device)));
    let mut counts = ProblemCounts::default();
    for d in &devices {
        counts.critical += d.counts.critical;
        counts.warning += d.counts.warning;
        counts.info += d.counts.info;
    }
    let online = devices.iter().filter(|d| d.status == Reachability::Online).count();
    let offline = devices.iter().filter(|d| d.status == Reachability::Offline).count();
    let summary = format!(
        "{} devices ({online} online, {offline} offline): {} critical, {} warnings, {} notes",
        devices.len(),
        counts.critical,
        counts.warning,
        counts.info
    );
    FleetDiagnosis { at: now, total: devices.len(), devices, online, offline, counts, summary }
}

fn connection(
    name: &str,
    s: &DeviceState,
    now: DateTime<Utc>,
    out: &mut Vec<Problem>,
) -> Reachability {
    match s.online {
        Some(true) => Reachability::Online,
        Some(false) => {
            let since = s.since.map_or(String::new(), |t| format!(" since {}", t.to_rfc3339()));
            let reason = s.offline_reason.as_deref().map_or(String::new(), |r| format!(": {r}"));
            let evidence = json!({
                "since": s.since, "reason": s.offline_reason, "last_seen": s.last_seen,
                "offline_seconds": s.since.map(|t| (now - t).num_seconds().max(0)),
            });
            let summary = format!("device {name} is offline{since}{reason}");
            out.push(Problem::new(Severity::Critical, Area::Device, name, summary, evidence, None));
            Reachability::Offline
        }
        None => {
            let summary = format!("device {name} has not connected yet");
            let evidence = json!({ "last_seen": s.last_seen });
            out.push(Problem::new(Severity::Info, Area::Device, name, summary, evidence, None));
            Reachability::Unknown
        }
    }
}

fn probe_failures(s: &DeviceState, now: DateTime<Utc>, out: &mut Vec<Problem>) {
    for (probe, f) in &s.failures {
        let summary = format!("probe {probe} is failing: {}", f.error);
        let evidence = json!({
            "error": f.error, "since": f.since,
            "failing_seconds": (now - f.since).num_seconds().max(0),
            "last_sample_at": s.sample(probe).map(|e| e.observed_at),
        });
        out.push(Problem::new(Severity::Warning, Area::Probe, probe, summary, evidence, None));
    }
}

fn samples(
    name: &str,
    s: &DeviceState,
    now: DateTime<Utc>,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    let at = |probe: &str| s.sample(probe).map(|e| e.observed_at);
    checks_drives::check(s.drives(), at("drives"), t, out);
    if let (Some(zfs), Some(observed)) = (s.zfs(), at("zfs")) {
        checks_storage::pools(zfs, Some(observed), t, out);
        checks_storage::snapshots(zfs, observed, now, t, out);
    }
    if let Some(a) = s.arrays() {
        checks_storage::arrays(a, at("arrays"), out);
    }
    if let Some(m) = s.metrics() {
        checks_storage::filesystems(&m.filesystems, at("metrics"), t, out);
        checks_host::memory(m, at("metrics"), name, t, out);
        checks_host::cpu(m, at("metrics"), name, t, out);
        checks_host::load(m, at("metrics"), name, t, out);
    }
    checks_host::containers(s.containers(), at("containers"), t, out);
    if let Some(units) = s.failed_units() {
        checks_host::services(units, at("services"), out);
    }
    checks_host::vms(s.vms(), at("vms"), out);
    if let Some(u) = s.updates() {
        let pending = s.security_updates_since().map(|since| now - since);
        checks_host::updates(u, pending, at("updates"), t, out);
    }
    checks_logs::logs(s.log_matches(), at("logs"), now, t, out);
    if let Some(jobs) = s.backups() {
        checks_backups::backups(jobs, at("backups"), now, out);
    }
    if let Some(images) = s.images() {
        checks_images::images(images, at("images"), now, out);
    }
}

fn summary(
    name: &str,
    status: Reachability,
    score: u8,
    c: &ProblemCounts,
    problems: &[Problem],
) -> String {
    let state = match status {
        Reachability::Online => "online",
        Reachability::Offline => "offline",
        Reachability::Unknown => "not connected yet",
    };
    let head = format!("{name} ({state}) scores {score}/100");
    match problems.first() {
        None => format!("{head}: no problems found"),
        Some(worst) => format!(
            "{head}: {} critical, {} warnings, {} notes; worst: {}",
            c.critical, c.warning, c.info, worst.summary
        ),
    }
}

#[cfg(test)]
#[path = "diagnose_fixtures.rs"]
mod fixtures;

#[cfg(test)]
#[path = "diagnose_cases.rs"]
mod cases;

#[cfg(test)]
#[path = "diagnose_tests.rs"]
mod tests;
