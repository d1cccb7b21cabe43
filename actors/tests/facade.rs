//! The query facade over a fleet on the replay transport and tokio's paused clock: "poll now"
//! shares the in-flight poll, removal waits for the pollers and forgets the device, requests
//! for unknown devices or probes are clear errors, stale poll outcomes never flap a device,
//! and the respawn backoff of a device supervisor resets after a healthy run.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::time::Duration;

use infrastructor_actors::api::{ApiError, FleetHandle};
use infrastructor_actors::bus::Bus;
use infrastructor_actors::command::Command;
use infrastructor_actors::device::{FleetSettings, ProbeSettings, ProbeSlot};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::fleet::{Fleet, FleetArgs, HEALTHY_RUN};
use infrastructor_actors::probes::{PollContext, Probe, ProbeError};
use infrastructor_actors::state::{Projection, run_projection};
use infrastructor_actors::transport::{Output, ReplayTransport, Transport, TransportError};
use ractor::Actor;
use tokio::sync::mpsc::Receiver;
use tokio::time::Instant;

use common::spec;

/// A probe whose polls take `takes`, counted, with a count of live instances (built by the
/// slot factory, dropped with their poller).
#[derive(Clone, Default)]
struct Slow {
    polls: Arc<AtomicU32>,
    live: Arc<AtomicI32>,
    takes: Duration,
}

struct SlowProbe(Slow);

impl Drop for SlowProbe {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Probe for SlowProbe {
    fn name(&self) -> &'static str {
        "slow"
    }
    fn required_tool(&self) -> Option<&'static str> {
        None
    }
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        ctx.transport.run(&infrastructor_actors::command::noop()).await?;
        self.0.polls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.0.takes).await;
        Ok(vec![EventKind::ServicesSampled { failed: vec![] }])
    }
}

fn slot(probe: Slow, every: Duration) -> ProbeSlot {
    ProbeSlot {
        name: "slow",
        required_tool: None,
        settings: ProbeSettings { enabled: true, interval: every },
        make: Arc::new(move || {
            probe.live.fetch_add(1, Ordering::SeqCst);
            Box::new(SlowProbe(probe.clone()))
        }),
    }
}

struct World {
    handle: FleetHandle,
    events: Receiver<Arc<Event>>,
}

async fn start(
    settings: FleetSettings,
    transport: Arc<dyn Transport>,
    slots: Vec<ProbeSlot>,
) -> World {
    let bus = Bus::new();
    let events = bus.subscribe_lossless("test", 100_000);
    let projection = Arc::new(Projection::new(1 << 20));
    tokio::spawn(run_projection(projection.clone(), bus.subscribe_lossless("projection", 1024)));
    let mut args = FleetArgs::new(settings, bus, vec![spec("dev1")]);
    args.transports = Arc::new(move |_, _, _| transport.clone());
    args.slots = Arc::new(move |_| slots.clone());
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.unwrap();
    World { handle: FleetHandle::new(fleet, projection), events }
}

fn replay() -> Arc<ReplayTransport> {
    Arc::new(ReplayTransport::new(|_| Ok(ReplayTransport::ok("Linux 6.1\n"))))
}

/// Every event received so far (the clock is paused: give the actors a moment first).
async fn drain(events: &mut Receiver<Arc<Event>>) -> Vec<Arc<Event>> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut out = Vec::new();
    while let Ok(ev) = events.try_recv() {
        out.push(ev);
    }
    out
}

