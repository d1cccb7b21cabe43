//! What the containers probe knows about one container.

use serde::{Deserialize, Serialize};

/// One container as seen by `docker ps -a` and `docker stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Container {
    /// Full container id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// Engine state: `created`, `running`, `paused`, `restarting`, `exited`, `dead`.
    pub state: String,
}
