//! Running the whole server against simulated devices: fast settings, start, and reading the
//! events it recorded (from its in-memory history).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use infrastructor::app::{self, AppOptions, Running};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{DeviceSpec, FleetSettings, ProbeSettings, RestartPolicy};
use infrastructor_actors::events::{Event, EventKind};

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

/// A running server plus every event its bus carried (samples included), in order.
pub struct TestServer {
    /// The server.
    pub app: Running,
    /// Every published event, recorded by a lossless subscriber from before the start.
    pub recorded: Arc<Mutex<Vec<Arc<Event>>>>,
}

impl std::ops::Deref for TestServer {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.app
    }
}

impl TestServer {
    /// Shuts the server down gracefully.
    pub async fn shutdown(self) {
        self.app.shutdown().await
    }

    /// The current state, once the projection has folded in at least every event recorded so
    /// far (the recorder and the projection are two subscribers that run independently).
    pub async fn snapshot(&self) -> Arc<infrastructor_actors::state::Snapshot> {
        let recorded = self.recorded.lock().unwrap().len() as u64;
        let p = &self.app.projection;
        wait_until(Duration::from_secs(10), "projection caught up", || p.applied() >= recorded)
            .await;
        p.snapshot()
    }

    /// Every recorded event of `device`, oldest first.
    pub fn all(&self, device: &str) -> Vec<Arc<Event>> {
        let rec = self.recorded.lock().unwrap();
        rec.iter().filter(|e| e.device == device).cloned().collect()
    }
}

/// Starts the server on a free port with [`fast_settings`].
pub async fn serve(devices: Vec<DeviceSpec>) -> TestServer {
    serve_with(devices, fast_settings()).await
}

/// Starts the server on a free port with `fleet` settings.
pub async fn serve_with(devices: Vec<DeviceSpec>, fleet: FleetSettings) -> TestServer {
    serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices,
        fleet,
        history: None,
        api: Default::default(),
    })
    .await
}

/// Starts the server on a free port with [`fast_settings`], keeping history as `history`
/// says (start it again with the same options to test a restart).
pub async fn serve_in(devices: Vec<DeviceSpec>, history: &HistoryOptions) -> TestServer {
    let listen = "127.0.0.1:0".parse().unwrap();
    let history = Some(history.clone());
    serve_opts(AppOptions {
        alerts: Default::default(),
        listen,
        devices,
        fleet: fast_settings(),
        history,
        api: Default::default(),
    })
    .await
}

/// History on each engine in turn: the SQLite file under `data_dir`, then the PostgreSQL
/// database `db` (its URL), with the engine's name.
pub fn engines(
    data_dir: &std::path::Path,
    db: &super::TestDb,
) -> [(&'static str, HistoryOptions); 2] {
    let sqlite = HistoryOptions::new(data_dir.join("sqlite"), None);
    let url = Some(infrastructor::config::Secret::new(db.url()));
    let postgres = HistoryOptions::new(data_dir.join("postgres"), url);
    [("sqlite", sqlite), ("postgresql", postgres)]
}

/// Starts the server with `opts`, recording every event from before the start.
pub async fn serve_opts(opts: AppOptions) -> TestServer {
    let bus = Bus::new();
    let mut rx = bus.subscribe_lossless("test-recorder", 65_536);
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let sink = recorded.clone();
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            sink.lock().unwrap().push(ev);
        }
    });
    let app = app::start_on(opts, bus).await.expect("server starts");
    TestServer { app, recorded }
}

/// Events of `device` with type `ty`, oldest first.
pub fn events(app: &TestServer, device: &str, ty: &str) -> Vec<EventKind> {
    let rec = app.recorded.lock().unwrap();
    let matching = rec.iter().filter(|e| e.device == device && e.type_name() == ty);
    matching.map(|e| e.kind.clone()).collect()
}

/// How many events of `device` with type `ty` were recorded.
pub fn count(app: &TestServer, device: &str, ty: &str) -> usize {
    events(app, device, ty).len()
}

/// Waits for `n` more events of type `ty` (further polls of an unchanged state).
pub async fn more_polls(app: &TestServer, device: &str, ty: &str, n: usize) {
    let base = count(app, device, ty);
    wait_until(Duration::from_secs(20), "more polls", || count(app, device, ty) >= base + n).await;
}