#[tokio::test(start_paused = true)]
async fn poll_now_shares_the_in_flight_poll() {
    let probe = Slow { takes: Duration::from_secs(10), ..Slow::default() };
    let w = start(
        FleetSettings::default(),
        replay(),
        vec![slot(probe.clone(), Duration::from_secs(3600))],
    )
    .await;
    // The first poll starts at once and takes 10 s; two callers join it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (a, b) = tokio::join!(w.handle.poll_now("dev1", "slow"), w.handle.poll_now("dev1", "slow"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(probe.polls.load(Ordering::SeqCst), 1, "one poll served all");
    assert_eq!(
        a.events.iter().map(|e| e.id).collect::<Vec<_>>(),
        b.events.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    assert_eq!(a.events.len(), 1);
    assert!(a.error.is_none() && a.ran);
    // Asked again when idle: a fresh poll, published like any other.
    let c = w.handle.poll_now("dev1", "slow").await.unwrap();
    assert_eq!(probe.polls.load(Ordering::SeqCst), 2);
    assert_ne!(c.events[0].id, a.events[0].id);
    assert!(w.handle.device("dev1").unwrap().failed_units().is_some());
}

#[tokio::test(start_paused = true)]
async fn unknown_devices_and_probes_are_clear_errors() {
    let w = start(
        FleetSettings::default(),
        replay(),
        vec![slot(Slow::default(), Duration::from_secs(60))],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let err = w.handle.poll_now("nope", "slow").await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Refused(m) | ApiError::NotFound(m) if m.contains("no device `nope`")),
        "{err}"
    );
    let err = w.handle.poll_now("dev1", "zfs").await.unwrap_err();
    assert!(
        err.to_string().contains("no probe `zfs`") && err.to_string().contains("slow"),
        "{err}"
    );
    assert!(matches!(w.handle.remove_device("nope").await, Err(ApiError::NotFound(_))));
    assert!(matches!(w.handle.device("nope"), Err(ApiError::NotFound(_))));
    let dup = w.handle.add_device(spec("DEV1")).await.unwrap_err();
    assert!(dup.to_string().contains("already exists"), "{dup}");
    let err = w.handle.docker_networks("nope").await.unwrap_err();
    assert!(matches!(err, ApiError::NotFound(_)), "{err}");
}

#[tokio::test(start_paused = true)]
async fn checks_queries_and_edits_go_through_the_device() {
    let w = start(
        FleetSettings::default(),
        replay(),
        vec![slot(Slow::default(), Duration::from_secs(60))],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let report = w.handle.check_device("dev1").await.unwrap();
    assert_eq!(
        (report.transport.as_str(), report.capabilities.kernel.as_str()),
        ("replay", "Linux 6.1")
    );
    // The replayed "Linux 6.1" is no docker network: an empty list, not an error.
    assert_eq!(w.handle.docker_networks("dev1").await.unwrap().len(), 0);
    let mut edited = spec("dev1");
    edited.tags = vec!["edited".into()];
    w.handle.update_device(edited).await.unwrap();
    assert_eq!(w.handle.devices().await.unwrap()[0].spec.tags, ["edited"]);
    assert!(matches!(w.handle.update_device(spec("ghost")).await, Err(ApiError::NotFound(_))));
    assert!(matches!(w.handle.check_device("ghost").await, Err(ApiError::NotFound(_))));
}

#[tokio::test(start_paused = true)]
async fn removal_waits_for_the_pollers_forgets_the_device_and_a_re_add_runs_one_set() {
    let probe = Slow::default();
    let mut w = start(
        FleetSettings::default(),
        replay(),
        vec![slot(probe.clone(), Duration::from_secs(30))],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(w.handle.device("dev1").is_ok());
    assert_eq!(probe.live.load(Ordering::SeqCst), 1);
    w.handle.remove_device("dev1").await.unwrap();
    // Returned only once the poller (and its probe) is gone.
    assert_eq!(probe.live.load(Ordering::SeqCst), 0);
    let evs = drain(&mut w.events).await;
    assert_eq!(evs.last().map(|e| e.type_name()), Some("DeviceRemoved"));
    assert!(w.handle.device("dev1").is_err(), "the projection forgot it");
    assert!(w.handle.devices().await.unwrap().is_empty());
    w.handle.add_device(spec("dev1")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(probe.live.load(Ordering::SeqCst), 1, "one poller after remove + add");
    let before = probe.polls.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(300)).await;
    let polls = probe.polls.load(Ordering::SeqCst) - before;
    assert!((9..=11).contains(&polls), "one set of pollers at 30 s: {polls} polls in 300 s");
}

/// Fails every command while `down`; a poll started before an outage answers late.
struct Flaky {
    down: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl Transport for Flaky {
    async fn run(&self, _: &Command) -> Result<Output, TransportError> {
        self.connect().await.map(|_| ReplayTransport::ok("Linux 6.1\n"))
    }
    async fn connect(&self) -> Result<(), TransportError> {
        match self.down.load(Ordering::SeqCst) {
            true => {
                Err(TransportError::Unreachable { target: "flaky".into(), detail: "down".into() })
            }
            false => Ok(()),
        }
    }
    async fn disconnect(&self) {}
    fn describe(&self) -> String {
        "flaky".into()
    }
}

/// On its first poll, waits 100 s and then reports the device unreachable (an answer from
/// before the outage and the reconnect); later polls succeed.
#[derive(Default)]
struct Late {
    first_done: bool,
}

#[async_trait::async_trait]
impl Probe for Late {
    fn name(&self) -> &'static str {
        "late"
    }
    fn required_tool(&self) -> Option<&'static str> {
        None
    }
    async fn poll(&mut self, _: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        if !std::mem::replace(&mut self.first_done, true) {
            tokio::time::sleep(Duration::from_secs(100)).await;
            let e = TransportError::Unreachable { target: "flaky".into(), detail: "old".into() };
            return Err(ProbeError::Transport(e));
        }
        Ok(vec![])
    }
}

#[tokio::test(start_paused = true)]
async fn an_outcome_from_before_a_reconnect_does_not_flap_the_device() {
    let flaky = Arc::new(Flaky { down: false.into() });
    let late = ProbeSlot {
        name: "late",
        required_tool: None,
        settings: ProbeSettings { enabled: true, interval: Duration::from_secs(3600) },
        make: Arc::new(|| Box::new(Late::default())),
    };
    let settings = FleetSettings { offline_after: 1, ..FleetSettings::default() };
    let mut w =
        start(settings, flaky.clone(), vec![slot(Slow::default(), Duration::from_secs(10)), late])
            .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    flaky.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(10)).await;
    flaky.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(200)).await;
    let kinds: Vec<_> = drain(&mut w.events)
        .await
        .into_iter()
        .map(|e| e.type_name())
        .filter(|t| t.starts_with("Device"))
        .collect();
    assert_eq!(
        kinds,
        ["DeviceOnline", "DeviceOffline", "DeviceOnline"],
        "no flap from the late answer"
    );
}

