//! Host checks: memory, CPU, load average, containers (dead, OOM-killed, restarting, unhealthy), failed units,
//! VMs and pending updates.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Thresholds;
use super::problem::{Area, Problem, Severity};
use crate::model::containers::Container;
use crate::model::metrics::MetricsSample;
use crate::model::services::FailedUnit;
use crate::model::updates::Package;
use crate::model::vms::Vm;

type At = Option<DateTime<Utc>>;

/// Memory in use (`MemTotal - MemAvailable`) against the memory limits.
pub(crate) fn memory(
    m: &MetricsSample,
    at: At,
    device: &str,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    let (Some(total), Some(avail)) = (m.mem_total_bytes, m.mem_available_bytes) else { return };
    if total == 0 {
        return;
    }
    let percent = 100.0 * total.saturating_sub(avail) as f64 / total as f64;
    let severity = if percent >= t.mem_critical_percent {
        Severity::Critical
    } else if percent >= t.mem_warning_percent {
        Severity::Warning
    } else {
        return;
    };
    let summary = format!("memory is {percent:.0} % used");
    let evidence = json!({
        "mem_total_bytes": total, "mem_available_bytes": avail, "used_percent": percent,
        "swap_used_bytes": m.swap_used_bytes, "swap_total_bytes": m.swap_total_bytes,
    });
    out.push(Problem::new(severity, Area::Memory, device, summary, evidence, at));
}

/// CPU busy above the thresholds (the alert rule holds it for a duration before raising).
pub(crate) fn cpu(m: &MetricsSample, at: At, device: &str, t: &Thresholds, out: &mut Vec<Problem>) {
    let Some(percent) = m.cpu_percent else { return };
    let (severity, threshold) = if percent >= t.cpu_critical_percent {
        (Severity::Critical, t.cpu_critical_percent)
    } else if percent >= t.cpu_warning_percent {
        (Severity::Warning, t.cpu_warning_percent)
    } else {
        return;
    };
    let summary = format!("CPU is {percent:.0} % busy");
    let evidence = json!({
        "cpu_percent": percent, "threshold_percent": threshold,
        "load1": m.load1, "load5": m.load5, "load15": m.load15,
    });
    out.push(Problem::new(severity, Area::Cpu, device, summary, evidence, at));
}

/// The 5-minute load average per online core above the load limits (the alert rule holds it
/// for a duration before raising). The cores are those of the sample's per-core usage, which
/// a sample has from its second poll on; without them nothing is judged.
pub(crate) fn load(
    m: &MetricsSample,
    at: At,
    device: &str,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    let (Some(load5), cores) = (m.load5, m.cpu_cores.len()) else { return };
    if cores == 0 || !load5.is_finite() {
        return;
    }
    let per_core = load5 / cores as f64;
    let (severity, threshold) = if per_core >= t.load_critical_per_core {
        (Severity::Critical, t.load_critical_per_core)
    } else if per_core >= t.load_warning_per_core {
        (Severity::Warning, t.load_warning_per_core)
    } else {
        return;
    };
    let summary =
        format!("load average is {load5:.2} on {cores} cores ({per_core:.2} per core over 5 min)");
    let evidence = json!({
        "load_per_core": per_core, "threshold": threshold, "cores": cores,
        "load1": m.load1, "load5": load5, "load15": m.load15, "cpu_percent": m.cpu_percent,
    });
    out.push(Problem::new(severity, Area::Load, device, summary, evidence, at));
}

/// The name of the signal behind a `128 + n` exit code, for the common ones.
fn signal(code: i64) -> Option<&'static str> {
    Some(match code {
        130 => "SIGINT",
        134 => "SIGABRT",
        137 => "SIGKILL",
        139 => "SIGSEGV",
        143 => "SIGTERM",
        _ => return None,
    })
}

