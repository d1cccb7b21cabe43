//! Device tools: the fleet list, one device's info, a connectivity check, and the registry
//! (add, edit, remove, import from `~/.ssh/config`; admin).

use std::path::Path;

use infrastructor_actors::api::ApiError;
use infrastructor_actors::device::{CheckReport, DeviceSpec};
use infrastructor_actors::query::{DeviceInfo, DeviceList, DeviceStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::registry::{ToolDef, read};

/// No arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct NoArgs {}

/// One device.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeviceArg {
    /// Device name (see `list_devices`).
    pub device: String,
}

/// A device to add or replace. Validated exactly like a `[[devices]]` entry of the config
/// file.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct DeviceArgs {
    /// Unique name: a letter or digit, then up to 62 letters, digits, `_`, `.` or `-`.
    pub name: String,
    /// Host name or address.
    pub host: String,
    /// SSH port (default 22).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Login user (default: the server's user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `key` or `agent` (default: `key` with an identity file, else `agent`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// Private key file on the server (a key without passphrase; `~` expanded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_file: Option<String>,
    /// known_hosts file on the server (default `~/.ssh/known_hosts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<String>,
    /// Run privileged tools through `sudo -n`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sudo: Option<bool>,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The result of a registry change.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Changed {
    /// The device.
    pub device: String,
    /// `added`, `updated` or `removed`.
    pub action: String,
}

/// `~/.ssh/config` import.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ImportArgs {
    /// The OpenSSH client config to read (default `~/.ssh/config` of the server's user).
    pub path: Option<String>,
    /// Only these aliases (default: every concrete `Host`).
    #[serde(default)]
    pub only: Vec<String>,
    /// `true` to add them; `false` (default) only lists what would be added.
    #[serde(default)]
    pub apply: bool,
    /// known_hosts file that verifies their host keys (default `~/.ssh/known_hosts`).
    pub known_hosts: Option<String>,
}

/// What an import found and did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Imported {
    /// Devices added (or that would be, without `apply`).
    pub added: Vec<String>,
    /// Aliases skipped, with why (name taken, invalid).
    pub skipped: Vec<String>,
    /// Whether anything was changed.
    pub applied: bool,
}

