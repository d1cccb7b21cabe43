//! Pure parsers of the backups command's sections: one job's output into its status.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::model::backups::{BackupJob, BackupSource, BackupStatus, BackupVerdict};

/// What one job's output (or a `zfs` job's ZFS sample) says before the verdict is given.
#[derive(Debug, Default)]
pub(super) struct Reading {
    pub(super) last_success: Option<DateTime<Utc>>,
    pub(super) last_run_start: Option<DateTime<Utc>>,
    pub(super) host: Option<String>,
    pub(super) paths: Vec<String>,
    pub(super) size_bytes: Option<u64>,
    /// Why the last run failed or could not be read.
    pub(super) failure: Option<String>,
    pub(super) evidence: Vec<String>,
}

/// The status of `job` from its section's `lines` (`None`: the section is missing), at `now`.
pub fn parse_job(job: &BackupJob, lines: Option<&[&str]>, now: DateTime<Utc>) -> BackupStatus {
    let r = match lines {
        None => failed("no output for this job (the command was cut short)"),
        Some([only]) if only.trim() == "invalid" => {
            failed("the job's settings cannot be sent to the device (invalid characters)")
        }
        Some(lines) => match &job.source {
            BackupSource::Restic { .. } => restic(lines),
            BackupSource::Systemd { .. } => systemd(lines),
            BackupSource::File { .. } => file(lines),
            BackupSource::Zfs { .. } => failed("a zfs job is read from the ZFS probe's samples"),
        },
    };
    judge(job, r, now)
}

/// The status of `job` from what was read, at `now`: failed when the reading says so, else
/// ok or overdue by the age of the last success.
pub(super) fn judge(job: &BackupJob, r: Reading, now: DateTime<Utc>) -> BackupStatus {
    let max_age = i64::try_from(job.max_age_seconds).unwrap_or(i64::MAX);
    let mut evidence = r.evidence;
    let verdict = if let Some(why) = r.failure {
        evidence.insert(0, why);
        BackupVerdict::Failed
    } else {
        match r.last_success {
            Some(at) if (now - at).num_seconds() <= max_age => BackupVerdict::Ok,
            Some(at) => {
                let age = (now - at).num_seconds();
                evidence.push(format!("last success {age} s ago, max_age {max_age} s"));
                BackupVerdict::Overdue
            }
            None => {
                evidence.push("no successful backup found".to_owned());
                BackupVerdict::Overdue
            }
        }
    };
    BackupStatus {
        job: job.name.clone(),
        kind: job.source.kind().to_owned(),
        verdict,
        last_success: r.last_success,
        last_run_start: r.last_run_start,
        max_age_seconds: job.max_age_seconds,
        host: r.host,
        paths: r.paths,
        size_bytes: r.size_bytes,
        last_check: None,
        check_ok: None,
        check_error: None,
        evidence,
    }
}

pub(super) fn failed(why: &str) -> Reading {
    Reading { failure: Some(why.to_owned()), ..Reading::default() }
}

/// The status printed by `echo "exit:$?"` (the last such line) and the lines before it.
pub(super) fn split_exit<'a>(lines: &[&'a str]) -> (Option<i32>, Vec<&'a str>, Vec<&'a str>) {
    match lines.iter().rposition(|l| l.trim().starts_with("exit:")) {
        Some(i) => {
            let status = lines[i].trim().trim_start_matches("exit:").parse().ok();
            (status, lines[..i].to_vec(), lines[i + 1..].to_vec())
        }
        None => (None, lines.to_vec(), Vec::new()),
    }
}

/// The first non-empty line of `lines` that is not JSON, trimmed and capped.
fn error_line(lines: &[&str]) -> String {
    let text: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('[') && !l.starts_with('{'))
        .collect();
    crate::probes::first_line(&text.join("\n"))
}

#[derive(serde::Deserialize)]
struct Snapshot {
    time: DateTime<chrono::FixedOffset>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    short_id: Option<String>,
}

#[derive(serde::Deserialize)]
struct Stats {
    total_size: u64,
}

