//! The backups probe's commands: one round trip reading every declared job of a device
//! (`zfs` jobs need none: they read the ZFS probe's samples), and `restic check` of one job.

use std::time::Duration;

use crate::model::backups::{BackupJob, BackupSource};

use super::{Command, DEFAULT_TIMEOUT};

/// Deadline of `restic check` (at least the fleet's command timeout): long, but bounded.
pub(crate) const CHECK_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How long before the deadline restic is sent SIGINT, so it removes its exclusive lock
/// before the wrapper's KILL (a killed check leaves a lock behind that blocks backups).
const CHECK_GRACE: Duration = Duration::from_secs(30);

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

/// The shell prefix giving restic the repository of `source` (env file sourced, then
/// `RESTIC_REPOSITORY` and `RESTIC_PASSWORD_FILE` exported); `None` for another kind or an
/// invalid string.
fn restic_env(source: &BackupSource) -> Option<String> {
    let BackupSource::Restic { repository, password_file, env_file, .. } = source else {
        return None;
    };
    let env = match env_file {
        Some(f) if valid_backup_path(f) => {
            let q = quote(f)?;
            format!(
                "if [ ! -r {q} ]; then echo \"env_file {q} is not readable\"; echo 'exit:2'; exit 0; fi; \
                 set -a; . {q}; set +a; "
            )
        }
        Some(_) => return None,
        None => String::new(),
    };
    if !valid_backup_path(password_file) {
        return None;
    }
    Some(format!(
        "{env}RESTIC_REPOSITORY={}; RESTIC_PASSWORD_FILE={}; \
         export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE; ",
        quote(repository)?,
        quote(password_file)?,
    ))
}

/// Whether `job` is read by the backups command (every kind but `zfs`).
pub(crate) fn reads_device(job: &BackupJob) -> bool {
    !matches!(job.source, BackupSource::Zfs { .. })
}