/// `args` as a spec, validated by the config file's rules.
pub fn spec(args: &DeviceArgs) -> Result<DeviceSpec, ApiError> {
    let table = toml::to_string(&serde_json::json!({ "devices": [args] }))
        .map_err(|e| ApiError::Invalid(format!("the device cannot be expressed as config: {e}")))?;
    let env = crate::config::env::process_env;
    let invalid = |e: crate::config::ConfigError| match e {
        crate::config::ConfigError::Invalid { field, message, .. } => {
            ApiError::Invalid(format!("{}: {message}", field.trim_start_matches("devices[0].")))
        }
        other => ApiError::Invalid(other.to_string()),
    };
    let cfg = crate::config::parse_str(&table, Path::new("./add_device"), &env).map_err(invalid)?;
    cfg.check_files().map_err(invalid)?;
    cfg.devices.into_iter().next().ok_or_else(|| ApiError::Invalid("no device given".into()))
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read("list_devices", "Every monitored device: status (online/offline/unknown) and since when, tags, where it comes from (config or api), and how many open problems it has.", |ctx, _: NoArgs| async move {
            let list: DeviceList = ctx.handle.list_devices().await?;
            let problems: usize = list.devices.iter().map(|d| d.problems).sum();
            let summary = format!("{} devices: {} online, {} offline; {problems} open problems", list.devices.len(), list.online, list.offline);
            Ok((list, summary))
        }),
        read("get_device_info", "One device in depth: capabilities (which tools it has), kernel, uptime, last seen, and every probe's last poll, failure or skip reason.", |ctx, a: DeviceArg| async move {
            let info: DeviceInfo = ctx.handle.device_info(&a.device).await?;
            let status = match info.summary.status { DeviceStatus::Online => "online", DeviceStatus::Offline => "offline", DeviceStatus::Unknown => "not connected yet" };
            let kernel = info.capabilities.as_ref().map_or("unknown kernel", |c| c.kernel.as_str());
            let summary = format!("{} is {status}; {kernel}; {} probes", a.device, info.probes.len());
            Ok((info, summary))
        }),
        read("check_device", "Connects to a device now (on its own on-demand session): host key verification, authentication, which tools it has, and the round-trip time of one command.", |ctx, a: DeviceArg| async move {
            let r: CheckReport = ctx.handle.check_device(&a.device).await?;
            let summary = format!("{} answers over {} in {:.1} ms", a.device, r.transport, r.rtt_ms);
            Ok((r, summary))
        }),
        read("add_device", "Starts monitoring a new device over SSH and persists it (admin). Validated like a config file entry; the supervisor starts at once.", |ctx, a: DeviceArgs| async move {
            let spec = spec(&a)?;
            ctx.handle.add_device(spec).await?;
            Ok((Changed { device: a.name.clone(), action: "added".into() }, format!("added {} ({})", a.name, a.host)))
        }).admin(false),
        read("edit_device", "Replaces an API-added device's settings (admin); its supervisor restarts with them at once. Devices from the config file are edited in the file.", |ctx, a: DeviceArgs| async move {
            ctx.handle.refuse_config_device(&a.name, "edited")?;
            let spec = spec(&a)?;
            ctx.handle.update_device(spec).await?;
            Ok((Changed { device: a.name.clone(), action: "updated".into() }, format!("updated {}", a.name)))
        }).admin(false),
        read("remove_device", "Stops monitoring an API-added device and deletes it from the registry (admin); its history stays.", |ctx, a: DeviceArg| async move {
            ctx.handle.remove_device(&a.device).await?;
            Ok((Changed { device: a.device.clone(), action: "removed".into() }, format!("removed {}", a.device)))
        }).admin(true),
        read("import_devices_from_ssh_config", "Reads an OpenSSH client config and adds one device per concrete Host alias (admin). Without apply: true it only lists what it would add.", |ctx, a: ImportArgs| async move {
            import(ctx, a).await
        }).admin(false),
    ]
}

async fn import(
    ctx: crate::mcp::registry::Ctx,
    a: ImportArgs,
) -> Result<(Imported, String), ApiError> {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let path = a.path.clone().unwrap_or_else(|| format!("{home}/.ssh/config"));
    let path = crate::config::expand_path(Path::new(&path), Some(&home), Path::new("."));
    let found =
        crate::config::ssh_import::discover(&path).map_err(|e| ApiError::Invalid(e.to_string()))?;
    let existing: Vec<String> =
        ctx.handle.devices().await?.into_iter().map(|d| d.spec.name).collect();
    let (mut added, mut skipped) = (Vec::new(), Vec::new());
    for d in found.into_iter().filter(|d| a.only.is_empty() || a.only.contains(&d.alias)) {
        if existing.iter().any(|e| e.eq_ignore_ascii_case(&d.name)) {
            skipped.push(format!("{}: a device named {} exists", d.alias, d.name));
            continue;
        }
        let args = DeviceArgs {
            name: d.name.clone(),
            host: d.host.clone(),
            port: d.port,
            user: d.user.clone(),
            auth: None,
            identity_file: d.identity_file.as_ref().map(|p| p.display().to_string()),
            known_hosts: a.known_hosts.clone(),
            sudo: None,
            tags: vec!["ssh-config".into()],
        };
        let spec = match spec(&args) {
            Ok(s) => s,
            Err(e) => {
                skipped.push(format!("{}: {e}", d.alias));
                continue;
            }
        };
        if a.apply
            && let Err(e) = ctx.handle.add_device(spec).await
        {
            skipped.push(format!("{}: {e}", d.alias));
            continue;
        }
        added.push(d.name);
    }
    let verb = if a.apply { "added" } else { "would add" };
    let summary = format!("{verb} {} devices, skipped {}", added.len(), skipped.len());
    Ok((Imported { added, skipped, applied: a.apply }, summary))
}