fn restic(lines: &[&str]) -> Reading {
    let (status, before, after) = split_exit(lines);
    match status {
        Some(0) => {}
        // `timeout` ended it (GNU: 124; BusyBox passes restic's 130, or 137 after `-k`).
        Some(124 | 130 | 137) => {
            return failed(
                "restic snapshots did not answer within the poll's deadline (a hung repository or backend?)",
            );
        }
        Some(s) => {
            let msg = error_line(&before);
            return failed(&format!("restic snapshots exited with status {s}: {msg}"));
        }
        None => return failed("restic snapshots gave no exit status (cut short)"),
    }
    let Some(json) = before.iter().map(|l| l.trim()).find(|l| l.starts_with('[')) else {
        return failed("restic snapshots printed no JSON");
    };
    let snapshots: Vec<Snapshot> = match serde_json::from_str(json) {
        Ok(s) => s,
        Err(e) => return failed(&format!("unreadable restic snapshots JSON: {e}")),
    };
    let mut r = Reading::default();
    let Some(newest) = snapshots.into_iter().max_by_key(|s| s.time) else {
        r.evidence.push("the repository has no snapshot".to_owned());
        return r;
    };
    r.last_success = Some(newest.time.with_timezone(&Utc));
    r.evidence.push(format!(
        "snapshot {} at {}",
        newest.short_id.as_deref().unwrap_or("?"),
        newest.time.to_rfc3339()
    ));
    r.host = newest.hostname;
    r.paths = newest.paths;
    r.size_bytes = after
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with('{'))
        .and_then(|l| serde_json::from_str::<Stats>(l).ok())
        .map(|s| s.total_size);
    r
}

/// A `systemctl show` timestamp: `@<unix seconds>`, or `Day YYYY-MM-DD HH:MM:SS UTC` (as
/// printed with `TZ=UTC`); `None` when empty, `n/a` or otherwise.
pub fn systemd_timestamp(value: &str) -> Option<DateTime<Utc>> {
    let v = value.trim();
    if let Some(secs) = v.strip_prefix('@') {
        let secs: f64 = secs.parse().ok()?;
        #[allow(clippy::cast_possible_truncation)]
        return Utc.timestamp_opt(secs as i64, 0).single();
    }
    let rest = v.split_once(' ')?.1;
    let rest = rest.strip_suffix(" UTC")?;
    NaiveDateTime::parse_from_str(rest, "%Y-%m-%d %H:%M:%S").ok().map(|n| n.and_utc())
}

fn systemd(lines: &[&str]) -> Reading {
    let (status, before, _) = split_exit(lines);
    let prop = |key: &str| {
        before.iter().find_map(|l| l.trim().strip_prefix(key)?.strip_prefix('=').map(str::trim))
    };
    if status != Some(0) || prop("LoadState").is_none() {
        let msg = error_line(&before);
        return failed(&format!("systemctl show exited with status {status:?}: {msg}"));
    }
    if prop("LoadState") == Some("not-found") {
        return failed("the unit is not loaded (LoadState=not-found)");
    }
    let result = prop("Result").unwrap_or_default();
    let code = prop("ExecMainStatus").unwrap_or_default();
    let mut r = Reading {
        last_run_start: prop("ExecMainStartTimestamp").and_then(systemd_timestamp),
        ..Reading::default()
    };
    let finished = prop("ExecMainExitTimestamp").and_then(systemd_timestamp);
    r.evidence.push(format!(
        "Result={result} ExecMainStatus={code} ActiveState={}",
        prop("ActiveState").unwrap_or_default()
    ));
    if result != "success" || (code != "0" && !code.is_empty()) {
        r.failure = Some(format!("the last run failed: Result={result}, status {code}"));
    } else if finished.is_some() {
        r.last_success = finished;
    }
    r
}

fn file(lines: &[&str]) -> Reading {
    let (status, before, _) = split_exit(lines);
    let value = before.iter().map(|l| l.trim()).rfind(|l| !l.is_empty());
    let at = value.and_then(|v| v.parse::<f64>().ok()).and_then(|secs| {
        #[allow(clippy::cast_possible_truncation)]
        Utc.timestamp_opt(secs as i64, 0).single()
    });
    match (status, at) {
        (Some(0), Some(at)) => Reading {
            last_success: Some(at),
            evidence: vec![format!("modified at {}", at.to_rfc3339())],
            ..Reading::default()
        },
        (Some(0), None) if value.is_none() => failed("the folder holds no file"),
        _ => failed(&format!("cannot read the modification time: {}", error_line(&before))),
    }
}
