//! Configuration: the TOML file, environment overrides, built-in defaults and `~/.ssh/config` import.
//!
//! Precedence of the file: explicit path > `INFRASTRUCTOR_CONFIG` > `./infrastructor.toml` >
//! built-in defaults (the local machine as the only device). Environment variables override
//! `listen` and the database URL. Secrets never appear in `Debug`, errors or output.

mod alert_rules;
pub mod alerts;
mod alerts_resolve;
pub mod api;
mod api_resolve;
mod backups;
pub mod bounds;
mod device;
mod duration;
pub mod env;
mod error;
mod file;
mod files;
mod fleet;
mod log_patterns;
pub mod notify;
mod resolve;
pub mod ssh_import;
pub mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use infrastructor_actors::device::{Auth, DeviceSpec, FleetSettings, Probes, TransportKind};

pub use alerts::{AlertSettings, NotifySettings};
pub use api::{ApiSettings, ApiToken, Scope, WsSettings};
pub use duration::{format_duration, parse_duration};
pub use error::{ConfigError, Location};
pub use file::{is_valid_device_name, sanitize_device_name};
pub use resolve::expand_path;

/// An environment lookup: `HOME`, `USER` and the `INFRASTRUCTOR_*` variables are read through it.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Name of the config file looked for in the working directory.
pub const DEFAULT_FILE: &str = "infrastructor.toml";

/// A secret string (database URL, passphrase) whose `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The real value, for the one place that needs it (e.g. connecting to the database).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The server's whole configuration, validated.
#[derive(Clone)]
pub struct Config {
    /// Socket address of the HTTP/MCP server.
    pub listen: SocketAddr,
    /// PostgreSQL connection string, if a database is configured.
    pub database_url: Option<Secret>,
    /// Folder of the embedded database (`infrastructor.db`) and the writer's spool.
    pub data_dir: PathBuf,
    /// Fleet-wide polling, connection and restart settings.
    pub fleet: FleetSettings,
    /// How long stored history is kept.
    pub retention: infrastructor_actors::store::Retention,
    /// Devices to monitor, in file order, names unique.
    pub devices: Vec<DeviceSpec>,
    /// Tokens, accepted hosts and origins, actions.
    pub api: ApiSettings,
    /// Alert rules and notifiers.
    pub alerts: AlertSettings,
    /// The file this came from; `None` for built-in defaults.
    pub source: Option<PathBuf>,
    /// Non-fatal problems for the operator (e.g. a readable file holding secrets).
    pub warnings: Vec<String>,
    /// Identity and known_hosts files of the SSH devices, with where the file named them.
    files: Vec<files::FileRef>,
}

impl Config {
    /// Checks that every identity file and known_hosts file an SSH device needs exists and is
    /// readable; the error names the device, the field (with file:line), the path and the OS
    /// reason. [`load`] calls it; [`parse_str`] does not, so text can be checked on any machine.
    pub fn check_files(&self) -> Result<(), ConfigError> {
        self.files.iter().try_for_each(files::FileRef::check)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let devices: Vec<DeviceSpec> = self
            .devices
            .iter()
            .cloned()
            .map(|mut d| {
                if let Auth::KeyFile { passphrase: Some(p), .. } = &mut d.auth {
                    *p = "***".to_owned();
                }
                d
            })
            .collect();
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url)
            .field("data_dir", &self.data_dir)
            .field("retention", &self.retention)
            .field("fleet", &self.fleet)
            .field("devices", &devices)
            .field("api", &self.api)
            .field("alerts", &self.alerts)
            .field("source", &self.source)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Loads the configuration: picks the file (see the module docs), parses it, applies the
/// environment overrides, checks that the devices' key and known_hosts files are readable
/// ([`Config::check_files`]), and warns about the permissions of files holding secrets.
pub fn load(explicit_path: Option<&Path>, env: Env<'_>) -> Result<Config, ConfigError> {
    let path = match explicit_path {
        Some(p) => Some(p.to_path_buf()),
        None => match env::config_path(env)? {
            Some(p) if !p.exists() => {
                let message = format!("config file {} does not exist", p.display());
                return Err(ConfigError::Env { var: env::CONFIG, message });
            }
            Some(p) => Some(p),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.is_file()),
        },
    };
    let Some(path) = path else { return builtin(env) };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        file: path.clone(),
        what: "config file",
        source,
    })?;
    let mut config = parse_str(&text, &path, env)?;
    config.check_files()?;
    config.warnings.extend(permission_warnings(&path, &text, env));
    Ok(config)
}

