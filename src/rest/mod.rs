//! The REST API under `/api` (poem-openapi): one operation per MCP tool (it runs the tool,
//! so the two faces cannot disagree), plus current state and streamed exports; the OpenAPI
//! document at `/api/openapi.json` and Swagger UI at `/docs`; one error shape; bodies capped.

mod alerts;
pub mod call;
mod containers;
mod devices;
pub mod error;
mod export;
mod export_stream;
mod history;
mod notify;
pub mod schema;
mod system;

use infrastructor_actors::api::FleetHandle;
use poem::{Endpoint, EndpointExt, IntoResponse, Response};
use poem_openapi::{OpenApiService, Tags};

use call::Api;

/// The largest request body accepted (bodies are small JSON objects).
pub const MAX_BODY: usize = 64 * 1024;

/// How operations are grouped in the document.
#[derive(Tags)]
pub enum Tag {
    /// The fleet and its registry: list, add, replace, remove, import, state, check,
    /// maintenance.
    Devices,
    /// Docker containers: lists, details, logs, stats, actions, networks, compose graph.
    Containers,
    /// One host: metrics now, journal, failed services, VMs, updates, drives, pools,
    /// snapshots, arrays; the backup jobs.
    System,
    /// From the store: the event timeline, metric series, what changed, exports.
    History,
    /// Diagnoses, trends and capacity forecasts.
    Analysis,
    /// Firing alerts, acknowledgements, silences and notification tests.
    Alerts,
}

/// Every operation group.
pub type Apis = (
    devices::Devices,
    containers::Containers,
    system::System,
    history::History,
    history::Analysis,
    export::Export,
    alerts::Alerts,
    notify::Notify,
);

const DESCRIPTION: &str = "Agentless SSH monitoring of a fleet of Linux machines. Every \
operation answers JSON, or `{error, message, details}` on failure. Send \
`Authorization: Bearer <token>` when tokens are configured; changing operations need a token \
with the `admin` scope. Reads of a device's probes are live (polled now, within 3 s) unless \
`max_age_seconds` accepts a stored answer; every such answer says how fresh it is.";

/// The OpenAPI service over `handle`.
pub fn service(
    handle: FleetHandle,
    allow_actions: bool,
    notify: crate::notify::Notifiers,
) -> OpenApiService<Apis, ()> {
    let api = Api::new(handle, allow_actions, notify);
    let apis = (
        devices::Devices(api.clone()),
        containers::Containers(api.clone()),
        system::System(api.clone()),
        history::History(api.clone()),
        history::Analysis(api.clone()),
        export::Export(api.clone()),
        alerts::Alerts(api.clone()),
        notify::Notify(api),
    );
    OpenApiService::new(apis, "Infrastructor", env!("CARGO_PKG_VERSION"))
        .description(DESCRIPTION)
        .license(poem_openapi::LicenseObject::new("Apache-2.0"))
        .url_prefix("/api")
}

/// The answer of a body over the cap.
fn too_large() -> Response {
    let e = poem::Error::from_string(
        format!("the request body is larger than {} KiB", MAX_BODY / 1024),
        poem::http::StatusCode::PAYLOAD_TOO_LARGE,
    );
    error::respond(e)
}

/// `ep` with bodies capped at [`MAX_BODY`] and every error in the one shape.
pub fn guard<E: Endpoint + 'static>(ep: E) -> impl Endpoint {
    ep.around(|ep, mut req| async move {
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY) {
            return Ok(too_large());
        }
        let body = req.take_body();
        match body.into_bytes_limit(MAX_BODY).await {
            Ok(bytes) => req.set_body(bytes),
            Err(poem::error::ReadBodyError::PayloadTooLarge) => return Ok(too_large()),
            Err(e) => {
                return Ok(error::respond(poem::Error::from_string(
                    format!("the request body could not be read: {e}"),
                    poem::http::StatusCode::BAD_REQUEST,
                )));
            }
        }
        match ep.call(req).await {
            Ok(resp) => Ok(resp.into_response()),
            Err(e) => Ok(error::respond(e)),
        }
    })
}

/// The device name in the document's examples.
pub fn example_device() -> String {
    "tower".into()
}

/// The container name in the document's examples.
pub fn example_container() -> String {
    "web".into()
}
