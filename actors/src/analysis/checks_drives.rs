//! Drive checks: SMART verdicts, error counters, NVMe wear and spare, and temperature.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Thresholds;
use super::problem::{Area, Problem, Severity};
use crate::model::drives::Drive;

/// One problem per drive with SMART findings (the worst one's severity, every finding in
/// the evidence) and one per drive that runs hot.
pub(crate) fn check(
    drives: &[Drive],
    observed_at: Option<DateTime<Utc>>,
    t: &Thresholds,
    out: &mut Vec<Problem>,
) {
    for d in drives {
        let object = object(d);
        let findings = findings(d, t);
        if let Some(severity) = findings.iter().map(|f| f.0).min() {
            let text: Vec<&str> = findings.iter().map(|f| f.1.as_str()).collect();
            let evidence = json!({
                "model": d.model, "serial": d.serial, "protocol": d.protocol,
                "findings": text,
                "smart_passed": d.smart_passed,
                "reallocated_sectors": d.reallocated_sectors,
                "pending_sectors": d.pending_sectors,
                "offline_uncorrectable": d.offline_uncorrectable,
                "reported_uncorrect": d.reported_uncorrect,
                "crc_errors": d.crc_errors,
                "nvme_media_errors": d.nvme_media_errors,
                "nvme_percentage_used": d.nvme_percentage_used,
                "nvme_available_spare": d.nvme_available_spare,
                "power_on_hours": d.power_on_hours,
                "smartctl_exit_status": d.smartctl_exit_status,
            });
            let summary = format!("drive {object}: {}", text.join("; "));
            out.push(Problem::new(severity, Area::Drive, &object, summary, evidence, observed_at));
        }
        if let Some(p) = temperature(d, &object, observed_at, t) {
            out.push(p);
        }
    }
}

/// The drive's path, with its smartctl type when several drives share a path (behind a
/// RAID controller).
fn object(d: &Drive) -> String {
    match &d.dev_type {
        Some(ty) if ty.contains(',') => format!("{} [{ty}]", d.device),
        _ => d.device.clone(),
    }
}

fn is_nvme(d: &Drive) -> bool {
    let nvme = |s: &Option<String>| s.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("nvme"));
    nvme(&d.protocol) || nvme(&d.dev_type)
}

fn findings(d: &Drive, t: &Thresholds) -> Vec<(Severity, String)> {
    use Severity::{Critical, Info, Warning};
    let mut f = Vec::new();
    if d.smart_passed == Some(false) {
        f.push((Critical, "SMART overall health self-assessment failed".to_string()));
    }
    for a in d.attributes.iter().filter(|a| a.failing_now) {
        f.push((Critical, format!("attribute {} {} is at or below its threshold", a.id, a.name)));
    }
    if let Some(h) = &d.nvme_health {
        if h.critical_warning.is_some_and(|w| w != 0) {
            let w = h.critical_warning.unwrap_or(0);
            f.push((Critical, format!("NVMe critical warning 0x{w:02x}")));
        }
        if let (Some(spare), Some(min)) = (h.available_spare, h.available_spare_threshold)
            && spare < min
        {
            f.push((Critical, format!("NVMe spare {spare} % is below its threshold {min} %")));
        }
    }
    let counters = [
        (d.reallocated_sectors, "reallocated sectors"),
        (d.pending_sectors, "pending sectors"),
        (d.offline_uncorrectable, "offline uncorrectable sectors"),
        (d.reported_uncorrect, "reported uncorrectable errors"),
        (d.nvme_media_errors, "NVMe media errors"),
        (d.scsi_grown_defects, "grown defects"),
        (d.scsi_uncorrected_errors, "uncorrected SCSI errors"),
    ];
    for (i, (value, what)) in counters.into_iter().enumerate() {
        if let Some(n) = value.filter(|&n| n > 0) {
            // Reallocated and pending sectors in numbers mean a dying surface.
            let severity = if i < 2 && n >= t.sectors_critical { Critical } else { Warning };
            f.push((severity, format!("{n} {what}")));
        }
    }
    if let Some(used) = d.nvme_percentage_used.filter(|&u| u >= t.nvme_life_used_warning_percent) {
        f.push((Warning, format!("{used} % of its rated life used")));
    }
    if let Some(n) = d.crc_errors.filter(|&n| n > 0) {
        f.push((Info, format!("{n} interface CRC errors (check the cable)")));
    }
    if let Some(e) = &d.error {
        f.push((Info, format!("not read this poll: {e}")));
    }
    f
}

/// Every finding about one drive, the most severe first: its SMART findings and, when it
/// runs hot, its temperature. The one judgement behind both a diagnosis and a drive verdict.
pub fn drive_findings(d: &Drive, t: &Thresholds) -> Vec<(Severity, String)> {
    let mut f = findings(d, t);
    if let Some(p) = temperature(d, &object(d), None, t) {
        f.push((p.severity, p.summary));
    }
    f.sort_by_key(|(s, _)| *s);
    f
}

fn temperature(
    d: &Drive,
    object: &str,
    observed_at: Option<DateTime<Utc>>,
    t: &Thresholds,
) -> Option<Problem> {
    let temp = d.temperature_c?;
    let (warn, crit) = if is_nvme(d) {
        (t.nvme_temp_warning_c, t.nvme_temp_critical_c)
    } else {
        (t.drive_temp_warning_c, t.drive_temp_critical_c)
    };
    let (severity, limit) = if temp >= crit {
        (Severity::Critical, crit)
    } else if temp >= warn {
        (Severity::Warning, warn)
    } else {
        return None;
    };
    let summary = format!("drive {object} is at {temp} °C (limit {limit} °C)");
    let evidence = json!({
        "temperature_c": temp, "warning_c": warn, "critical_c": crit, "nvme": is_nvme(d),
        "model": d.model, "serial": d.serial,
    });
    Some(Problem::new(severity, Area::Drive, object, summary, evidence, observed_at))
}
