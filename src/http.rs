//! HTTP routes: health (open), the OpenAPI document and Swagger UI (open), the MCP server
//! at `/mcp` and the REST API under `/api` (behind the bearer-token layer), and the live
//! stream at `/ws` (which authenticates its own upgrade), all through the query facade.

use poem::web::Json;
use poem::{EndpointExt, Route, get, handler};
use serde_json::{Value, json};

use infrastructor_actors::api::FleetHandle;

use crate::auth::{self, Tokens};
use crate::config::ApiSettings;

/// The app's routes, sharing `handle`; `cancel` ends open MCP streams and WebSockets at
/// shutdown.
pub fn routes(
    handle: FleetHandle,
    api: &ApiSettings,
    changes: crate::mcp::resources::Changes,
    fanout: infrastructor_actors::fanout::Fanout,
    notify: crate::notify::Notifiers,
    cancel: tokio_util::sync::CancellationToken,
) -> impl poem::Endpoint + use<> {
    use crate::telemetry::track;
    use poem::endpoint::TowerCompatExt;
    let tokens = Tokens::new(api.tokens.clone());
    let ws = crate::ws::WsState::new(fanout, handle.clone(), tokens.clone(), api, cancel.clone());
    let mcp = crate::mcp::service(handle.clone(), api, (changes, notify.clone()), cancel).compat();
    let rest = crate::rest::service(handle.clone(), api.allow_actions, notify);
    let spec = rest.spec_endpoint();
    let docs = rest.swagger_ui();
    Route::new()
        .at("/health", get(health))
        .at("/ready", get(crate::ready::ready))
        .at("/metrics", auth::require(tokens.clone(), get(crate::telemetry::scrape)))
        .at("/api/openapi.json", spec)
        .nest("/docs", docs)
        .nest("/mcp", track("mcp", auth::require(tokens.clone(), mcp)))
        .nest(
            "/api",
            track(
                "api",
                auth::require(tokens, crate::rest::guard(poem::IntoEndpoint::into_endpoint(rest))),
            ),
        )
        .at("/ws", track("ws", get(crate::ws::endpoint).data(ws)))
        .data(handle)
}

#[handler]
fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
