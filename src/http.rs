//! HTTP routes: health (open), the MCP server at `/mcp` and the JSON API under `/api`
//! (behind the bearer-token layer), and the live stream at `/ws` (which authenticates its
//! own upgrade), all through the query facade.

use poem::web::{Data, Json, Query};
use poem::{EndpointExt, Route, get, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use infrastructor_actors::api::{ApiError, FleetHandle};

use crate::auth::{self, Tokens};
use crate::config::ApiSettings;
use infrastructor_actors::state::DeviceView;
use infrastructor_actors::store::{Bucket, Cursor, SeriesQuery, TimelineQuery};

/// The app's routes, sharing `handle`; `cancel` ends open MCP streams and WebSockets at
/// shutdown.
pub fn routes(
    handle: FleetHandle,
    api: &ApiSettings,
    changes: crate::mcp::resources::Changes,
    fanout: infrastructor_actors::fanout::Fanout,
    cancel: tokio_util::sync::CancellationToken,
) -> impl poem::Endpoint + use<> {
    use crate::telemetry::track;
    use poem::endpoint::TowerCompatExt;
    let tokens = Tokens::new(api.tokens.clone());
    let ws = crate::ws::WsState::new(fanout, handle.clone(), tokens.clone(), api, cancel.clone());
    let mcp = crate::mcp::service(handle.clone(), api, changes, cancel).compat();
    let rest = Route::new()
        .at("/devices", get(devices))
        .at("/events", get(events))
        .at("/metrics", get(metrics));
    Route::new()
        .at("/health", get(health))
        .at("/ready", get(crate::ready::ready))
        .at("/metrics", auth::require(tokens.clone(), get(crate::telemetry::scrape)))
        .nest("/mcp", track("mcp", auth::require(tokens.clone(), mcp)))
        .nest("/api", track("api", auth::require(tokens, rest)))
        .at("/ws", track("ws", get(crate::ws::endpoint).data(ws)))
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

/// Query of `/api/events`: the event timeline.
#[derive(Debug, Deserialize)]
struct EventsQuery {
    /// Events per page (default 100, 1..=1000).
    limit: Option<usize>,
    /// Only these devices (comma-separated).
    device: Option<String>,
    /// Only these event types (comma-separated), e.g. `ContainerDied,ServiceFailed`.
    kinds: Option<String>,
    /// Include sample events (`…Sampled`) when `kinds` is not given.
    samples: Option<bool>,
    /// Only events observed at or after this time (RFC 3339).
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only events observed before this time (RFC 3339).
    to: Option<chrono::DateTime<chrono::Utc>>,
    /// The page after this event id (newer).
    after: Option<uuid::Uuid>,
    /// The page before this event id (older).
    before: Option<uuid::Uuid>,
}

/// Query of `/api/metrics`: one metric's history.
#[derive(Debug, Deserialize)]
struct MetricsQuery {
    /// The device.
    device: String,
    /// A catalogued metric, e.g. `host.cpu_percent`, `fs.used_bytes`.
    metric: String,
    /// One instance (mount point, interface, container…); default every instance.
    instance: Option<String>,
    /// Start (RFC 3339; default 24 h before `to`).
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// End (RFC 3339; default now).
    to: Option<chrono::DateTime<chrono::Utc>>,
    /// `auto` (default), `raw`, `hour` or `day`.
    bucket: Option<Bucket>,
}

#[handler]
async fn metrics(
    Data(handle): Data<&FleetHandle>,
    q: poem::Result<Query<MetricsQuery>>,
) -> poem::Response {
    use poem::IntoResponse;
    let Query(q) = match q {
        Ok(q) => q,
        Err(e) => return bad_request(e.to_string()),
    };
    let to = q.to.unwrap_or_else(chrono::Utc::now);
    let query = SeriesQuery {
        device: q.device,
        metric: q.metric,
        instance: q.instance,
        from: q.from.unwrap_or(to - chrono::Duration::hours(24)),
        to,
        bucket: q.bucket.unwrap_or(Bucket::Auto),
    };
    match handle.series(&query).await {
        Ok(series) => Json(json!({ "series": series })).into_response(),
        Err(e) => failure(&e),
    }
}

/// The error answer of a facade failure.
fn failure(e: &ApiError) -> poem::Response {
    use poem::http::StatusCode;
    let (status, code) = match e {
        ApiError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_argument"),
        ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    };
    poem::Response::builder()
        .status(status)
        .content_type("application/json")
        .body(json!({ "error": code, "message": e.to_string() }).to_string())
}

/// A list parameter: comma-separated, blanks dropped.
fn list(v: Option<&str>) -> Vec<String> {
    v.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// A 400 answer with the error shape every face uses.
fn bad_request(message: String) -> poem::Response {
    poem::Response::builder()
        .status(poem::http::StatusCode::BAD_REQUEST)
        .content_type("application/json")
        .body(json!({ "error": "invalid_argument", "message": message }).to_string())
}

#[handler]
async fn events(
    Data(handle): Data<&FleetHandle>,
    q: poem::Result<Query<EventsQuery>>,
) -> poem::Response {
    use poem::IntoResponse;
    let Query(q) = match q {
        Ok(q) => q,
        Err(e) => return bad_request(e.to_string()),
    };
    let cursor = match (q.after, q.before) {
        (Some(_), Some(_)) => return bad_request("give `after` or `before`, not both".into()),
        (Some(id), None) => Some(Cursor::After(id)),
        (None, Some(id)) => Some(Cursor::Before(id)),
        (None, None) => None,
    };
    let query = TimelineQuery {
        devices: list(q.device.as_deref()),
        kinds: list(q.kinds.as_deref()),
        samples: q.samples.unwrap_or(false),
        from: q.from,
        to: q.to,
        cursor,
        limit: q.limit.unwrap_or(100),
    };
    match handle.timeline(&query).await {
        Ok(page) => Json(json!({
            "events": page.events,
            "older": page.older,
            "newer": page.newer,
        }))
        .into_response(),
        Err(e) => failure(&e),
    }
}
