//! App start and stop: the bus, the in-memory store, the fleet of device supervisors and the
//! HTTP server, wired together; graceful shutdown within 10 s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use infrastructor_actors::api::{FleetHandle, Registry};
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{DeviceSpec, FleetSettings};
use infrastructor_actors::fleet::{Fleet, FleetArgs, FleetMsg};
use infrastructor_actors::state::{HISTORY_BYTES, Projection, run_projection};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::{LocalAddr, RemoteAddr};
use ractor::{Actor, ActorRef};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The TCP acceptor with `TCP_NODELAY` on every connection. Without it a response written in
/// pieces (headers, then each SSE event of an MCP answer) waits for the client's delayed ACK:
/// about 40 ms per request on a kept-alive connection.
struct NoDelay(TcpAcceptor);

impl Acceptor for NoDelay {
    type Io = tokio::net::TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(Self::Io, LocalAddr, RemoteAddr, poem::http::uri::Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        if let Err(e) = io.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        Ok((io, local, remote, scheme))
    }
}

/// Everything `serve` needs, already validated.
pub struct AppOptions {
    /// HTTP listen address (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Devices to monitor.
    pub devices: Vec<DeviceSpec>,
    /// Fleet-wide settings.
    pub fleet: FleetSettings,
    /// Where history is kept; `None` keeps it in memory only (tests).
    pub history: Option<crate::history::HistoryOptions>,
    /// Tokens, accepted hosts and origins, actions.
    pub api: crate::config::ApiSettings,
    /// Alert rules and notifiers.
    pub alerts: crate::config::AlertSettings,
}

/// `listen`, or its loopback twin when no token is configured: without auth the server is
/// only for this machine.
fn guarded(listen: SocketAddr, api: &crate::config::ApiSettings) -> SocketAddr {
    if !api.tokens.is_empty() || listen.ip().is_loopback() {
        return listen;
    }
    let lo: std::net::IpAddr = match listen {
        SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
        SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
    };
    let safe = SocketAddr::new(lo, listen.port());
    tracing::warn!(
        %listen, serving = %safe,
        "no [[api.tokens]] configured: serving on loopback only; add a token to listen on {listen}"
    );
    safe
}

/// A started server.
pub struct Running {
    /// The bound HTTP address.
    pub addr: SocketAddr,
    /// The event bus (tests subscribe to it).
    pub bus: Bus,
    /// Current state and recent change events.
    pub projection: Arc<Projection>,
    /// The query facade over the fleet.
    pub handle: FleetHandle,
    /// The root supervisor; stopped on shutdown.
    pub fleet: ActorRef<FleetMsg>,
    /// Tells the HTTP server to stop accepting and finish in-flight requests.
    http_stop: Option<oneshot::Sender<()>>,
    /// The HTTP server task.
    http: JoinHandle<std::io::Result<()>>,
    /// The in-memory store feeder; ends when the bus is dropped.
    feeder: JoinHandle<()>,
    /// The history writer; ends once the bus is dropped and the rest is written or spooled.
    writer: Option<JoinHandle<()>>,
    /// The live stream's fan-out (tests read its client count).
    pub fanout: infrastructor_actors::fanout::Fanout,
    /// Ends open MCP streams (SSE) and WebSockets (with a close frame) so they do not hold
    /// the graceful shutdown.
    streams: tokio_util::sync::CancellationToken,
    /// Connects to a database that did not answer at start-up (aborted at shutdown).
    reconnect: Option<JoinHandle<()>>,
    /// The alerting task (stopped after the fleet, before the bus is dropped).
    alerts: Option<infrastructor_actors::alerts::Alerts>,
    /// The notifiers' delivery tasks (stopped at shutdown).
    notifiers: Option<crate::notify::Running>,
}

/// Starts the fleet and the HTTP server.
pub async fn start(opts: AppOptions) -> anyhow::Result<Running> {
    start_on(opts, Bus::new()).await
}

