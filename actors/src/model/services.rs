//! What the services probe reports: the failed systemd units.

use serde::{Deserialize, Serialize};

/// One failed systemd unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FailedUnit {
    /// Unit name, e.g. `nginx.service`.
    pub unit: String,
    /// Load state, e.g. `loaded`, `not-found`, `masked`.
    pub load: String,
    /// High-level activation state, `failed` for every unit listed here.
    pub active: String,
    /// Low-level, unit-type-specific state, e.g. `failed`, `auto-restart`.
    pub sub: String,
    /// The unit's `Description=`, empty when it has none.
    pub description: String,
}
