//! The short references to a container or a drive that change events carry.

use serde::{Deserialize, Serialize};

/// A container named in a change event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContainerRef {
    /// Full container id.
    pub id: String,
    /// Container name without the leading `/`.
    pub name: String,
    /// Image reference as the engine reports it.
    pub image: String,
}

/// A drive named in a change event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DriveRef {
    /// Device path, e.g. `/dev/sda`.
    pub device: String,
    /// Model name, when known.
    pub model: Option<String>,
    /// Serial number, when known (drives are tracked by serial, else by device path).
    pub serial: Option<String>,
}
