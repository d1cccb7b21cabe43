//! The backup check: a backup job that failed or is overdue is a warning, with the job's
//! verdict, last success, age and evidence (a job not yet known is none).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::problem::{Area, Problem, Severity};
use crate::model::backups::{BackupStatus, BackupVerdict};

/// One warning per job whose verdict is not ok; its object is the job's name.
pub(crate) fn backups(
    jobs: &[BackupStatus],
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    out: &mut Vec<Problem>,
) {
    let problem = |v| matches!(v, BackupVerdict::Failed | BackupVerdict::Overdue);
    for j in jobs.iter().filter(|j| problem(j.verdict)) {
        let age = j.last_success.map(|t| (now - t).num_seconds().max(0));
        let summary = match (j.verdict, j.last_success) {
            (BackupVerdict::Failed, _) => format!(
                "backup {} ({}) failed: {}",
                j.job,
                j.kind,
                j.evidence.first().map_or("", String::as_str)
            ),
            (_, Some(t)) => format!(
                "backup {} ({}) is overdue: last success {} ({} h ago, max_age {} h)",
                j.job,
                j.kind,
                t.format("%Y-%m-%d %H:%M:%S UTC"),
                age.unwrap_or(0) / 3600,
                j.max_age_seconds / 3600
            ),
            (_, None) => format!("backup {} ({}) has no successful run", j.job, j.kind),
        };
        let evidence = json!({
            "job": j.job, "kind": j.kind, "verdict": j.verdict, "last_success": j.last_success,
            "age_seconds": age, "max_age_seconds": j.max_age_seconds, "evidence": j.evidence,
        });
        out.push(Problem::new(Severity::Warning, Area::Backup, &j.job, summary, evidence, at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_and_overdue_jobs_are_warnings() {
        let now = Utc::now();
        let job = |name: &str, verdict, last: Option<DateTime<Utc>>| BackupStatus {
            job: name.into(),
            kind: "restic".into(),
            verdict,
            last_success: last,
            last_run_start: None,
            max_age_seconds: 3600,
            host: None,
            paths: vec![],
            size_bytes: None,
            last_check: None,
            check_ok: None,
            check_error: None,
            evidence: vec!["Fatal: wrong password or no key found".into()],
        };
        let jobs = [
            job("fine", BackupVerdict::Ok, Some(now)),
            job("late", BackupVerdict::Overdue, Some(now - chrono::Duration::hours(30))),
            job("broken", BackupVerdict::Failed, None),
            job("waiting", BackupVerdict::Unknown, None),
        ];
        let mut out = Vec::new();
        backups(&jobs, Some(now), now, &mut out);
        let got: Vec<(&str, &str)> =
            out.iter().map(|p| (p.object.as_str(), p.summary.as_str())).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "late");
        assert!(got[0].1.contains("30 h ago, max_age 1 h"), "{got:?}");
        assert_eq!(
            got[1],
            ("broken", "backup broken (restic) failed: Fatal: wrong password or no key found")
        );
        assert!(out.iter().all(|p| p.severity == Severity::Warning && p.area == Area::Backup));
    }
}
