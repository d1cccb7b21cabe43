//! Files the SSH devices need (identity files, known_hosts): where each came from in the config
//! file, and the check that they exist and are readable before `serve` or `check` start.
//!
//! Resolution only records them, so `parse_str` stays usable on text naming paths of another
//! machine; [`super::load`] (what `serve`, `check` and `config validate` use) checks them.

use std::path::{Path, PathBuf};

use infrastructor_actors::device::{Auth, DeviceSpec, TransportKind};

use super::error::{ConfigError, Location, lower_first};
use super::file::{FileConfig, FileDevice};

/// One file a device needs, and where the config named it.
#[derive(Debug, Clone)]
pub struct FileRef {
    /// The device that needs it.
    pub device: String,
    /// Dotted field the path came from, e.g. `devices[0].identity_file`, `defaults.known_hosts`.
    pub field: String,
    /// What the file is, for the message: `identity file` or `known_hosts file`.
    pub what: &'static str,
    /// The resolved path.
    pub path: PathBuf,
    /// Where the field is; the device's `name` when the path is a built-in default.
    pub location: Location,
    /// Whether the path is the built-in default (`~/.ssh/known_hosts`), set nowhere in the file.
    pub default: bool,
    /// `-p PORT HOST` for the `ssh-keyscan` hint of a missing known_hosts file.
    pub keyscan: Option<String>,
}

impl FileRef {
    /// `Ok` if the file exists, is not a directory and can be opened for reading.
    pub fn check(&self) -> Result<(), ConfigError> {
        let problem = match std::fs::metadata(&self.path) {
            Ok(m) if m.is_dir() => Some("is a directory".to_owned()),
            Ok(_) => std::fs::File::open(&self.path).err().map(|e| lower_first(&e.to_string())),
            Err(e) => Some(lower_first(&e.to_string())),
        };
        let Some(reason) = problem else { return Ok(()) };
        let default =
            if self.default { " (the default; host keys are always verified)" } else { "" };
        let mut message = format!(
            "device \"{}\": cannot read {} {}{default}: {reason}",
            self.device,
            self.what,
            self.path.display()
        );
        if let Some(target) = self.keyscan.as_ref().filter(|_| !self.path.exists()) {
            message.push_str(&format!(
                "; create it with `ssh-keyscan {target} >> {}` after checking the fingerprint",
                self.path.display()
            ));
            if self.default {
                message.push_str(", or set known_hosts");
            }
        }
        Err(ConfigError::Invalid {
            location: self.location.clone(),
            field: self.field.clone(),
            message,
        })
    }
}

/// The files device `i` of `cfg` (read from `file`, whose text is `text`; already resolved
/// into `spec`) needs; none for a local device.
pub(super) fn file_refs(
    (file, text): (&Path, &str),
    cfg: &FileConfig,
    dev: &FileDevice,
    i: usize,
    spec: &DeviceSpec,
) -> Vec<FileRef> {
    if spec.transport == TransportKind::Local {
        return Vec::new();
    }
    let at = |span| Location::at(file, text, Some(span));
    let named = |local: bool, f: &str| {
        if local { format!("devices[{i}].{f}") } else { format!("defaults.{f}") }
    };
    let mut refs = Vec::new();
    if let Auth::KeyFile { path, .. } = &spec.auth {
        let (local, span) = match (&dev.identity_file, &cfg.defaults.identity_file) {
            (Some(p), _) => (true, p.span()),
            (None, Some(p)) => (false, p.span()),
            (None, None) => (true, dev.name.span()),
        };
        refs.push(FileRef {
            device: spec.name.clone(),
            field: named(local, "identity_file"),
            what: "identity file",
            path: path.clone(),
            location: at(span),
            default: false,
            keyscan: None,
        });
    }
    let (local, span, default) = match (&dev.known_hosts, &cfg.defaults.known_hosts) {
        (Some(p), _) => (true, p.span(), false),
        (None, Some(p)) => (false, p.span(), false),
        (None, None) => (true, dev.name.span(), true),
    };
    refs.push(FileRef {
        device: spec.name.clone(),
        field: named(local, "known_hosts"),
        what: "known_hosts file",
        path: spec.known_hosts.clone(),
        location: at(span),
        default,
        keyscan: Some(format!("-p {} {}", spec.port, spec.host)),
    });
    refs
}
