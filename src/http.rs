//! HTTP routes served today: health, current device state and recent change events (JSON),
//! all through the query facade.

use poem::web::{Data, Json, Query};
use poem::{EndpointExt, Route, get, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use infrastructor_actors::api::FleetHandle;
use infrastructor_actors::state::DeviceView;

/// The app's routes, sharing `handle`.
pub fn routes(handle: FleetHandle) -> impl poem::Endpoint {
    Route::new()
        .at("/health", get(health))
        .at("/api/devices", get(devices))
        .at("/api/events", get(events))
        .data(handle)
}

#[handler]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[handler]
fn devices(Data(handle): Data<&FleetHandle>) -> Json<Value> {
    let snap = handle.snapshot();
    let now = chrono::Utc::now();
    let views: serde_json::Map<String, Value> = snap
        .devices
        .iter()
        .map(|(name, state)| (name.clone(), json!(DeviceView { name, state, now })))
        .collect();
    Json(Value::Object(views))
}

/// Query of `/api/events`.
#[derive(Debug, Deserialize)]
struct EventsQuery {
    /// Newest events to return (default 100, at most 1000).
    limit: Option<usize>,
    /// Only events of this device.
    device: Option<String>,
}

#[handler]
fn events(Data(handle): Data<&FleetHandle>, Query(q): Query<EventsQuery>) -> Json<Value> {
    let limit = q.limit.unwrap_or(100).min(1000);
    Json(json!(handle.newest_events(q.device.as_deref(), limit)))
}
