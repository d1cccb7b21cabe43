//! The event envelope: `{ id, device, observed_at, type, payload }`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EventKind;

/// One observation or state change about one device.
///
/// The JSON form is a public contract (stored, streamed, documented): change it only additively.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Event {
    /// UUIDv7 assigned at emission: time-ordered, the WebSocket resume cursor and the writer's
    /// idempotency key.
    pub id: Uuid,
    /// Name of the device the event is about.
    pub device: String,
    /// When the device was observed (not when the event was written).
    pub observed_at: DateTime<Utc>,
    /// What was observed; serialized as `type` + `payload`.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// Wraps `kind` in a new envelope with a fresh UUIDv7.
    pub fn new(device: impl Into<String>, observed_at: DateTime<Utc>, kind: EventKind) -> Self {
        Self { id: Uuid::now_v7(), device: device.into(), observed_at, kind }
    }

    /// The `type` tag of this event, e.g. `"ContainerDied"`.
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }
}
