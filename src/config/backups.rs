//! Resolution of the backup jobs: `[[defaults.backups]]` then `[[devices.backups]]` (a
//! device's job replaces a default of the same name), each checked for its kind's fields.

use infrastructor_actors::command::{valid_backup_argument, valid_backup_path, validate_unit};
use infrastructor_actors::model::backups::{BackupJob, BackupSource};
use infrastructor_actors::model::glob::dataset_pattern_problem;
use toml::Spanned;

use super::bounds;
use super::error::ConfigError;
use super::file::{BackupKind, FileBackup, FileConfig, FileDevice, is_valid_device_name};
use super::resolve::Resolver;

impl Resolver<'_> {
    /// The backup jobs of device `i`: the defaults' then its own, by name.
    pub(super) fn backups(
        &self,
        cfg: &FileConfig,
        dev: &FileDevice,
        i: usize,
    ) -> Result<Vec<BackupJob>, ConfigError> {
        let mut jobs: Vec<BackupJob> = Vec::new();
        let defaults = cfg
            .defaults
            .backups
            .iter()
            .enumerate()
            .map(|(j, b)| (format!("defaults.backups[{j}]"), b, true));
        let own = dev
            .backups
            .iter()
            .enumerate()
            .map(|(j, b)| (format!("devices[{i}].backups[{j}]"), b, false));
        let mut own_names: Vec<&str> = Vec::new();
        for (field, b, is_default) in defaults.chain(own) {
            let job = self.backup(b, &field)?;
            if !is_default {
                if own_names.contains(&job.name.as_str()) {
                    let msg = format!("duplicate backup job name \"{}\"", job.name);
                    return self.invalid(b.name.span(), &format!("{field}.name"), msg);
                }
                own_names.push(b.name.get_ref());
            }
            match jobs.iter_mut().find(|j| j.name == job.name) {
                Some(slot) if !is_default => *slot = job,
                Some(_) => {
                    let msg = format!("duplicate backup job name \"{}\"", job.name);
                    return self.invalid(b.name.span(), &format!("{field}.name"), msg);
                }
                None => jobs.push(job),
            }
        }
        Ok(jobs)
    }

    /// One job, at `field` (`devices[0].backups[1]`).
    fn backup(&self, b: &FileBackup, field: &str) -> Result<BackupJob, ConfigError> {
        let at = |f: &str| format!("{field}.{f}");
        let name = b.name.get_ref();
        if !is_valid_device_name(name) {
            let msg = "must match [A-Za-z0-9][A-Za-z0-9_.-]{0,62}".to_owned();
            return self.invalid(b.name.span(), &at("name"), msg);
        }
        let max_age = self
            .duration(
                &Some(b.max_age.clone()),
                &at("max_age"),
                std::time::Duration::ZERO,
                bounds::BACKUP_MAX_AGE,
            )?
            .as_secs();
        let kind = *b.kind.get_ref();
        let (needs, kind_name): (&[&str], &str) = match kind {
            BackupKind::Restic => (&["repository", "password_file"], "restic"),
            BackupKind::Systemd => (&["unit"], "systemd"),
            BackupKind::File => (&["path"], "file"),
            BackupKind::Zfs => (&["dataset"], "zfs"),
        };
        let optional: &[&str] =
            if kind == BackupKind::Restic { &["env_file", "check_interval"] } else { &[] };
        let fields: [(&str, &Option<Spanned<String>>); 7] = [
            ("repository", &b.repository),
            ("password_file", &b.password_file),
            ("env_file", &b.env_file),
            ("check_interval", &b.check_interval),
            ("unit", &b.unit),
            ("path", &b.path),
            ("dataset", &b.dataset),
        ];
        for (f, v) in fields {
            match v {
                Some(v) if !needs.contains(&f) && !optional.contains(&f) => {
                    let msg = format!("not used by kind = \"{kind_name}\"");
                    return self.invalid(v.span(), &at(f), msg);
                }
                None if needs.contains(&f) => {
                    let msg = format!("kind = \"{kind_name}\" needs {f}");
                    return self.invalid(b.kind.span(), &at(f), msg);
                }
                _ => {}
            }
        }
        let text =
            |v: &Option<Spanned<String>>, f: &str, path: bool| -> Result<String, ConfigError> {
                let Some(v) = v else { return Ok(String::new()) };
                let s = v.get_ref().trim();
                if path && !valid_backup_path(s) {
                    let msg = "must be an absolute path on the device, without control characters"
                        .to_owned();
                    return self.invalid(v.span(), &at(f), msg);
                }
                if !valid_backup_argument(s) {
                    let msg = "must not be empty or hold control characters".to_owned();
                    return self.invalid(v.span(), &at(f), msg);
                }
                Ok(s.to_owned())
            };
        let source = match kind {
            BackupKind::Restic => BackupSource::Restic {
                repository: text(&b.repository, "repository", false)?,
                password_file: text(&b.password_file, "password_file", true)?,
                env_file: match &b.env_file {
                    Some(_) => Some(text(&b.env_file, "env_file", true)?),
                    None => None,
                },
                check_interval_seconds: match &b.check_interval {
                    Some(_) => Some(
                        self.duration(
                            &b.check_interval,
                            &at("check_interval"),
                            std::time::Duration::ZERO,
                            bounds::BACKUP_CHECK_INTERVAL,
                        )?
                        .as_secs(),
                    ),
                    None => None,
                },
            },
            BackupKind::Systemd => {
                let unit = text(&b.unit, "unit", false)?;
                if validate_unit(&unit).is_err() {
                    let span = b.unit.as_ref().map_or(b.kind.span(), Spanned::span);
                    let msg =
                        "must be a unit name matching [A-Za-z0-9@._:-]+, not starting with '-'";
                    return self.invalid(span, &at("unit"), msg.to_owned());
                }
                BackupSource::Systemd { unit }
            }
            BackupKind::File => BackupSource::File { path: text(&b.path, "path", true)? },
            BackupKind::Zfs => {
                let dataset = text(&b.dataset, "dataset", false)?;
                if let Some(why) = dataset_pattern_problem(&dataset) {
                    let span = b.dataset.as_ref().map_or(b.kind.span(), Spanned::span);
                    let msg = format!("must be a ZFS dataset or glob (tank/data, tank/*): {why}");
                    return self.invalid(span, &at("dataset"), msg);
                }
                BackupSource::Zfs { dataset }
            }
        };
        Ok(BackupJob { name: name.clone(), source, max_age_seconds: max_age })
    }
}
