//! Turns the parsed file into the actors' types: applies defaults, expands paths, validates.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use infrastructor_actors::device::{DeviceSpec, FleetSettings};
use infrastructor_actors::store::Retention;
use toml::Spanned;

use super::bounds::{self, Span};
use super::duration::{self, DurationError, parse_duration};
use super::error::{ConfigError, Location};
use super::file::{self, FileConfig};
use super::files::FileRef;
use super::{Env, Secret};

/// Everything needed to resolve one file.
pub struct Resolver<'a> {
    /// Path shown in errors.
    pub file: &'a Path,
    /// Contents of the file, to turn spans into lines.
    pub text: &'a str,
    /// Environment lookup (`HOME`, `USER`).
    pub env: Env<'a>,
}

/// The resolved parts of a config file.
pub struct Resolved {
    /// Listen address from the file (or the default).
    pub listen: SocketAddr,
    /// Database URL from `database_url` or `database_url_file`.
    pub database_url: Option<Secret>,
    /// Folder of the embedded database and the spool.
    pub data_dir: PathBuf,
    /// Fleet settings.
    pub fleet: FleetSettings,
    /// How long stored history is kept.
    pub retention: Retention,
    /// Devices in file order.
    pub devices: Vec<DeviceSpec>,
    /// Files the devices need (identity files, known_hosts), checked by `Config::check_files`.
    pub files: Vec<FileRef>,
    /// `[api]`.
    pub api: super::api::ApiSettings,
    /// `[alerts]`.
    pub alerts: super::alerts::AlertSettings,
}

