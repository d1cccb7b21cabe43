//! The backups probe's command: one round trip reading every declared job of a device.

use crate::model::backups::{BackupJob, BackupSource};

use super::{Command, DEFAULT_TIMEOUT};

/// The properties read from `systemctl show` for a `systemd` job.
pub(crate) const SYSTEMD_PROPERTIES: &str = "LoadState,ActiveState,SubState,Result,ExecMainStatus,ExecMainStartTimestamp,ExecMainExitTimestamp";

/// Whether `s` may be given to a backup tool: not empty, at most 4096 bytes, no control
/// characters (it is quoted anyway; this keeps newlines out of the output's structure).
pub fn valid_backup_argument(s: &str) -> bool {
    !s.is_empty() && s.len() <= 4096 && !s.chars().any(char::is_control)
}

/// Whether `s` is an absolute path usable as a job's file, password file or env file.
pub fn valid_backup_path(s: &str) -> bool {
    valid_backup_argument(s) && s.starts_with('/')
}

fn quote(s: &str) -> Option<String> {
    valid_backup_argument(s).then(|| shlex::try_quote(s).ok().map(|q| q.into_owned()))?
}

/// The shell body reading `job`, printing `exit:<status>` after its main tool; `None` when
/// one of its strings is not valid ([`valid_backup_argument`], [`valid_backup_path`]).
fn job_body(job: &BackupJob) -> Option<String> {
    Some(match &job.source {
        BackupSource::Restic { repository, password_file, env_file } => {
            let env = match env_file {
                Some(f) if valid_backup_path(f) => format!("set -a; . {}; set +a; ", quote(f)?),
                Some(_) => return None,
                None => String::new(),
            };
            if !valid_backup_path(password_file) {
                return None;
            }
            format!(
                "( {env}RESTIC_REPOSITORY={}; RESTIC_PASSWORD_FILE={}; \
                 export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE; \
                 restic snapshots --json --latest 1 --no-lock 2>&1; s=$?; echo \"exit:$s\"; \
                 if [ \"$s\" = 0 ]; then restic stats --json --no-lock latest 2>/dev/null; fi )",
                quote(repository)?,
                quote(password_file)?,
            )
        }
        BackupSource::Systemd { unit } => {
            if super::ondemand::validate_unit(unit).is_err() {
                return None;
            }
            format!(
                "TZ=UTC systemctl show --property={SYSTEMD_PROPERTIES} -- {} 2>&1; echo \"exit:$?\"",
                quote(unit)?
            )
        }
        BackupSource::File { path } => {
            if !valid_backup_path(path) {
                return None;
            }
            let p = quote(path)?;
            format!(
                "if [ -d {p} ]; then find {p} -type f -printf '%T@\\n' 2>&1 | sort -n | tail -n 1; \
                 else stat -c %Y {p} 2>&1; fi; echo \"exit:$?\""
            )
        }
    })
}

/// One sectioned command reading every job: section `j<i>` holds job `i`'s output, or the
/// line `invalid` when the job's strings cannot be sent. `None` without jobs.
pub(crate) fn backups(jobs: &[BackupJob]) -> Option<Command> {
    if jobs.is_empty() {
        return None;
    }
    let body: Vec<String> = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| {
            let run = job_body(job).unwrap_or_else(|| "echo invalid".to_owned());
            format!("section j{i}; {run}")
        })
        .collect();
    Some(Command::sectioned("backups", &body.join("; "), DEFAULT_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(source: BackupSource) -> BackupJob {
        BackupJob { name: "j".into(), source, max_age_seconds: 3600 }
    }

    #[test]
    fn quotes_every_string_and_refuses_bad_ones() {
        let restic = job(BackupSource::Restic {
            repository: "sftp:me@host:/srv/it's".into(),
            password_file: "/root/.pw; rm -rf /".into(),
            env_file: Some("/etc/restic env".into()),
        });
        let cmd = backups(&[restic]).unwrap();
        assert!(cmd.line.contains("'/root/.pw; rm -rf /'"), "{}", cmd.line);
        assert!(cmd.line.contains("'/etc/restic env'"), "{}", cmd.line);
        assert!(cmd.line.contains("restic snapshots --json --latest 1"), "{}", cmd.line);
        let bad = [
            job(BackupSource::File { path: "relative".into() }),
            job(BackupSource::File { path: "/a\nb".into() }),
            job(BackupSource::Systemd { unit: "-x".into() }),
            job(BackupSource::Restic {
                repository: "/r".into(),
                password_file: "pw".into(),
                env_file: None,
            }),
        ];
        for b in &bad {
            assert_eq!(job_body(b), None, "{b:?}");
        }
        let cmd = backups(&bad).unwrap();
        assert_eq!(cmd.line.matches("echo invalid").count(), 4, "{}", cmd.line);
        assert!(backups(&[]).is_none());
    }

    #[test]
    fn systemd_and_file_lines() {
        let cmd = backups(&[
            job(BackupSource::Systemd { unit: "borg.service".into() }),
            job(BackupSource::File { path: "/srv/backup/done".into() }),
        ])
        .unwrap();
        assert!(cmd.line.contains("section j0; TZ=UTC systemctl show"), "{}", cmd.line);
        assert!(cmd.line.contains("-- borg.service"), "{}", cmd.line);
        assert!(cmd.line.contains("section j1; if [ -d /srv/backup/done ]"), "{}", cmd.line);
    }
}
