//! Turns the parsed file into the actors' types: applies defaults, expands paths, validates.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use infrastructor_actors::device::{DeviceSpec, FleetSettings, RestartPolicy};
use toml::Spanned;

use super::duration::parse_duration;
use super::error::{ConfigError, Location};
use super::file::{self, FileConfig};
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
    /// Fleet settings.
    pub fleet: FleetSettings,
    /// Devices in file order.
    pub devices: Vec<DeviceSpec>,
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

    /// A duration field: human string, more than zero.
    pub(super) fn duration(
        &self,
        value: &Option<Spanned<String>>,
        field: &str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        let Some(v) = value else { return Ok(default) };
        match parse_duration(v.get_ref()) {
            Ok(d) if d.is_zero() => {
                self.invalid(v.span(), field, "must be more than zero".to_owned())
            }
            Ok(d) => Ok(d),
            Err(msg) => self.invalid(v.span(), field, msg),
        }
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
        let dp = &cfg.defaults.probes;
        for (name, probe) in dp.entries() {
            self.duration(
                &probe.interval,
                &format!("defaults.probes.{name}.interval"),
                Duration::ZERO,
            )?;
        }
        if let Some(p) = cfg.defaults.port.as_ref().filter(|p| *p.get_ref() == 0) {
            return self.invalid(
                p.span(),
                "defaults.port",
                "port must be between 1 and 65535".to_owned(),
            );
        }
        let mut devices = Vec::with_capacity(cfg.devices.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, dev) in cfg.devices.iter().enumerate() {
            let name = dev.name.get_ref();
            let field = format!("devices[{i}].name");
            if !file::is_valid_device_name(name) {
                let msg = format!(
                    "invalid device name \"{name}\" (allowed: letter or digit, then up to 62 of letters, digits, '_', '.', '-')"
                );
                return self.invalid(dev.name.span(), &field, msg);
            }
            if let Some(first) = seen.insert(name, i) {
                let (line, _) =
                    super::error::line_col(self.text, cfg.devices[first].name.span().start);
                return self.invalid(
                    dev.name.span(),
                    &field,
                    format!("duplicate device name \"{name}\" (first defined at line {line})"),
                );
            }
            devices.push(self.device(cfg, dev, i)?);
        }
        Ok(Resolved { listen, database_url, fleet, devices })
    }

    fn fleet(&self, cfg: &FileConfig) -> Result<FleetSettings, ConfigError> {
        let d = FleetSettings::default();
        let f = &cfg.fleet;
        let max_channels = match &f.max_channels {
            None => d.max_channels,
            Some(m) if (1..=10).contains(m.get_ref()) => *m.get_ref() as usize,
            Some(m) => {
                let msg = format!(
                    "must be between 1 and 10 (OpenSSH's MaxSessions is 10), got {}",
                    m.get_ref()
                );
                return self.invalid(m.span(), "fleet.max_channels", msg);
            }
        };
        let offline_after = match &f.offline_after {
            None => d.offline_after,
            Some(o) if *o.get_ref() == 0 => {
                return self.invalid(
                    o.span(),
                    "fleet.offline_after",
                    "must be at least 1".to_owned(),
                );
            }
            Some(o) => *o.get_ref(),
        };
        let r = &f.restart;
        let rd = d.restart;
        let restart = RestartPolicy {
            max_restarts: r.max_restarts.as_ref().map_or(rd.max_restarts, |m| *m.get_ref()),
            window: self.duration(&r.window, "fleet.restart.window", rd.window)?,
            backoff_min: self.duration(
                &r.backoff_min,
                "fleet.restart.backoff_min",
                rd.backoff_min,
            )?,
            backoff_max: self.duration(
                &r.backoff_max,
                "fleet.restart.backoff_max",
                rd.backoff_max,
            )?,
        };
        let fleet = FleetSettings {
            offline_after,
            max_channels,
            connect_timeout: self.duration(
                &f.connect_timeout,
                "fleet.connect_timeout",
                d.connect_timeout,
            )?,
            command_timeout: self.duration(
                &f.command_timeout,
                "fleet.command_timeout",
                d.command_timeout,
            )?,
            keepalive: self.duration(&f.keepalive, "fleet.keepalive", d.keepalive)?,
            reconnect_min: self.duration(
                &f.reconnect_min,
                "fleet.reconnect_min",
                d.reconnect_min,
            )?,
            reconnect_max: self.duration(
                &f.reconnect_max,
                "fleet.reconnect_max",
                d.reconnect_max,
            )?,
            restart,
        };
        if fleet.reconnect_min > fleet.reconnect_max {
            let span =
                f.reconnect_min.as_ref().or(f.reconnect_max.as_ref()).map_or(0..0, |s| s.span());
            return self.invalid(
                span,
                "fleet.reconnect_min",
                "must not be longer than fleet.reconnect_max".to_owned(),
            );
        }
        if restart.backoff_min > restart.backoff_max {
            let span = r.backoff_min.as_ref().or(r.backoff_max.as_ref()).map_or(0..0, |s| s.span());
            return self.invalid(
                span,
                "fleet.restart.backoff_min",
                "must not be longer than fleet.restart.backoff_max".to_owned(),
            );
        }
        Ok(fleet)
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
