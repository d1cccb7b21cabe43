//! The server's own metrics: the Prometheus recorder (installed once per process), `/metrics`
//! in the Prometheus text format, and the middleware that counts and times the requests of
//! each face (`/mcp`, `/api`, `/ws`) by route and status.
//!
//! The metrics themselves are recorded where things happen (the `metrics` crate's macros in
//! the actors: pollers, the SSH transport, the bus, the writer, the fan-out); this module
//! only collects and renders them. Device gauges are set at scrape time from the projection.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Endpoint, IntoResponse, Request, Response, handler};

use infrastructor_actors::api::FleetHandle;

/// Upper bounds (seconds) of every histogram's buckets: a millisecond HTTP answer up to a
/// drives poll of many disks (minutes).
pub const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes (a scrape
/// does it too); keeps the recorder's memory bounded.
const UPKEEP: Duration = Duration::from_secs(5);

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder as the process's global `metrics` recorder, once; later
/// calls return the same handle. `None` when another recorder was installed first (then
/// `/metrics` answers 503 and nothing else changes). Never panics.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE.get_or_init(build).as_ref()
}

fn build() -> Option<PrometheusHandle> {
    let builder = match PrometheusBuilder::new().set_buckets(BUCKETS) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot configure the metrics recorder; /metrics is off");
            return None;
        }
    };
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        tracing::warn!("another metrics recorder is installed in this process; /metrics is off");
        return None;
    }
    describe();
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
        loop {
            std::thread::sleep(UPKEEP);
            upkeep.run_upkeep();
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no metrics upkeep thread; histograms fold at scrapes only");
    }
    Some(handle)
}

/// The `# HELP` lines.
fn describe() {
    use metrics::{describe_counter as c, describe_gauge as g, describe_histogram as h};
    c!("infrastructor_polls_total", "Polls by probe and outcome (ok, unreachable, failed).");
    h!("infrastructor_poll_duration_seconds", "Duration of one poll, by probe.");
    c!("infrastructor_poll_ticks_skipped_total", "Poll ticks skipped: the last poll still ran.");
    h!("infrastructor_ssh_command_seconds", "SSH command latency (exec to output), by command.");
    c!("infrastructor_ssh_commands_total", "SSH commands by command and outcome.");
    c!("infrastructor_ssh_reconnects_total", "SSH sessions dropped, by cause.");
    g!("infrastructor_devices", "Devices by status (online, offline, unknown).");
    c!("infrastructor_bus_published_total", "Events published on the bus, by kind.");
    c!("infrastructor_bus_lossy_dropped_total", "Events dropped for lagging lossy subscribers.");
    g!("infrastructor_bus_lossless_queue_depth", "Queue depth of each lossless subscriber.");
    c!("infrastructor_bus_lossless_stalls_total", "Lossless subscribers full for over 5 s.");
    c!("infrastructor_store_rows_written_total", "Events written to the store.");
    c!("infrastructor_store_batches_written_total", "Batches written to the store.");
    h!("infrastructor_store_batch_seconds", "Duration of one batch insert.");
    c!("infrastructor_store_write_errors_total", "Batch inserts the store refused.");
    g!("infrastructor_store_buffer_events", "Events waiting in the writer's memory buffer.");
    g!("infrastructor_store_spool_bytes", "Bytes waiting in the writer's disk spool.");
    g!("infrastructor_ws_clients", "Connected WebSocket clients.");
    c!("infrastructor_ws_dropped_total", "Events not queued for lagging WebSocket clients.");
    c!("infrastructor_http_requests_total", "HTTP requests by face, route and status.");
    h!("infrastructor_http_request_duration_seconds", "Time to the response head, by route.");
}

/// `GET /metrics`: every metric in the Prometheus text format (the device gauges refreshed
/// from the current state first).
#[handler]
pub fn scrape(Data(handle): Data<&FleetHandle>) -> Response {
    let Some(prometheus) = install() else {
        let body = serde_json::json!({
            "error": "unavailable",
            "message": "metrics are off: another metrics recorder is installed in this process",
        });
        return Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .content_type("application/json")
            .body(body.to_string());
    };
    set_device_gauges(handle);
    Response::builder().content_type(CONTENT_TYPE).body(prometheus.render())
}

/// `infrastructor_devices{status}` from the projection's snapshot.
fn set_device_gauges(handle: &FleetHandle) {
    let (mut online, mut offline, mut unknown) = (0u32, 0u32, 0u32);
    for state in handle.snapshot().devices.values() {
        match state.online {
            Some(true) => online += 1,
            Some(false) => offline += 1,
            None => unknown += 1,
        }
    }
    for (status, n) in [("online", online), ("offline", offline), ("unknown", unknown)] {
        metrics::gauge!("infrastructor_devices", "status" => status).set(f64::from(n));
    }
}

/// Wraps a face's endpoint: every request is counted in `infrastructor_http_requests_total`
/// `{face, route, status}` and timed (to its response head) in
/// `infrastructor_http_request_duration_seconds{face, route}`.
pub fn track<E: Endpoint>(face: &'static str, inner: E) -> Tracked<E> {
    install();
    Tracked { face, inner }
}

/// The endpoint [`track`] returns.
pub struct Tracked<E> {
    face: &'static str,
    inner: E,
}

impl<E: Endpoint> Endpoint for Tracked<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let (status, route) = match &result {
            Ok(resp) => (resp.status(), route(self.face, resp.data(), resp.data())),
            Err(err) => (err.status(), route(self.face, err.data(), err.data())),
        };
        let face = self.face;
        let elapsed = started.elapsed().as_secs_f64();
        let labels = [("face", face.to_string()), ("route", route)];
        metrics::histogram!("infrastructor_http_request_duration_seconds", &labels).record(elapsed);
        let [face, route] = labels;
        let status = ("status", status.as_u16().to_string());
        metrics::counter!("infrastructor_http_requests_total", &[face, route, status]).increment(1);
        result
    }
}

/// The `route` label, always from a bounded set, never the raw path (device and container
/// names would make a series per name): on `/api` the operation id poem-openapi puts in the
/// response, else the matched route template (`/api/devices/:name`), else `other`; the
/// face's own name on the others (`mcp`, `ws`).
fn route(
    face: &'static str,
    operation: Option<&poem_openapi::OperationId>,
    pattern: Option<&poem::PathPattern>,
) -> String {
    if face != "api" {
        return face.to_string();
    }
    match (operation, pattern) {
        (Some(op), _) => op.0.to_string(),
        (None, Some(p)) => p.0.to_string(),
        (None, None) => "other".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_label_is_bounded() {
        let op = poem_openapi::OperationId("getDevice");
        let pattern = poem::PathPattern("/api/devices/:name".into());
        assert_eq!(route("api", Some(&op), Some(&pattern)), "getDevice");
        assert_eq!(route("api", None, Some(&pattern)), "/api/devices/:name");
        assert_eq!(route("api", None, None), "other");
        assert_eq!(route("mcp", Some(&op), Some(&pattern)), "mcp");
        assert_eq!(route("ws", None, None), "ws");
    }

    #[test]
    fn installing_twice_gives_the_same_handle() {
        let a = install().map(|h| h as *const PrometheusHandle);
        let b = install().map(|h| h as *const PrometheusHandle);
        assert_eq!(a, b);
    }
}
