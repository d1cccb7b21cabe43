//! Which tools a device has: the payload of `CapabilitiesDetected`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which tools a device has, detected once per connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Capabilities {
    /// Tool name (`docker`, `smartctl`, `zpool`, `virsh`, `systemctl`, `sensors`, `sudo`) to
    /// whether it was found on the device's `PATH`.
    pub tools: BTreeMap<String, bool>,
    /// `uname -sr` of the device, e.g. `Linux 6.1.0-18-amd64`.
    pub kernel: String,
}

impl Capabilities {
    /// Whether `tool` was found on the device.
    pub fn has(&self, tool: &str) -> bool {
        self.tools.get(tool).copied().unwrap_or(false)
    }
}
