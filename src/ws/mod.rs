//! The live stream at `/ws`: a WebSocket per client over the fan-out actor. The upgrade is
//! authenticated by `Authorization: Bearer`, `?token=`, or (when neither is given) a first
//! `auth` message; a connection over the cap is refused with 503. The protocol is in
//! `protocol.rs` (its JSON Schemas in `contract.rs`), a connection's life in `session.rs`.

pub mod contract;
mod protocol;
mod session;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use infrastructor_actors::api::FleetHandle;
use infrastructor_actors::fanout::Fanout;
use poem::web::websocket::{WebSocket, WebSocketConfig};
use poem::web::{Data, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::auth::{self, Tokens};
use crate::config::WsSettings;

/// Largest frame the WebSocket layer reads at all (beyond it the connection is closed with
/// 1009); messages between `protocol::MAX_CLIENT_MESSAGE` and this get an `error`.
const MAX_FRAME: usize = 1 << 20;

/// A connection's read buffer. tungstenite's default (128 KiB) is zero-filled, so resident,
/// on the first read: 1,000 idle clients would hold 128 MiB. Client messages are small; a
/// larger frame grows the buffer as it arrives (`bench/ws` measures the RSS per client).
const READ_BUFFER: usize = 4 * 1024;

/// What every connection shares.
#[derive(Clone)]
pub struct WsState {
    fanout: Fanout,
    handle: FleetHandle,
    tokens: Tokens,
    settings: WsSettings,
    /// Browser origins allowed to open the stream (`[api] allowed_origins`).
    origins: Arc<Vec<String>>,
    open: Arc<AtomicUsize>,
    cancel: CancellationToken,
}

impl WsState {
    /// The stream over `fanout`, replaying through `handle`, with `api`'s limits and origins;
    /// `cancel` closes every
    /// connection (with a close frame) at shutdown.
    pub fn new(
        fanout: Fanout,
        handle: FleetHandle,
        tokens: Tokens,
        api: &crate::config::ApiSettings,
        cancel: CancellationToken,
    ) -> Self {
        let (settings, origins) = (api.ws.clone(), Arc::new(api.allowed_origins.clone()));
        Self { fanout, handle, tokens, settings, origins, open: Arc::default(), cancel }
    }
}

/// A taken connection slot, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Deserialize)]
struct TokenParam {
    token: Option<String>,
}

/// `GET /ws`: the upgrade.
#[handler]
pub async fn endpoint(
    req: &Request,
    ws: WebSocket,
    Data(state): Data<&WsState>,
    Query(param): Query<TokenParam>,
) -> Response {
    // A page from another site must not read the stream through the user's browser (the
    // same rule as `/mcp`): an `Origin` is accepted only when configured.
    if let Some(origin) = req.headers().get(poem::http::header::ORIGIN)
        && !state.origins.iter().any(|o| origin.as_bytes() == o.as_bytes())
    {
        let body = serde_json::json!({
            "error": "forbidden",
            "message": "this Origin may not open the stream: add it to [api] allowed_origins",
        });
        return Response::builder()
            .status(poem::http::StatusCode::FORBIDDEN)
            .content_type("application/json")
            .body(body.to_string());
    }
    let presented = auth::bearer(req).map(str::to_owned).or(param.token);
    // Without tokens every caller is admitted; with tokens, a token given on the request
    // must be right, and a missing one must come as the first message.
    let caller = match (&presented, state.tokens.enabled()) {
        (Some(_), _) | (None, false) => match state.tokens.check(presented.as_deref()) {
            Ok(c) => Some(c),
            Err(e) => return auth::unauthorized(e),
        },
        (None, true) => None,
    };
    let taken = state.open.fetch_add(1, Ordering::SeqCst);
    let slot = Slot(state.open.clone());
    if taken >= state.settings.max_connections {
        let body = serde_json::json!({
            "error": "unavailable",
            "message": format!("too many live-stream connections (the cap is {})", state.settings.max_connections),
        });
        return Response::builder()
            .status(poem::http::StatusCode::SERVICE_UNAVAILABLE)
            .content_type("application/json")
            .body(body.to_string());
    }
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    let state = state.clone();
    ws.config(config)
        .on_upgrade(move |socket| session::run(socket, state, caller, slot))
        .into_response()
}
