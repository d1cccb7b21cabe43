//! Running the whole server against simulated devices: fast settings, start, and reading the
//! events it recorded (from its in-memory history).

use std::time::Duration;

use infrastructor::app::{self, AppOptions, Running};
use infrastructor_actors::device::{DeviceSpec, FleetSettings, ProbeSettings, RestartPolicy};
use infrastructor_actors::events::EventKind;

use super::wait_until;

/// An enabled probe polled every `ms` milliseconds.
pub fn every(ms: u64) -> ProbeSettings {
    ProbeSettings { enabled: true, interval: Duration::from_millis(ms) }
}

/// Fleet settings for tests: quick reconnects and restarts, 5 s connect deadline.
pub fn fast_settings() -> FleetSettings {
    FleetSettings {
        connect_timeout: Duration::from_secs(5),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        restart: RestartPolicy { backoff_min: Duration::from_millis(50), ..Default::default() },
        ..Default::default()
    }
}

/// Starts the server on a free port with [`fast_settings`].
pub async fn serve(devices: Vec<DeviceSpec>) -> Running {
    serve_with(devices, fast_settings()).await
}

/// Starts the server on a free port with `fleet` settings.
pub async fn serve_with(devices: Vec<DeviceSpec>, fleet: FleetSettings) -> Running {
    let opts = AppOptions { listen: "127.0.0.1:0".parse().unwrap(), devices, fleet };
    app::start(opts).await.expect("server starts")
}

/// Events of `device` with type `ty`, oldest first.
pub fn events(app: &Running, device: &str, ty: &str) -> Vec<EventKind> {
    let store = app.store.read().unwrap();
    let recent = store.recent.iter().filter(|e| e.device == device && e.type_name() == ty);
    recent.map(|e| e.kind.clone()).collect()
}

/// How many events of `device` with type `ty` were recorded.
pub fn count(app: &Running, device: &str, ty: &str) -> usize {
    events(app, device, ty).len()
}

/// Waits for `n` more events of type `ty` (further polls of an unchanged state).
pub async fn more_polls(app: &Running, device: &str, ty: &str, n: usize) {
    let base = count(app, device, ty);
    wait_until(Duration::from_secs(20), "more polls", || count(app, device, ty) >= base + n).await;
}
