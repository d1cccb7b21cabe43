//! What the drives probe knows about one drive.

use serde::{Deserialize, Serialize};

/// One drive's identity and SMART health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drive {
    /// Device path, e.g. `/dev/sda`.
    pub device: String,
}