/// Starts the fleet and the HTTP server on `bus` (tests subscribe to it before the start).
pub async fn start_on(opts: AppOptions, bus: Bus) -> anyhow::Result<Running> {
    // Before anything records a metric (the first polls start with the fleet).
    crate::telemetry::install();
    // Bind first: a port in use must fail before any device is contacted.
    let listen = guarded(opts.listen, &opts.api);
    let acceptor = TcpListener::bind(listen).into_acceptor().await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (is another server running? set listen or INFRASTRUCTOR_LISTEN)"
        } else {
            ""
        };
        let reason = e.to_string();
        let mut chars = reason.chars();
        let reason: String =
            chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default();
        anyhow::anyhow!("cannot listen on {listen}: {reason}{hint}")
    })?;
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .context("listener has no socket address")?;

    let projection = Arc::new(Projection::new(HISTORY_BYTES));
    let feeder = tokio::spawn(run_projection(
        projection.clone(),
        bus.subscribe_lossless("projection", 4096),
    ));
    let history = match &opts.history {
        Some(h) => Some(crate::history::start(h, &bus, &projection).await?),
        None => {
            tracing::warn!(
                "no data folder: state and the last {} MiB of change events are kept in memory \
                 only and are lost on restart",
                HISTORY_BYTES >> 20
            );
            None
        }
    };
    let api_devices = match &history {
        Some(h) => crate::history::seed_devices(&h.store, &opts.devices).await?,
        None => Vec::new(),
    };
    let stored_alerts = match &history {
        Some(h) if h.store.is_connected() => {
            infrastructor_actors::alerts::stored(&h.store).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "open alerts could not be read back; they are raised again");
                Vec::new()
            })
        }
        _ => Vec::new(),
    };
    let mut alerts = infrastructor_actors::alerts::Alerts::spawn(
        &bus,
        &projection.snapshot(),
        &stored_alerts,
        opts.alerts.rules.clone(),
    );
    if let Some(h) = &history {
        alerts.forecast_from(h.store.clone());
    }
    let registry = Registry::new(history.as_ref().map(|h| h.store.clone()), &opts.devices);
    let config_devices = opts.devices.clone();
    // The projection is restored from the store above, before any probe is built: every
    // probe resumes from its last stored sample.
    let devices = opts.devices.into_iter().chain(api_devices).collect();
    let mut args = FleetArgs::new(opts.fleet, bus.clone(), devices);
    args.last_sample = projection.last_samples();
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.context("starting the fleet")?;
    let (http_stop, stopped) = oneshot::channel::<()>();
    let (store, writer) = match history {
        Some(h) => (Some(h.store), Some(h.writer)),
        None => (None, None),
    };
    let mut handle = FleetHandle::new(fleet.clone(), projection.clone())
        .with_registry(registry)
        .with_alerts(alerts.watcher());
    if let Some(store) = store {
        handle = handle.with_store(store);
    }
    let reconnect = crate::history::connect_later(&handle, &config_devices);
    let notify = crate::notify::Notifiers::new(&opts.alerts.notify);
    let notifiers = notify.start(handle.store().ok(), &bus).await;
    let streams = tokio_util::sync::CancellationToken::new();
    let changes = crate::mcp::resources::change_feed(&bus);
    let fanout = infrastructor_actors::fanout::Fanout::spawn(&bus);
    let routes = crate::http::routes(
        handle.clone(),
        &opts.api,
        changes,
        fanout.clone(),
        notify,
        streams.clone(),
    );
    let http = tokio::spawn(async move {
        poem::Server::new_with_acceptor(NoDelay(acceptor))
            .run_with_graceful_shutdown(
                routes,
                async {
                    let _ = stopped.await;
                },
                Some(Duration::from_secs(5)),
            )
            .await
    });
    tracing::info!(%addr, "listening");
    Ok(Running {
        addr,
        bus,
        projection,
        handle,
        fleet,
        http_stop: Some(http_stop),
        http,
        feeder,
        writer,
        fanout,
        streams,
        reconnect,
        alerts: Some(alerts),
        notifiers,
    })
}

impl Running {
    /// Stops accepting requests, stops every poller and supervisor, and lets the store drain.
    pub async fn shutdown(mut self) {
        self.streams.cancel();
        if let Some(stop) = self.http_stop.take() {
            let _ = stop.send(());
        }
        if let Some(reconnect) = self.reconnect.take() {
            reconnect.abort();
        }
        let _ = tokio::time::timeout(Duration::from_secs(6), &mut self.http).await;
        if let Some(notifiers) = self.notifiers.take() {
            notifiers.shutdown().await;
        }
        let _ =
            self.fleet.stop_and_wait(Some("shutdown".into()), Some(Duration::from_secs(3))).await;
        if let Some(alerts) = self.alerts.take() {
            alerts.stop(Duration::from_secs(1)).await;
        }
        // Let the store take in what the pollers published before they stopped.
        drop(self.bus);
        if tokio::time::timeout(Duration::from_secs(1), &mut self.feeder).await.is_err() {
            self.feeder.abort();
        }
        if let Some(writer) = self.writer.take() {
            crate::history::finish(writer, Duration::from_secs(3)).await;
        }
    }
}

/// Runs until SIGINT/SIGTERM, then shuts down gracefully; a second signal exits at once.
pub async fn serve(opts: AppOptions) -> anyhow::Result<()> {
    let running = start(opts).await?;
    if let Ok(store) = running.handle.store() {
        let (location, engine) = (store.location(), store.engine_name());
        match store.is_connected() {
            true => eprintln!("infrastructor keeps history in {location} ({engine})"),
            false => eprintln!(
                "infrastructor will keep history in {location} once the database is reachable \
                 (events wait in memory and in the spool until then)"
            ),
        }
    }
    eprintln!("infrastructor serving on http://{} (Ctrl-C to stop)", running.addr);
    shutdown_signal().await;
    tracing::info!("shutting down (send the signal again to exit at once)");
    tokio::spawn(async {
        shutdown_signal().await;
        eprintln!("second signal: exiting now");
        std::process::exit(130);
    });
    match tokio::time::timeout(Duration::from_secs(10), running.shutdown()).await {
        Ok(()) => tracing::info!("stopped"),
        Err(_) => tracing::warn!("shutdown took longer than 10 s; exiting anyway"),
    }
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::guarded;
    use crate::config::{ApiSettings, ApiToken, Scope, Secret};

    #[test]
    fn without_tokens_only_loopback_is_served() {
        let open = ApiSettings::default();
        let token = ApiToken {
            name: "t".into(),
            token: Secret::new("0123456789abcdef"),
            scope: Scope::Read,
        };
        let guarded_by = ApiSettings { tokens: vec![token], ..ApiSettings::default() };
        let at = |s: &str| s.parse::<std::net::SocketAddr>().unwrap();
        assert_eq!(guarded(at("0.0.0.0:9101"), &open), at("127.0.0.1:9101"));
        assert_eq!(guarded(at("[::]:9101"), &open), at("[::1]:9101"));
        assert_eq!(guarded(at("192.168.1.5:80"), &open), at("127.0.0.1:80"));
        assert_eq!(guarded(at("127.0.0.1:9101"), &open), at("127.0.0.1:9101"));
        assert_eq!(guarded(at("0.0.0.0:9101"), &guarded_by), at("0.0.0.0:9101"));
    }
}
