//! What the VMs probe reports: libvirt domains.

use serde::{Deserialize, Serialize};

/// One libvirt domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
