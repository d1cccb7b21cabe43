//! Actor-level tests over the in-process replay transport, on tokio's paused clock: poll
//! cadence, skipped ticks, offline/online detection and the poller restart policy.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{FleetSettings, ProbeSettings, ProbeSlot};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::fleet::{Fleet, FleetArgs, FleetMsg};
use infrastructor_actors::probes::{PollContext, Probe, ProbeError};
use infrastructor_actors::transport::{ReplayTransport, Transport};
use ractor::{Actor, ActorRef};
use tokio::sync::mpsc::Receiver;

use common::spec;

/// A probe that runs `noop` through the transport, counts its polls, and can be told to take
/// a while or to panic.
#[derive(Clone, Default)]
struct Counting {
    polls: Arc<AtomicU32>,
    takes: Duration,
    panics_left: Arc<AtomicU32>,
}

#[async_trait::async_trait]
impl Probe for Counting {
    fn name(&self) -> &'static str {
        "counting"
    }
    fn required_tool(&self) -> Option<&'static str> {
        None
    }
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        if self.panics_left.load(Ordering::SeqCst) > 0 {
            self.panics_left.fetch_sub(1, Ordering::SeqCst);
            panic!("injected failure");
        }
        ctx.transport.run(&infrastructor_actors::command::noop()).await?;
        self.polls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.takes).await;
        Ok(vec![EventKind::ContainerStatsSampled { containers: vec![] }])
    }
}

fn slot(name: &'static str, every: Duration, probe: Counting) -> ProbeSlot {
    ProbeSlot {
        name,
        required_tool: None,
        settings: ProbeSettings { enabled: true, interval: every },
        make: Arc::new(move || Box::new(probe.clone())),
    }
}

struct World {
    fleet: ActorRef<FleetMsg>,
    events: Receiver<Arc<Event>>,
    transport: Arc<ReplayTransport>,
}

async fn start(slots: Vec<ProbeSlot>) -> World {
    let bus = Bus::new();
    let events = bus.subscribe_lossless("test", 10_000);
    let transport = Arc::new(ReplayTransport::new(|_| Ok(ReplayTransport::ok("Linux 6.1\n"))));
    let t = transport.clone();
    let mut args = FleetArgs::new(FleetSettings::default(), bus, vec![spec("dev1")]);
    args.transports = Arc::new(move |_, _, _| t.clone() as Arc<dyn Transport>);
    args.slots = Arc::new(move |_| slots.clone());
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.unwrap();
    World { fleet, events, transport }
}

/// Waits (on the paused clock) until an event of `type_name` arrives; returns the ones before.
async fn next_of(events: &mut Receiver<Arc<Event>>, type_name: &str) -> Arc<Event> {
    let found = tokio::time::timeout(Duration::from_secs(24 * 3600), async {
        loop {
            let ev = events.recv().await.expect("bus alive");
            if ev.type_name() == type_name {
                return ev;
            }
        }
    });
    found.await.unwrap_or_else(|_| panic!("no {type_name} event within a day"))
}

#[tokio::test(start_paused = true)]
async fn pollers_keep_the_30s_5min_1h_cadence() {
    let (c, m, d) = (Counting::default(), Counting::default(), Counting::default());
    let w = start(vec![
        slot("containers", Duration::from_secs(30), c.clone()),
        slot("metrics", Duration::from_secs(300), m.clone()),
        slot("drives", Duration::from_secs(3600), d.clone()),
    ])
    .await;
    tokio::time::sleep(Duration::from_secs(3599)).await;
    let counts = || [&c, &m, &d].map(|p| p.polls.load(Ordering::SeqCst));
    assert_eq!(counts(), [120, 12, 1], "polls at t=0..3599s");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(counts(), [121, 13, 2], "polls at t=0..3601s");
    w.fleet.stop(None);
}