impl Resolver<'_> {
    pub(super) fn invalid<T>(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: String,
    ) -> Result<T, ConfigError> {
        Err(ConfigError::Invalid {
            location: Location::at(self.file, self.text, Some(span)),
            field: field.to_owned(),
            message,
        })
    }

    /// A duration field: human string inside `bounds`.
    /// `[retention]`, each field within its bounds.
    fn retention(&self, r: &super::file::FileRetention) -> Result<Retention, ConfigError> {
        let d = Retention::default();
        let all = bounds::RETENTION;
        let field = |name: &str| format!("retention.{name}");
        Ok(Retention {
            sample_events: self.duration(
                &r.sample_events,
                &field("sample_events"),
                d.sample_events,
                bounds::RETENTION_SAMPLE_EVENTS,
            )?,
            change_events: self.duration(
                &r.change_events,
                &field("change_events"),
                d.change_events,
                all,
            )?,
            raw_samples: self.duration(
                &r.raw_samples,
                &field("raw_samples"),
                d.raw_samples,
                all,
            )?,
            rollups: self.duration(&r.rollups, &field("rollups"), d.rollups, all)?,
            health: self.duration(&r.health, &field("health"), d.health, all)?,
        })
    }

    pub(super) fn duration(
        &self,
        value: &Option<Spanned<String>>,
        field: &str,
        default: Duration,
        bounds: Span,
    ) -> Result<Duration, ConfigError> {
        let Some(v) = value else { return Ok(default) };
        let text = v.get_ref().trim();
        match duration::parse(text) {
            Ok(d) => match bounds.check(d, text) {
                None => Ok(d),
                Some(msg) => self.invalid(v.span(), field, msg),
            },
            Err(DurationError::TooLong) => self.invalid(v.span(), field, bounds.too_long(text)),
            Err(DurationError::Invalid) => {
                let msg = parse_duration(v.get_ref()).err().unwrap_or_default();
                self.invalid(v.span(), field, msg)
            }
        }
    }

    /// An integer field inside `min..=max`.
    pub(super) fn integer(
        &self,
        value: &Option<Spanned<i64>>,
        field: &str,
        default: i64,
        (min, max): (i64, i64),
        why: &str,
    ) -> Result<i64, ConfigError> {
        let Some(v) = value else { return Ok(default) };
        let n = *v.get_ref();
        if (min..=max).contains(&n) {
            return Ok(n);
        }
        self.invalid(v.span(), field, format!("must be between {min} and {max}{why}, got {n}"))
    }

    /// Expands `~` (with `HOME`) and makes relative paths relative to the config file's folder.
    pub fn path(&self, p: &Path) -> PathBuf {
        let base = self.file.parent().unwrap_or(Path::new("."));
        expand_path(p, (self.env)("HOME").as_deref(), base)
    }

    /// Reads the first line of a secret file.
    pub(super) fn secret_file(
        &self,
        p: &Spanned<PathBuf>,
        field: &str,
    ) -> Result<String, ConfigError> {
        let path = self.path(p.get_ref());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                let msg = format!(
                    "cannot read {}: {}",
                    path.display(),
                    super::error::lower_first(&e.to_string())
                );
                return self.invalid(p.span(), field, msg);
            }
        };
        let line = text.lines().next().unwrap_or("").trim().to_owned();
        if line.is_empty() {
            return self.invalid(
                p.span(),
                field,
                format!("secret file {} is empty", path.display()),
            );
        }
        Ok(line)
    }

    /// Resolves and validates the whole file.
    pub fn resolve(&self, cfg: &FileConfig) -> Result<Resolved, ConfigError> {
        let listen = match &cfg.listen {
            None => file::DEFAULT_LISTEN.parse().expect("default listen address parses"),
            Some(l) => match l.get_ref().parse::<SocketAddr>() {
                Ok(a) => a,
                Err(_) => {
                    let msg = format!(
                        "invalid socket address \"{}\" (expected e.g. 127.0.0.1:9101)",
                        l.get_ref()
                    );
                    return self.invalid(l.span(), "listen", msg);
                }
            },
        };
        let database_url = match (&cfg.database_url, &cfg.database_url_file) {
            (Some(_), Some(f)) => {
                return self.invalid(
                    f.span(),
                    "database_url_file",
                    "set either database_url or database_url_file, not both".to_owned(),
                );
            }
            (Some(u), None) if u.get_ref().trim().is_empty() => {
                return self.invalid(u.span(), "database_url", "must not be empty".to_owned());
            }
            (Some(u), None) => Some(Secret::new(u.get_ref().trim())),
            (None, Some(f)) => Some(Secret::new(self.secret_file(f, "database_url_file")?)),
            (None, None) => None,
        };
        let fleet = self.fleet(cfg)?;
        let retention = self.retention(&cfg.retention)?;
        let dp = &cfg.defaults.probes;
        for (name, probe) in dp.entries() {
            let field = format!("defaults.probes.{name}.interval");
            self.duration(&probe.interval, &field, Duration::ZERO, bounds::PROBE_INTERVAL)?;
        }
        if let Some(p) = cfg.defaults.port.as_ref().filter(|p| *p.get_ref() == 0) {
            return self.invalid(
                p.span(),
                "defaults.port",
                "port must be between 1 and 65535".to_owned(),
            );
        }
        let mut devices = Vec::with_capacity(cfg.devices.len());
        let mut files = Vec::new();
        // Keyed by the lowercased name: `Tower` and `tower` would be one device to a human.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, dev) in cfg.devices.iter().enumerate() {
            let name = dev.name.get_ref();
            let field = format!("devices[{i}].name");
            if !file::is_valid_device_name(name) {
                let msg = format!(
                    "invalid device name \"{name}\" (allowed: letter or digit, then up to 62 of letters, digits, '_', '.', '-')"
                );
                return self.invalid(dev.name.span(), &field, msg);
            }
            if let Some(first) = seen.insert(name.to_ascii_lowercase(), i) {
                let first = &cfg.devices[first].name;
                let (line, _) = super::error::line_col(self.text, first.span().start);
                let msg = if first.get_ref() == name {
                    format!("duplicate device name \"{name}\" (first defined at line {line})")
                } else {
                    format!(
                        "duplicate device name \"{name}\": \"{}\" is defined at line {line} (names are compared ignoring case)",
                        first.get_ref()
                    )
                };
                return self.invalid(dev.name.span(), &field, msg);
            }
            let spec = self.device(cfg, dev, i)?;
            files.extend(super::files::file_refs((self.file, self.text), cfg, dev, i, &spec));
            devices.push(spec);
        }
        let data_dir = match &cfg.data_dir {
            Some(d) => self.path(d.get_ref()),
            None => PathBuf::from(file::DEFAULT_DATA_DIR),
        };
        let api = self.api(&cfg.api)?;
        let alerts = self.alerts(&cfg.alerts)?;
        let mut fleet = fleet;
        fleet.log_patterns = alerts.log_patterns.clone();
        Ok(Resolved {
            listen,
            database_url,
            data_dir,
            fleet,
            retention,
            devices,
            files,
            api,
            alerts,
        })
    }
}

/// Expands a leading `~` with `home` and joins relative paths onto `base`.
pub fn expand_path(p: &Path, home: Option<&str>, base: &Path) -> PathBuf {
    let expanded = match (p.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => Path::new(home).join(rest),
        _ => p.to_path_buf(),
    };
    if expanded.is_relative() && !p.starts_with("~") { base.join(expanded) } else { expanded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_paths() {
        let base = Path::new("/etc/infra");
        assert_eq!(
            expand_path(Path::new("~/.ssh/id"), Some("/home/u"), base),
            PathBuf::from("/home/u/.ssh/id")
        );
        assert_eq!(expand_path(Path::new("~"), Some("/home/u"), base), PathBuf::from("/home/u"));
        assert_eq!(
            expand_path(Path::new("keys/id"), Some("/home/u"), base),
            PathBuf::from("/etc/infra/keys/id")
        );
        assert_eq!(
            expand_path(Path::new("/abs/id"), Some("/home/u"), base),
            PathBuf::from("/abs/id")
        );
        assert_eq!(
            expand_path(Path::new("~other/x"), Some("/home/u"), base),
            PathBuf::from("/etc/infra/~other/x")
        );
    }
}
