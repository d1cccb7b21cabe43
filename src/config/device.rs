//! Resolution of one `[[devices]]` entry: defaults, auth, probes, paths.

use infrastructor_actors::device::{Auth, DeviceSpec, ProbeSettings, Probes, TransportKind};

use super::bounds;
use super::error::ConfigError;
use super::file::{self, AuthKind, FileConfig, FileDevice, FileProbe, Transport};
use super::resolve::Resolver;

impl Resolver<'_> {
    /// One probe: the device's value, else `[defaults.probes]`, else the built-in.
    pub(super) fn probe(
        &self,
        dev: &FileProbe,
        def: &FileProbe,
        field: &str,
        builtin: ProbeSettings,
    ) -> Result<ProbeSettings, ConfigError> {
        let enabled = dev.enabled.or(def.enabled).unwrap_or(builtin.enabled);
        let bounds = bounds::PROBE_INTERVAL;
        let interval = if dev.interval.is_some() {
            self.duration(&dev.interval, &format!("{field}.interval"), builtin.interval, bounds)?
        } else {
            let default_field = field
                .rsplit_once("probes")
                .map_or(field.to_owned(), |(_, p)| format!("defaults.probes{p}"));
            let field = format!("{default_field}.interval");
            self.duration(&def.interval, &field, builtin.interval, bounds)?
        };
        Ok(ProbeSettings { enabled, interval })
    }

    /// One device, `i`-th in the file; the name is already validated.
    pub(super) fn device(
        &self,
        cfg: &FileConfig,
        dev: &FileDevice,
        i: usize,
    ) -> Result<DeviceSpec, ConfigError> {
        let defs = &cfg.defaults;
        let at = |f: &str| format!("devices[{i}].{f}");
        let transport = match dev.transport.unwrap_or(Transport::Ssh) {
            Transport::Ssh => TransportKind::Ssh,
            Transport::Local => TransportKind::Local,
        };
        let host = match (&dev.host, transport) {
            (Some(h), _) if h.get_ref().trim().is_empty() => {
                return self.invalid(h.span(), &at("host"), "must not be empty".to_owned());
            }
            (Some(h), _) => h.get_ref().trim().to_owned(),
            (None, TransportKind::Local) => "localhost".to_owned(),
            (None, TransportKind::Ssh) => {
                let msg = format!(
                    "missing host for device \"{}\" (required when transport = \"ssh\")",
                    dev.name.get_ref()
                );
                return self.invalid(dev.name.span(), &at("host"), msg);
            }
        };
        let port = match dev.port.as_ref().or(defs.port.as_ref()) {
            Some(p) if *p.get_ref() == 0 => {
                let field =
                    if dev.port.is_some() { at("port") } else { "defaults.port".to_owned() };
                return self.invalid(
                    p.span(),
                    &field,
                    "port must be between 1 and 65535".to_owned(),
                );
            }
            Some(p) => *p.get_ref(),
            None => 22,
        };
        let user = match dev.user.as_ref().or(defs.user.as_ref()) {
            Some(u) if u.get_ref().trim().is_empty() => {
                let field =
                    if dev.user.is_some() { at("user") } else { "defaults.user".to_owned() };
                return self.invalid(u.span(), &field, "must not be empty".to_owned());
            }
            Some(u) => u.get_ref().trim().to_owned(),
            None => (self.env)("USER")
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| "root".to_owned()),
        };
        let identity = dev.identity_file.as_ref().or(defs.identity_file.as_ref());
        let kind = dev
            .auth
            .as_ref()
            .map(|a| *a.get_ref())
            .or(defs.auth)
            .unwrap_or(if identity.is_some() { AuthKind::Key } else { AuthKind::Agent });
        let passphrase = match (&dev.passphrase, &dev.passphrase_file) {
            (Some(_), Some(f)) => {
                return self.invalid(
                    f.span(),
                    &at("passphrase_file"),
                    "set either passphrase or passphrase_file, not both".to_owned(),
                );
            }
            (Some(p), None) => Some((p.span(), p.get_ref().clone())),
            (None, Some(f)) => Some((f.span(), self.secret_file(f, &at("passphrase_file"))?)),
            (None, None) => None,
        };
        let auth = match kind {
            AuthKind::Key => match identity {
                Some(path) => Auth::KeyFile {
                    path: self.path(path.get_ref()),
                    passphrase: passphrase.map(|(_, p)| p),
                },
                None if transport == TransportKind::Local => Auth::Agent,
                None => {
                    let span = dev.auth.as_ref().map_or(dev.name.span(), |a| a.span());
                    return self.invalid(
                        span,
                        &at("identity_file"),
                        "auth = \"key\" needs identity_file (here or in [defaults])".to_owned(),
                    );
                }
            },
            AuthKind::Agent => {
                if let Some((span, _)) = passphrase {
                    return self.invalid(
                        span,
                        &at("passphrase"),
                        "only used with auth = \"key\"".to_owned(),
                    );
                }
                Auth::Agent
            }
        };
        let known_hosts = dev
            .known_hosts
            .as_ref()
            .or(defs.known_hosts.as_ref())
            .map_or_else(|| file::DEFAULT_KNOWN_HOSTS.into(), |k| k.get_ref().clone());
        let builtin = Probes::default();
        let (dp, fp) = (&defs.probes, &dev.probes);
        let mut probes = builtin;
        let fps = fp.entries();
        for (i, (name, d)) in dp.entries().into_iter().enumerate() {
            let builtin_setting = builtin.get(name).unwrap_or(ProbeSettings::every(300));
            let resolved =
                self.probe(fps[i].1, d, &at(&format!("probes.{name}")), builtin_setting)?;
            set_probe(&mut probes, name, resolved);
        }
        Ok(DeviceSpec {
            name: dev.name.get_ref().clone(),
            transport,
            host,
            port,
            user,
            auth,
            sudo: dev.sudo.or(defs.sudo).unwrap_or(false),
            tags: dev.tags.clone(),
            known_hosts: self.path(&known_hosts),
            probes,
            backups: self.backups(cfg, dev, i)?,
        })
    }
}

/// Sets the probe called `name` in `probes`.
fn set_probe(probes: &mut Probes, name: &str, settings: ProbeSettings) {
    let slot = match name {
        "containers" => &mut probes.containers,
        "metrics" => &mut probes.metrics,
        "drives" => &mut probes.drives,
        "zfs" => &mut probes.zfs,
        "arrays" => &mut probes.arrays,
        "vms" => &mut probes.vms,
        "services" => &mut probes.services,
        "updates" => &mut probes.updates,
        "images" => &mut probes.images,
        "logs" => &mut probes.logs,
        "backups" => &mut probes.backups,
        _ => return,
    };
    *slot = settings;
}
