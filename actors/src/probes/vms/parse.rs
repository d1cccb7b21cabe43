//! Parsers for `virsh list --all --name` and the batched `virsh dominfo` sections.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::probes::sane::{clean_name, shown};
use crate::probes::{Warning, sections};

/// One libvirt domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vm {
    /// Domain name.
    pub name: String,
    /// Domain id while running (`Id:`), `None` for `-`.
    pub id: Option<u32>,
    /// Domain UUID.
    pub uuid: Option<String>,
    /// `running`, `paused`, `shut off`, `crashed`, `idle`, `in shutdown`, `pmsuspended`, ...
    pub state: String,
    /// Virtual CPUs (`CPU(s):`).
    pub vcpus: Option<u32>,
    /// Maximum memory, KiB.
    pub max_memory_kib: Option<u64>,
    /// Current memory (balloon), KiB.
    pub used_memory_kib: Option<u64>,
    /// Whether the domain is persistent (defined) rather than transient.
    pub persistent: Option<bool>,
    /// Whether libvirt starts it at boot.
    pub autostart: Option<bool>,
    /// Why this poll could not read the domain (its `dominfo` failed or was unreadable); the
    /// other fields are then those of its last good read, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `virsh list --all --name`: one name per line, blank lines skipped.
/// Names with control bytes or over 256 bytes are left out with a warning.
pub fn parse_names(output: &str, _observed_at: DateTime<Utc>) -> (Vec<String>, Vec<Warning>) {
    let mut names = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in output.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match clean_name(line) {
            Ok(name) => names.push(name),
            Err(why) => warnings.push(Warning::at(i + 1, format!("vm `{}`: {why}", shown(line)))),
        }
    }
    (names, warnings)
}

/// The batched `dominfo` output, whose markers carry `nonce`: one `vm` section per domain.
/// Each section gives either a VM or one warning.
pub fn parse_dominfo(
    output: &str,
    nonce: &str,
    _observed_at: DateTime<Utc>,
) -> (Vec<Vm>, Vec<Warning>) {
    let (_, sections) = sections::split(output, nonce);
    let mut vms = Vec::new();
    let mut warnings = Vec::new();
    for s in sections {
        let mut vm = Vm::default();
        for line in &s.lines {
            let Some((key, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            match key.trim() {
                "Id" => vm.id = value.parse().ok(),
                "Name" => match clean_name(value) {
                    Ok(name) => vm.name = name,
                    Err(why) => {
                        let message = format!("vm `{}`: {why}", shown(value));
                        warnings.push(Warning::at(s.first_line, message));
                    }
                },
                "UUID" => vm.uuid = clean_name(value).ok(),
                "State" => vm.state = clean_name(value).unwrap_or_default(),
                "CPU(s)" => vm.vcpus = value.parse().ok(),
                "Max memory" => vm.max_memory_kib = kib(value),
                "Used memory" => vm.used_memory_kib = kib(value),
                "Persistent" => vm.persistent = yes_no(value),
                "Autostart" => vm.autostart = yes_no(value),
                _ => {}
            }
        }
        if vm.name.is_empty() || vm.state.is_empty() {
            let what = s.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
            let message = format!("dominfo without name/state: {}", shown(what));
            warnings.push(Warning::at(s.first_line, message));
            continue;
        }
        vms.push(vm);
    }
    (vms, warnings)
}

/// `8388608 KiB` → 8388608 (other units are converted).
fn kib(value: &str) -> Option<u64> {
    let mut f = value.split_whitespace();
    let n: u64 = f.next()?.parse().ok()?;
    match f.next() {
        None | Some("KiB") => Some(n),
        Some("MiB") => n.checked_mul(1024),
        Some("GiB") => n.checked_mul(1024 * 1024),
        Some("B" | "bytes") => Some(n / 1024),
        Some(_) => None,
    }
}

fn yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" | "enable" => Some(true),
        "no" | "disable" => Some(false),
        _ => None,
    }
}