/// Restarting, dead, failed-exited, OOM-killed, often restarted and unhealthy containers.
pub(crate) fn containers(cs: &[Container], at: At, t: &Thresholds, out: &mut Vec<Problem>) {
    for c in cs {
        let inspect = c.inspect.as_ref();
        let oom = inspect.and_then(|i| i.oom_killed) == Some(true);
        let restarts = inspect.and_then(|i| i.restart_count);
        // Built only for a container with a problem (most have none).
        let evidence = || {
            json!({
                "image": c.image, "state": c.state, "status": c.status, "exit_code": c.exit_code,
                "health": c.health, "oom_killed": inspect.and_then(|i| i.oom_killed),
                "restart_count": restarts, "restart_policy": inspect.and_then(|i| i.restart_policy.clone()),
                "finished_at": inspect.and_then(|i| i.finished_at.clone()),
                "compose_project": c.compose_project, "compose_service": c.compose_service,
            })
        };
        let mut push = |severity, summary: String| {
            out.push(Problem::new(severity, Area::Container, &c.name, summary, evidence(), at));
        };
        let code = c.exit_code.map_or(String::new(), |n| match signal(n) {
            Some(s) => format!(" (exit code {n}, {s})"),
            None => format!(" (exit code {n})"),
        });
        if c.state == "restarting" {
            let n = restarts.map_or(String::new(), |n| format!(", {n} restarts"));
            push(Severity::Critical, format!("container {} is restart-looping{code}{n}", c.name));
        } else if c.state == "dead" {
            push(Severity::Critical, format!("container {} is dead{code}", c.name));
        } else if c.is_stopped() && oom {
            push(
                Severity::Warning,
                format!("container {} was killed by the OOM killer{code}", c.name),
            );
        } else if c.is_stopped() && c.exit_code.is_some_and(|n| n != 0) {
            push(Severity::Warning, format!("container {} exited with an error{code}", c.name));
        } else if c.is_running() && restarts.is_some_and(|n| n >= t.restart_count_warning) {
            let n = restarts.unwrap_or(0);
            push(Severity::Warning, format!("container {} has restarted {n} times", c.name));
        }
        if c.is_running() && c.health.as_deref() == Some("unhealthy") {
            push(Severity::Warning, format!("container {} is unhealthy", c.name));
        }
    }
}

/// One warning per failed systemd unit.
pub(crate) fn services(units: &[FailedUnit], at: At, out: &mut Vec<Problem>) {
    for u in units {
        let summary = if u.description.is_empty() {
            format!("unit {} has failed", u.unit)
        } else {
            format!("unit {} ({}) has failed", u.unit, u.description)
        };
        let evidence = json!({ "load": u.load, "active": u.active, "sub": u.sub, "description": u.description });
        out.push(Problem::new(Severity::Warning, Area::Service, &u.unit, summary, evidence, at));
    }
}

/// Crashed VMs, autostart VMs that are not running, and VMs that could not be read.
pub(crate) fn vms(vms: &[Vm], at: At, out: &mut Vec<Problem>) {
    for v in vms {
        let evidence = json!({ "state": v.state, "autostart": v.autostart, "error": v.error });
        let (severity, summary) = if v.state == "crashed" {
            (Severity::Critical, format!("VM {} has crashed", v.name))
        } else if v.autostart == Some(true) && v.state == "shut off" {
            (Severity::Warning, format!("VM {} starts at boot but is shut off", v.name))
        } else if let Some(e) = &v.error {
            (Severity::Info, format!("VM {} could not be read: {e}", v.name))
        } else {
            continue;
        };
        out.push(Problem::new(severity, Area::Vm, &v.name, summary, evidence, at));
    }
}

/// Pending updates: security updates pending for `t.security_updates_max_age_days` (as
/// `pending` says; unknown counts as past it) are a warning, other pending updates a note.
pub(crate) fn updates(
    (manager, packages, security): (&str, &[Package], u32),
    pending: Option<chrono::Duration>,
    at: At,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    if packages.is_empty() && security == 0 {
        return;
    }
    let names = |security_only: bool| -> Vec<&str> {
        let p = packages.iter().filter(|p| !security_only || p.security);
        p.map(|p| p.name.as_str()).take(50).collect()
    };
    let days = pending.map(|d| d.num_seconds() as f64 / 86_400.0);
    let (severity, summary, listed) = if security > 0 {
        let limit = t.security_updates_max_age_days as f64;
        let age = match days {
            Some(d) if d >= 1.0 => format!(" for {} days", d.floor()),
            Some(_) => " for less than a day".to_string(),
            None => String::new(),
        };
        let s = format!(
            "{security} security updates pending{age} ({} updates in all, {manager})",
            packages.len()
        );
        let severity =
            if days.is_none_or(|d| d >= limit) { Severity::Warning } else { Severity::Info };
        (severity, s, names(true))
    } else {
        (Severity::Info, format!("{} updates pending ({manager})", packages.len()), names(false))
    };
    let evidence = json!({ "manager": manager, "count": packages.len(),
                           "security_count": security, "pending_days": days,
                           "limit_days": t.security_updates_max_age_days, "packages": listed });
    out.push(Problem::new(severity, Area::Updates, manager, summary, evidence, at));
}