#[tokio::test(start_paused = true)]
async fn a_tick_during_a_slow_poll_is_skipped_not_queued() {
    let slow = Counting { takes: Duration::from_secs(45), ..Default::default() };
    let w = start(vec![slot("slow", Duration::from_secs(30), slow.clone())]).await;
    // Polls start at 0, 60, 120, 180, 240: the ticks at 30, 90, … fall inside a poll.
    tokio::time::sleep(Duration::from_secs(299)).await;
    assert_eq!(slow.polls.load(Ordering::SeqCst), 5);
    w.fleet.stop(None);
}

#[tokio::test(start_paused = true)]
async fn device_goes_offline_after_three_failures_and_comes_back() {
    let p = Counting::default();
    let mut w = start(vec![slot("containers", Duration::from_secs(30), p.clone())]).await;
    next_of(&mut w.events, "DeviceOnline").await;
    w.transport.set_offline(true);
    let off = next_of(&mut w.events, "DeviceOffline").await;
    match &off.kind {
        EventKind::DeviceOffline { consecutive_failures, reason } => {
            assert_eq!(*consecutive_failures, 3);
            assert!(reason.contains("offline"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let polls_when_offline = p.polls.load(Ordering::SeqCst);
    // Retried with backoff while offline: the transport keeps being asked.
    let calls = w.transport.calls();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(w.transport.calls() > calls + 3, "reconnects are attempted while offline");
    w.transport.set_offline(false);
    next_of(&mut w.events, "DeviceOnline").await;
    next_of(&mut w.events, "ContainerStatsSampled").await;
    assert!(p.polls.load(Ordering::SeqCst) > polls_when_offline, "polling resumed");
    w.fleet.stop(None);
}

#[tokio::test(start_paused = true)]
async fn a_crashed_poller_is_restarted_by_policy_until_the_budget_runs_out() {
    let flaky = Counting { panics_left: Arc::new(AtomicU32::new(2)), ..Default::default() };
    let mut w = start(vec![slot("flaky", Duration::from_secs(30), flaky.clone())]).await;
    for expected in 1..=2 {
        let ev = next_of(&mut w.events, "PollerRestarted").await;
        match &ev.kind {
            EventKind::PollerRestarted { probe, restarts_in_window, reason } => {
                assert_eq!(probe, "flaky");
                assert_eq!(*restarts_in_window, expected);
                assert!(reason.contains("injected failure"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    next_of(&mut w.events, "ContainerStatsSampled").await;
    assert!(flaky.polls.load(Ordering::SeqCst) >= 1);

    // A probe that always panics exhausts the budget (5 restarts per 60 s) and is reported.
    flaky.panics_left.store(u32::MAX, Ordering::SeqCst);
    let failed = next_of(&mut w.events, "ProbeFailed").await;
    match &failed.kind {
        EventKind::ProbeFailed { error, .. } => assert!(error.contains("next attempt"), "{error}"),
        other => panic!("unexpected {other:?}"),
    }
    w.fleet.stop(None);
}

#[tokio::test]
async fn devices_can_be_added_and_removed_at_run_time() {
    let w = start(vec![]).await;
    let list = || async {
        let specs = ractor::call!(w.fleet, FleetMsg::List).unwrap();
        specs.into_iter().map(|s| s.name).collect::<Vec<_>>()
    };
    assert_eq!(list().await, vec!["dev1"]);
    let added = ractor::call!(w.fleet, FleetMsg::Add, Box::new(spec("dev2"))).unwrap();
    assert_eq!(added, Ok(()));
    let dup = ractor::call!(w.fleet, FleetMsg::Add, Box::new(spec("dev2"))).unwrap();
    assert!(dup.unwrap_err().contains("already exists"));
    assert_eq!(list().await, vec!["dev1", "dev2"]);
    assert!(ractor::call!(w.fleet, FleetMsg::Remove, "dev1".to_string()).unwrap().is_ok());
    assert!(ractor::call!(w.fleet, FleetMsg::Remove, "nope".to_string()).unwrap().is_err());
    assert_eq!(list().await, vec!["dev2"]);
    w.fleet.stop(None);
}