/// Panics in `connect` while `panics` is above zero (the device supervisor crashes), and
/// records when each connect happened.
struct Crashy {
    panics: AtomicU32,
    down: std::sync::atomic::AtomicBool,
    connects: std::sync::Mutex<Vec<Instant>>,
}

#[async_trait::async_trait]
impl Transport for Crashy {
    async fn run(&self, _: &Command) -> Result<Output, TransportError> {
        match self.down.load(Ordering::SeqCst) {
            true => {
                Err(TransportError::Unreachable { target: "crashy".into(), detail: "down".into() })
            }
            false => Ok(ReplayTransport::ok("Linux 6.1\n")),
        }
    }
    async fn connect(&self) -> Result<(), TransportError> {
        self.connects.lock().unwrap().push(Instant::now());
        if self.panics.load(Ordering::SeqCst) > 0 {
            self.panics.fetch_sub(1, Ordering::SeqCst);
            panic!("injected supervisor crash");
        }
        Ok(())
    }
    async fn disconnect(&self) {}
    fn describe(&self) -> String {
        "crashy".into()
    }
}

#[tokio::test(start_paused = true)]
async fn the_respawn_backoff_starts_afresh_after_a_healthy_run() {
    let crashy =
        Arc::new(Crashy { panics: 5.into(), down: false.into(), connects: Default::default() });
    let settings = FleetSettings { offline_after: 1, ..FleetSettings::default() };
    let _w =
        start(settings, crashy.clone(), vec![slot(Slow::default(), Duration::from_secs(10))]).await;
    // Five crashes in a row: 1, 2, 4, 8, 16 s apart; then it runs.
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(crashy.connects.lock().unwrap().len(), 6);
    tokio::time::sleep(HEALTHY_RUN).await;
    // The link drops; the reconnect crashes the supervisor once more.
    crashy.panics.store(1, Ordering::SeqCst);
    crashy.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(15)).await;
    crashy.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(120)).await;
    let connects = crashy.connects.lock().unwrap().clone();
    assert!(connects.len() >= 8, "{}", connects.len());
    let gap = connects[7] - connects[6];
    assert!(
        gap <= Duration::from_secs(2),
        "respawned after {gap:?}, not after the old 32 s backoff"
    );
}