/// The shell body reading `job`, printing `exit:<status>` after its main tool; `None` when
/// one of its strings is not valid ([`valid_backup_argument`], [`valid_backup_path`]) or
/// the job reads nothing on the device (`zfs`).
fn job_body(job: &BackupJob) -> Option<String> {
    Some(match &job.source {
        // `$T`: the seconds restic may take, set by `backups_within` (a hung repository fails
        // its own job, not the whole command); stats get what is left of them.
        BackupSource::Restic { .. } => format!(
            "( {}dl=$(( $(date +%s) + T )); \
             timeout -k 2 -s INT $T restic snapshots --json --latest 1 --no-lock 2>&1; s=$?; \
             echo \"exit:$s\"; r=$(( dl - $(date +%s) )); \
             if [ \"$s\" = 0 ] && [ \"$r\" -ge 1 ]; then \
             timeout -k 2 -s INT $r restic stats --json --no-lock latest 2>/dev/null; fi )",
            restic_env(&job.source)?
        ),
        BackupSource::Zfs { .. } => return None,
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

/// [`backups_within`] the default deadline.
#[cfg(test)]
pub(crate) fn backups(jobs: &[BackupJob]) -> Option<Command> {
    backups_within(jobs, DEFAULT_TIMEOUT)
}

/// One sectioned command reading every job but the `zfs` ones, all at once, each bounded on
/// the device by `deadline` less 3 s (so one hung repository fails its own job and the others
/// are still read): section `j<i>` holds job `i`'s output, or the line `invalid` when the
/// job's strings cannot be sent. `None` when no job reads the device.
pub(crate) fn backups_within(jobs: &[BackupJob], deadline: Duration) -> Option<Command> {
    let reading: Vec<(usize, String)> = jobs
        .iter()
        .enumerate()
        .filter(|(_, job)| reads_device(job))
        .map(|(i, job)| (i, job_body(job).unwrap_or_else(|| "echo invalid".to_owned())))
        .collect();
    if reading.is_empty() {
        return None;
    }
    let secs = deadline.as_secs().saturating_sub(3).max(2);
    let mut body = format!("t=$(mktemp -d) || exit 1; trap 'rm -rf \"$t\"' EXIT; T={secs}; ");
    for (i, run) in &reading {
        body.push_str(&format!("{{ {run}; }} >\"$t/{i}\" 2>&1 & "));
    }
    body.push_str("wait");
    for (i, _) in &reading {
        body.push_str(&format!("; section j{i}; cat \"$t/{i}\""));
    }
    Some(Command::sectioned("backups", &body, DEFAULT_TIMEOUT))
}

/// `restic check` of a restic job (with its lock: never `--no-lock`), printing
/// `exit:<status>` after it, with a deadline of `timeout` (at least [`CHECK_TIMEOUT`]);
/// restic is interrupted [`CHECK_GRACE`] before it so it can remove its lock. `None` for
/// another kind or invalid strings.
pub(crate) fn restic_check(job: &BackupJob, timeout: Duration) -> Option<Command> {
    let env = restic_env(&job.source)?;
    let timeout = timeout.max(CHECK_TIMEOUT);
    let inner = timeout.saturating_sub(CHECK_GRACE).as_secs().max(1);
    // restic's output goes to a file, not the channel: if the channel closes mid-check (a
    // restart), restic would die of SIGPIPE and leave its exclusive lock behind. `-k`: a
    // restic that hangs after the interrupt is killed 20 s later.
    let line = format!(
        "( {env}o=$(mktemp) || {{ echo 'mktemp failed'; echo 'exit:1'; exit 0; }}; \
         timeout -k 20 -s INT {inner} restic check >\"$o\" 2>&1; s=$?; \
         cat \"$o\"; rm -f \"$o\"; echo \"exit:$s\" )"
    );
    Some(Command::new("restic_check", line, timeout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(source: BackupSource) -> BackupJob {
        BackupJob { name: "j".into(), source, max_age_seconds: 3600 }
    }

    #[test]
    fn a_missing_env_file_is_said_not_cut_short() {
        let restic = job(BackupSource::Restic {
            repository: "/nonexistent/repo".into(),
            password_file: "/nonexistent/pw".into(),
            env_file: Some("/nonexistent/restic env".into()),
            check_interval_seconds: None,
        });
        let body = job_body(&restic).unwrap();
        let out = std::process::Command::new("/bin/sh").arg("-c").arg(&body).output().unwrap();
        let out = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out, "env_file '/nonexistent/restic env' is not readable\nexit:2\n", "{body}");
    }

    #[test]
    fn quotes_every_string_and_refuses_bad_ones() {
        let restic = job(BackupSource::Restic {
            repository: "sftp:me@host:/srv/it's".into(),
            password_file: "/root/.pw; rm -rf /".into(),
            env_file: Some("/etc/restic env".into()),
            check_interval_seconds: None,
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
                check_interval_seconds: None,
            }),
        ];
        for b in &bad {
            assert_eq!(job_body(b), None, "{b:?}");
        }
        let cmd = backups(&bad).unwrap();
        assert_eq!(cmd.line.matches("echo invalid").count(), 4, "{}", cmd.line);
        assert!(backups(&[]).is_none());
        let zfs = job(BackupSource::Zfs { dataset: "tank/*".into() });
        assert!(backups(std::slice::from_ref(&zfs)).is_none(), "zfs jobs read no device");
        let mixed = backups(&[zfs.clone(), job(BackupSource::File { path: "/d".into() })]);
        let mixed = mixed.unwrap().line;
        assert!(mixed.contains("{ if [ -d /d ]") && mixed.contains(">\"$t/1\" 2>&1 &"), "{mixed}");
        assert!(mixed.contains("section j1; cat \"$t/1\"") && !mixed.contains("j0"), "{mixed}");
        assert!(restic_check(&zfs, CHECK_TIMEOUT).is_none());
    }

    #[test]
    fn restic_check_line_keeps_its_lock_and_a_long_deadline() {
        let restic = job(BackupSource::Restic {
            repository: "/srv/r".into(),
            password_file: "/root/.pw".into(),
            env_file: None,
            check_interval_seconds: Some(7 * 86_400),
        });
        let cmd = restic_check(&restic, Duration::from_secs(20)).unwrap();
        assert_eq!(cmd.timeout, CHECK_TIMEOUT);
        assert!(
            cmd.line.contains("timeout -k 20 -s INT 1770 restic check >\"$o\" 2>&1"),
            "{}",
            cmd.line
        );
        assert!(!cmd.line.contains("--no-lock"), "{}", cmd.line);
        assert!(cmd.line.contains("RESTIC_REPOSITORY=/srv/r;"), "{}", cmd.line);
        let long = restic_check(&restic, Duration::from_secs(3 * 3600)).unwrap();
        assert_eq!(long.timeout, Duration::from_secs(3 * 3600));
    }

    #[test]
    fn systemd_and_file_lines() {
        let cmd = backups(&[
            job(BackupSource::Systemd { unit: "borg.service".into() }),
            job(BackupSource::File { path: "/srv/backup/done".into() }),
        ])
        .unwrap();
        assert!(cmd.line.contains("{ TZ=UTC systemctl show"), "{}", cmd.line);
        assert!(cmd.line.contains("-- borg.service"), "{}", cmd.line);
        assert!(cmd.line.contains("{ if [ -d /srv/backup/done ]"), "{}", cmd.line);
        assert!(cmd.line.contains("wait; section j0; cat \"$t/0\"; section j1;"), "{}", cmd.line);
    }

    #[test]
    fn a_hung_restic_fails_its_own_job_and_the_others_are_read() {
        // A fake restic that hangs, first on PATH, and a real marker file.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("restic");
        std::fs::write(&bin, "#!/bin/sh\nexec sleep 60\n").unwrap();
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let marker = dir.path().join("done");
        std::fs::write(&marker, "ok").unwrap();
        let restic = job(BackupSource::Restic {
            repository: "sftp:stalled:/r".into(),
            password_file: "/root/.pw".into(),
            env_file: None,
            check_interval_seconds: None,
        });
        let file = job(BackupSource::File { path: marker.display().to_string() });
        let cmd = backups_within(&[restic, file], Duration::from_secs(5)).unwrap();
        let path =
            format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
        let started = std::time::Instant::now();
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&cmd.line)
            .env("PATH", path)
            .output()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "bounded by the deadline less 3 s");
        let out = String::from_utf8_lossy(&out.stdout);
        let (_, found) = crate::probes::sections::split(&out, cmd.section_nonce());
        let j0 = found.iter().find(|s| s.name == "j0").expect("j0").body();
        assert!(j0.trim_end().ends_with("exit:124"), "{out}");
        let j1 = found.iter().find(|s| s.name == "j1").expect("j1").body();
        assert!(j1.trim_end().ends_with("exit:0") && j1.lines().count() == 2, "{out}");
    }
}
