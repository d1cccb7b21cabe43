//! Poller actor: runs one probe on its interval, publishes its events, reports the outcome.
//!
//! The poll runs in a task of its own so ticks keep being handled while it is in flight: a
//! tick that arrives then is skipped and counted, never queued behind a slow poll.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::supervisor::{DeviceSupervisorMsg, PollOutcome};
use crate::bus::Bus;
use crate::events::{Event, EventKind};
use crate::probes::{PollContext, Probe, ProbeError};
use crate::transport::Transport;

/// Deadline of the liveness check that follows a command timeout.
const LIVENESS_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs one probe of one device.
pub struct Poller;

/// Messages of a [`Poller`].
pub enum PollerMsg {
    /// Interval tick: start a poll unless one is in flight or the poller is paused.
    Tick,
    /// A poll finished; the probe comes back with the outcome.
    Done(Box<dyn Probe>, Result<(), ProbeError>),
    /// The poll task panicked; the poller fails so its supervisor applies the restart policy.
    Crashed(String),
    /// Pause (device offline) or resume polling; resuming polls at once.
    SetPaused(bool),
}

/// What a [`Poller`] is started with.
pub struct PollerArgs {
    /// Device name, stamped on every event.
    pub device: String,
    /// The probe to run (moved into each poll task and back).
    pub probe: Box<dyn Probe>,
    /// Time between polls.
    pub interval: Duration,
    /// The device's transport, shared with its other pollers.
    pub transport: Arc<dyn Transport>,
    /// Where events go.
    pub bus: Bus,
    /// Receives each poll's outcome (for offline detection).
    pub supervisor: ActorRef<DeviceSupervisorMsg>,
    /// Run privileged tools through `sudo -n`.
    pub sudo: bool,
    /// Start paused (device currently offline).
    pub paused: bool,
    /// Deadline of every command a poll runs.
    pub command_timeout: Duration,
}

/// State of a running [`Poller`].
pub struct PollerState {
    /// Probe name, fixed for the poller's life.
    name: &'static str,
    /// Device name.
    device: String,
    /// The device's transport.
    transport: Arc<dyn Transport>,
    /// Where events go.
    bus: Bus,
    /// Receives poll outcomes.
    supervisor: ActorRef<DeviceSupervisorMsg>,
    /// Run privileged tools through `sudo -n`.
    sudo: bool,
    /// Deadline of every command a poll runs.
    command_timeout: Duration,
    /// The probe between polls; `None` while a poll task holds it.
    probe: Option<Box<dyn Probe>>,
    /// Sends `Tick` on the interval; aborted on drop.
    ticker: JoinHandle<()>,
    /// The in-flight poll; aborted on drop (also when killed by a dying supervisor).
    in_flight: Option<JoinHandle<()>>,
    /// Ticks skipped because a poll was still running.
    skipped: u64,
    /// Last non-transport error reported as `ProbeFailed`, to avoid an event storm.
    last_error: Option<String>,
    paused: bool,
}

impl Drop for PollerState {
    fn drop(&mut self) {
        self.ticker.abort();
        if let Some(t) = self.in_flight.take() {
            t.abort();
        }
    }
}

impl Actor for Poller {
    type Msg = PollerMsg;
    type State = PollerState;
    type Arguments = PollerArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<PollerMsg>,
        args: PollerArgs,
    ) -> Result<PollerState, ActorProcessingErr> {
        let period = args.interval.max(Duration::from_millis(10));
        let me = myself.clone();
        // The first tick of a tokio interval completes at once: the first poll is immediate.
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                if me.cast(PollerMsg::Tick).is_err() {
                    return;
                }
            }
        });
        Ok(PollerState {
            name: args.probe.name(),
            device: args.device,
            transport: args.transport,
            bus: args.bus,
            supervisor: args.supervisor,
            sudo: args.sudo,
            command_timeout: args.command_timeout,
            probe: Some(args.probe),
            ticker,
            in_flight: None,
            skipped: 0,
            last_error: None,
            paused: args.paused,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<PollerMsg>,
        msg: PollerMsg,
        state: &mut PollerState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PollerMsg::Tick => start_poll(myself, state),
            PollerMsg::SetPaused(paused) => {
                state.paused = paused;
                if !paused {
                    start_poll(myself, state);
                }
            }
            PollerMsg::Done(probe, outcome) => {
                state.probe = Some(probe);
                state.in_flight = None;
                report(state, outcome).await;
            }
            PollerMsg::Crashed(reason) => return Err(reason.into()),
        }
        Ok(())
    }
}

fn start_poll(myself: ActorRef<PollerMsg>, state: &mut PollerState) {
    if state.paused {
        return;
    }
    let Some(mut probe) = state.probe.take() else {
        state.skipped += 1;
        metrics::counter!("infrastructor_poll_ticks_skipped_total", "probe" => state.name)
            .increment(1);
        return;
    };
    let transport = state.transport.clone();
    let bus = state.bus.clone();
    let device = state.device.clone();
    let (sudo, command_timeout) = (state.sudo, state.command_timeout);
    state.in_flight = Some(tokio::spawn(async move {
        let run = async {
            let observed_at = chrono::Utc::now();
            let ctx =
                PollContext { transport: transport.as_ref(), observed_at, sudo, command_timeout };
            let mut outcome = probe.poll(&ctx).await;
            if let Err(e) = &outcome
                && e.is_timeout()
            {
                // A hung tool, or a dead link? Ask the device something trivial.
                let alive =
                    crate::command::Command { timeout: LIVENESS_TIMEOUT, ..crate::command::noop() };
                if let Err(dead) = transport.run(&alive).await {
                    outcome =
                        Err(ProbeError::Transport(dead.into_unreachable(transport.describe())));
                }
            }
            let outcome = match outcome {
                Ok(events) => {
                    for kind in events {
                        bus.publish(Event::new(device.clone(), observed_at, kind)).await;
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            };
            (probe, outcome)
        };
        match AssertUnwindSafe(run).catch_unwind().await {
            Ok((probe, outcome)) => {
                let _ = myself.cast(PollerMsg::Done(probe, outcome));
            }
            Err(panic) => {
                let reason = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "probe panicked".into());
                let _ = myself.cast(PollerMsg::Crashed(format!("probe panicked: {reason}")));
            }
        }
    }));
}

async fn report(state: &mut PollerState, outcome: Result<(), ProbeError>) {
    let probe = state.name;
    let unreachable = outcome.as_ref().err().filter(|e| e.is_unreachable()).map(|e| e.to_string());
    if let Err(e) = &outcome {
        if !e.is_unreachable() {
            let msg = e.to_string();
            if state.last_error.as_deref() != Some(msg.as_str()) {
                tracing::warn!(device = %state.device, probe, error = %msg, "poll failed");
                let kind = EventKind::ProbeFailed { probe: probe.to_string(), error: msg.clone() };
                let ev = Event::new(state.device.clone(), chrono::Utc::now(), kind);
                state.bus.publish(ev).await;
                state.last_error = Some(msg);
            }
        }
    } else {
        state.last_error = None;
    }
    metrics::counter!("infrastructor_polls_total", "probe" => probe, "ok" => if outcome.is_ok() { "true" } else { "false" }).increment(1);
    let outcome = match (outcome.is_ok(), unreachable) {
        (true, _) => PollOutcome::Ok,
        (false, Some(err)) => PollOutcome::Unreachable(err),
        (false, None) => PollOutcome::Failed,
    };
    let _ = state.supervisor.cast(DeviceSupervisorMsg::PollOutcome { probe, outcome });
}
