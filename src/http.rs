//! HTTP routes served today: health, current device state and recent events (JSON).

use poem::web::{Data, Json, Query};
use poem::{EndpointExt, Route, get, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use infrastructor_actors::state::SharedStore;

/// The app's routes, sharing `store`.
pub fn routes(store: SharedStore) -> impl poem::Endpoint {
    Route::new()
        .at("/health", get(health))
        .at("/api/devices", get(devices))
        .at("/api/events", get(events))
        .data(store)
}

#[handler]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[handler]
fn devices(Data(store): Data<&SharedStore>) -> Json<Value> {
    let store = store.read().unwrap_or_else(|e| e.into_inner());
    Json(json!(store.devices))
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
fn events(Data(store): Data<&SharedStore>, Query(q): Query<EventsQuery>) -> Json<Value> {
    let limit = q.limit.unwrap_or(100).min(1000);
    let store = store.read().unwrap_or_else(|e| e.into_inner());
    let mut out: Vec<_> = store
        .recent
        .iter()
        .rev()
        .filter(|e| q.device.as_ref().is_none_or(|d| &e.device == d))
        .take(limit)
        .cloned()
        .collect();
    out.reverse();
    Json(json!(out))
}
