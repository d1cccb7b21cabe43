//! `GET /ready` (no auth, for load balancers and orchestrators): 200 once the fleet runs and
//! the store answers (a server without a store, memory only, is ready with the fleet), 503
//! with the reason otherwise: the database not reachable yet (the server started without
//! it and keeps trying), a store that does not answer a ping, or a stopped fleet. The answer
//! names the engine, never where the database is or who logs in to it (the route is open).

use std::time::Duration;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, handler};
use serde_json::{Value, json};

use infrastructor_actors::api::FleetHandle;

/// Longest wait for the store's answer to the readiness ping.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the server is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// The root supervisor is not running.
    Fleet,
    /// The database did not answer at start-up and is not connected yet.
    NotConnected,
    /// The store is connected but did not answer the ping (`detail`: failed or timed out).
    NoAnswer(&'static str),
}

impl NotReady {
    fn message(&self) -> String {
        match self {
            Self::Fleet => "the fleet is not running".into(),
            Self::NotConnected => "the database is not reachable yet: the server keeps trying; \
                                   history waits in memory and in the spool until then"
                .into(),
            Self::NoAnswer(detail) => format!("the database does not answer ({detail})"),
        }
    }
}

#[handler]
pub async fn ready(Data(handle): Data<&FleetHandle>) -> Response {
    let (store, verdict) = store_status(handle).await;
    let fleet = handle.fleet_running();
    let verdict = if fleet { verdict } else { Err(NotReady::Fleet) };
    let devices = handle.snapshot().devices.len();
    let details = json!({
        "fleet": if fleet { "running" } else { "stopped" },
        "devices": devices,
        "store": store,
    });
    match verdict {
        Ok(()) => {
            let mut body = json!({ "status": "ready" });
            if let (Some(body), Value::Object(details)) = (body.as_object_mut(), details) {
                body.extend(details);
            }
            answer(StatusCode::OK, body)
        }
        Err(why) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": "not_ready", "message": why.message(), "details": details }),
        ),
    }
}

/// The store's part of the answer (`null` without a store) and whether it is ready.
async fn store_status(handle: &FleetHandle) -> (Value, Result<(), NotReady>) {
    let Ok(store) = handle.store() else {
        return (Value::Null, Ok(()));
    };
    let verdict = if !store.is_connected() {
        Err(NotReady::NotConnected)
    } else {
        match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "readiness: the store's ping failed");
                Err(NotReady::NoAnswer("the ping failed"))
            }
            Err(_) => Err(NotReady::NoAnswer("no answer to the ping within 2 s")),
        }
    };
    let status = json!({
        "engine": store.engine_name(),
        "connected": store.is_connected(),
        "answers": verdict.is_ok(),
    });
    (status, verdict)
}

fn answer(status: StatusCode, body: Value) -> Response {
    Response::builder().status(status).content_type("application/json").body(body.to_string())
}