/// Parses config text as if read from `origin` (used in messages and for relative paths),
/// applying the environment overrides. Does not look at file permissions.
pub fn parse_str(text: &str, origin: &Path, env: Env<'_>) -> Result<Config, ConfigError> {
    let raw: file::FileConfig =
        toml::from_str(text).map_err(|e| ConfigError::from_toml(origin, text, &e))?;
    let resolved = resolve::Resolver { file: origin, text, env }.resolve(&raw)?;
    let mut warnings = Vec::new();
    if resolved.devices.is_empty() {
        warnings.push(format!("{}: no devices configured", origin.display()));
    }
    Ok(Config {
        listen: env::listen(env)?.unwrap_or(resolved.listen),
        database_url: env::database_url(env)?.or(resolved.database_url),
        data_dir: env::data_dir(env).unwrap_or(resolved.data_dir),
        fleet: resolved.fleet,
        retention: resolved.retention,
        devices: resolved.devices,
        api: env::api_token(env, resolved.api)?,
        alerts: resolved.alerts,
        source: Some(origin.to_path_buf()),
        warnings,
        files: resolved.files,
    })
}

/// Built-in defaults: the local machine as the only device, default listen, no database.
fn builtin(env: Env<'_>) -> Result<Config, ConfigError> {
    let home = env("HOME");
    let known_hosts =
        resolve::expand_path(Path::new(file::DEFAULT_KNOWN_HOSTS), home.as_deref(), Path::new("."));
    let device = DeviceSpec {
        name: local_device_name(),
        transport: TransportKind::Local,
        host: "localhost".to_owned(),
        port: 22,
        user: env("USER").unwrap_or_else(|| "root".to_owned()),
        auth: Auth::Agent,
        sudo: false,
        tags: Vec::new(),
        known_hosts,
        probes: Probes::default(),
        backups: Vec::new(),
    };
    Ok(Config {
        listen: env::listen(env)?.unwrap_or_else(|| {
            file::DEFAULT_LISTEN.parse().expect("default listen address parses")
        }),
        database_url: env::database_url(env)?,
        data_dir: env::data_dir(env).unwrap_or_else(|| PathBuf::from(file::DEFAULT_DATA_DIR)),
        fleet: FleetSettings::default(),
        retention: Default::default(),
        devices: vec![device],
        api: env::api_token(env, ApiSettings::default())?,
        alerts: AlertSettings::default(),
        source: None,
        warnings: Vec::new(),
        files: Vec::new(),
    })
}

/// This machine's hostname (`/etc/hostname`, else `hostname`), sanitized into a device name.
pub fn local_device_name() -> String {
    let from_file = std::fs::read_to_string("/etc/hostname").ok();
    let raw = from_file.filter(|s| !s.trim().is_empty()).or_else(|| {
        let out = std::process::Command::new("hostname").output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    });
    raw.and_then(|r| sanitize_device_name(&r)).unwrap_or_else(|| "localhost".to_owned())
}

/// Warnings for a group/world-readable config file that holds a secret, and for such secret files.
fn permission_warnings(path: &Path, text: &str, env: Env<'_>) -> Vec<String> {
    let Ok(raw) = toml::from_str::<file::FileConfig>(text) else { return Vec::new() };
    let mut warnings = Vec::new();
    let inline = raw.database_url.is_some() || raw.devices.iter().any(|d| d.passphrase.is_some());
    if inline && is_shared(path) {
        warnings.push(format!(
            "{}: file holds a secret (passphrase or database_url) but is readable by group or others; run chmod 600",
            path.display()
        ));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let files = raw
        .database_url_file
        .iter()
        .chain(raw.devices.iter().filter_map(|d| d.passphrase_file.as_ref()));
    for f in files {
        let p = resolve::expand_path(f.get_ref(), env("HOME").as_deref(), base);
        if is_shared(&p) {
            warnings.push(format!(
                "{}: secret file is readable by group or others; run chmod 600",
                p.display()
            ));
        }
    }
    warnings
}

/// Whether a file is readable by its group or by others.
fn is_shared(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_hidden() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn debug_hides_passphrases() {
        let env = env::from_pairs(&[("HOME", "/h")]);
        let text = "database_url = \"postgres://u:dbpw@h/db\"\n[[devices]]\nname = \"a\"\nhost = \"h\"\nidentity_file = \"/k\"\npassphrase = \"keypw\"\n";
        let cfg = parse_str(text, Path::new("t.toml"), &env).unwrap();
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("keypw") && !dbg.contains("dbpw"), "{dbg}");
        assert!(
            matches!(&cfg.devices[0].auth, Auth::KeyFile { passphrase: Some(p), .. } if p == "keypw")
        );
    }

    #[test]
    fn local_name_is_valid() {
        assert!(is_valid_device_name(&local_device_name()));
    }
}
