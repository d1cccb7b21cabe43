//! Poller actor: runs one probe on its interval (or at once when asked), publishes its events,
//! and reports each outcome through a small sink.
//!
//! The poll runs in a task of its own so ticks keep being handled while it is in flight: a
//! tick that arrives then is skipped and counted, never queued behind a slow poll; a "poll
//! now" request arriving then shares the in-flight poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::budget::{Budgeted, ChannelBudget};
use super::outcome::{OutcomeSink, PollOutcome, PollReport, classify};
use super::poll_task;
use crate::bus::Bus;
use crate::probes::Probe;
use crate::transport::Transport;

/// Runs one probe of one device.
pub struct Poller;

/// Messages of a [`Poller`].
pub enum PollerMsg {
    /// Interval tick: start a poll unless one is in flight or the poller is paused.
    Tick,
    /// Poll now (sharing an in-flight poll) and reply with its report.
    PollNow(RpcReplyPort<PollReport>),
    /// A poll finished; the probe comes back with the report.
    Done(Box<dyn Probe>, PollReport),
    /// The poll task panicked; the poller fails so its supervisor applies the restart policy.
    Crashed(String),
    /// Pause (device offline) or resume polling; resuming polls at once.
    SetPaused(bool),
}

/// What a [`Poller`] is started with.
pub struct PollerArgs {
    /// The probe to run (moved into each poll task and back).
    pub probe: Box<dyn Probe>,
    /// Everything else, fixed for the poller's life.
    pub config: PollerConfig,
}

/// The fixed inputs of every poll of one poller.
pub struct PollerConfig {
    /// Device name, stamped on every event.
    pub device: String,
    /// Time between polls.
    pub interval: Duration,
    /// The device's transport, shared with its other pollers.
    pub transport: Arc<dyn Transport>,
    /// The device's channel budget, shared with its other pollers.
    pub budget: Arc<ChannelBudget>,
    /// The device's connection generation; stamped on every outcome.
    pub generation: Arc<AtomicU64>,
    /// Where events go.
    pub bus: Bus,
    /// Receives each poll's outcome (the device supervisor, for offline detection).
    pub sink: OutcomeSink,
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
    /// Fixed inputs of every poll.
    args: PollerConfig,
    /// The probe between polls; `None` while a poll task holds it.
    probe: Option<Box<dyn Probe>>,
    /// Sends `Tick` on the interval; aborted on drop.
    ticker: JoinHandle<()>,
    /// The in-flight poll; aborted on drop (also when killed by a dying supervisor).
    in_flight: Option<JoinHandle<()>>,
    /// "Poll now" callers waiting for the in-flight poll.
    waiters: Vec<RpcReplyPort<PollReport>>,
    /// Last non-transport error reported as `ProbeFailed`, to avoid an event storm.
    last_error: Option<String>,
    /// The last poll hung: the next one runs under the suspect share of the budget.
    suspect: bool,
    /// Paused while the device is offline.
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
        PollerArgs { probe, config: args }: PollerArgs,
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
            name: probe.name(),
            paused: args.paused,
            args,
            probe: Some(probe),
            ticker,
            in_flight: None,
            waiters: Vec::new(),
            last_error: None,
            suspect: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<PollerMsg>,
        msg: PollerMsg,
        state: &mut PollerState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PollerMsg::Tick => state.start_poll(myself),
            PollerMsg::PollNow(reply) => {
                if state.paused {
                    let _ = reply.send(PollReport::refused(state.name, "the device is offline"));
                } else {
                    state.waiters.push(reply);
                    state.start_poll(myself);
                }
            }
            PollerMsg::SetPaused(paused) => {
                state.paused = paused;
                if !paused {
                    state.start_poll(myself);
                }
            }
            PollerMsg::Done(probe, report) => {
                state.probe = Some(probe);
                state.in_flight = None;
                state.report(&report).await;
                for w in state.waiters.drain(..) {
                    let _ = w.send(report.clone());
                }
            }
            PollerMsg::Crashed(reason) => return Err(reason.into()),
        }
        Ok(())
    }
}

impl PollerState {
    fn start_poll(&mut self, myself: ActorRef<PollerMsg>) {
        if self.paused {
            return;
        }
        let Some(probe) = self.probe.take() else {
            if self.waiters.is_empty() {
                metrics::counter!("infrastructor_poll_ticks_skipped_total", "probe" => self.name)
                    .increment(1);
            }
            return;
        };
        let a = &self.args;
        let transport = Budgeted {
            inner: a.transport.clone(),
            budget: a.budget.clone(),
            suspect: self.suspect,
        };
        let job = poll_task::Job {
            probe,
            transport,
            bus: a.bus.clone(),
            device: a.device.clone(),
            sudo: a.sudo,
            command_timeout: a.command_timeout,
            generation: a.generation.load(Ordering::Acquire),
        };
        let name = self.name;
        self.in_flight = Some(tokio::spawn(async move {
            let started = std::time::Instant::now();
            let msg = match poll_task::run(job).await {
                Ok((probe, report)) => {
                    metrics::histogram!("infrastructor_poll_duration_seconds", "probe" => name)
                        .record(started.elapsed().as_secs_f64());
                    PollerMsg::Done(probe, report)
                }
                Err(reason) => PollerMsg::Crashed(reason),
            };
            let _ = myself.cast(msg);
        }));
    }

    /// Publishes a `ProbeFailed` once per distinct error, counts, and tells the sink.
    async fn report(&mut self, report: &PollReport) {
        let probe = self.name;
        let outcome = classify(report);
        self.suspect = report.hung;
        match (&report.error, &outcome) {
            (Some(msg), PollOutcome::Failed) if self.last_error.as_deref() != Some(msg) => {
                tracing::warn!(device = %self.args.device, probe, error = %msg, "poll failed");
                let kind = crate::events::EventKind::ProbeFailed {
                    probe: probe.to_string(),
                    error: msg.clone(),
                };
                let ev =
                    crate::events::Event::new(self.args.device.clone(), chrono::Utc::now(), kind);
                self.args.bus.publish(ev).await;
                self.last_error = Some(msg.clone());
            }
            (None, _) => self.last_error = None,
            _ => {}
        }
        let ok = if report.error.is_none() { "true" } else { "false" };
        let label = match &outcome {
            PollOutcome::Ok => "ok",
            PollOutcome::Unreachable(_) => "unreachable",
            PollOutcome::Failed => "failed",
        };
        let labels = [("probe", probe), ("ok", ok), ("outcome", label)];
        metrics::counter!("infrastructor_polls_total", &labels).increment(1);
        (self.args.sink)(probe, report.generation, outcome);
    }
}
