//! The event envelope: `{ id, device, observed_at, type, payload }`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EventKind;

/// One observation or state change about one device.
///
/// The JSON form is a public contract (stored, streamed, documented): change it only additively.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// The envelope's schema, with the payload left open: the schema of every payload of every
/// kind would be tens of kilobytes in every tool list that returns events.
impl schemars::JsonSchema for Event {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Event".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "One observation or state change about one device.",
            "properties": {
                "id": { "type": "string", "format": "uuid", "description": "UUIDv7, time-ordered; a cursor" },
                "device": { "type": "string", "description": "The device it is about" },
                "observed_at": { "type": "string", "format": "date-time", "description": "When the device was observed" },
                "type": { "type": "string", "enum": super::names::TYPE_NAMES, "description": "What happened, e.g. ContainerDied" },
                "payload": { "description": "The type's data (see the README's event catalogue)" }
            },
            "required": ["id", "device", "observed_at", "type"]
        })
    }
}
