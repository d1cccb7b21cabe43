//! The device supervisor's pollers: which run (by capabilities), starting them, and
//! restarting crashed ones under the restart policy.

use ractor::{Actor, ActorRef};
use tokio::time::Instant;

use super::outcome::OutcomeSink;
use super::poller::{Poller, PollerArgs, PollerConfig};
use super::slots::ProbeSlot;
use super::supervisor::{DeviceSupervisorMsg, DeviceSupervisorState};
use crate::events::EventKind;

impl DeviceSupervisorState {
    /// Emits `ProbeSkipped` for every slot whose tool the device lacks.
    pub(super) async fn report_skipped(&self) {
        let Some(caps) = &self.capabilities else { return };
        for slot in &self.args.slots {
            if let Some(tool) = slot.required_tool.filter(|t| !caps.has(t)) {
                let reason = format!("`{tool}` was not found on the device");
                tracing::info!(device = %self.device(), probe = slot.name, %reason, "probe skipped");
                self.publish(EventKind::ProbeSkipped { probe: slot.name.into(), reason }).await;
            }
        }
    }

    /// Starts a poller for every slot whose tool exists and that is not running or waiting
    /// for a policy restart; stops pollers whose tool disappeared.
    pub(super) async fn reconcile(&mut self, myself: &ActorRef<DeviceSupervisorMsg>) {
        let caps = self.capabilities.clone().unwrap_or_default();
        for slot in self.args.slots.clone() {
            let available = slot.required_tool.is_none_or(|t| caps.has(t));
            if self.restart_pending.contains(slot.name) {
                continue;
            }
            match (self.pollers.get(slot.name).cloned(), available) {
                (None, true) => self.spawn(myself, &slot).await,
                (Some(p), false) => {
                    // Forget it first so its termination is not taken for a crash.
                    self.pollers.remove(slot.name);
                    self.by_id.remove(&p.get_id());
                    p.stop(Some("tool disappeared".into()));
                }
                _ => {}
            }
        }
    }

    async fn spawn(&mut self, myself: &ActorRef<DeviceSupervisorMsg>, slot: &ProbeSlot) {
        let me = myself.clone();
        let sink: OutcomeSink = std::sync::Arc::new(move |probe, generation, outcome| {
            let _ = me.cast(DeviceSupervisorMsg::Outcome { probe, generation, outcome });
        });
        let config = PollerConfig {
            device: self.device().to_string(),
            interval: slot.settings.interval,
            transport: self.args.transport.clone(),
            budget: self.budget.clone(),
            generation: self.generation.clone(),
            bus: self.args.bus.clone(),
            sink,
            sudo: self.args.spec.sudo,
            paused: self.online != Some(true),
            command_timeout: self.args.settings.command_timeout,
        };
        let mut probe = (slot.make)();
        if let Some(last) = (self.args.last_sample)(self.device(), slot.name) {
            tracing::debug!(device = %self.device(), probe = slot.name, observed_at = %last.observed_at, "probe resumed from its last sample");
            probe.resume(&last);
        }
        let (read, device) = (self.args.last_sample.clone(), self.device().to_owned());
        probe.attach(&crate::probes::DeviceFacts {
            capabilities: self.capabilities.clone(),
            samples: std::sync::Arc::new(move |probe| read(&device, probe)),
        });
        let args = PollerArgs { probe, config };
        match Actor::spawn_linked(None, Poller, args, myself.get_cell()).await {
            Ok((poller, _)) => {
                self.by_id.insert(poller.get_id(), slot.name);
                self.pollers.insert(slot.name, poller);
            }
            Err(e) => {
                tracing::error!(device = %self.device(), probe = slot.name, error = %e, "cannot start poller");
            }
        }
    }

    pub(super) async fn schedule_restart(
        &mut self,
        myself: &ActorRef<DeviceSupervisorMsg>,
        name: &'static str,
        reason: String,
    ) {
        let policy = self.args.settings.restart;
        let now = Instant::now();
        let window = self.restarts.entry(name).or_default();
        while window.front().is_some_and(|t| now.duration_since(*t) > policy.window) {
            window.pop_front();
        }
        let used = window.len() as u32;
        let delay = if used < policy.max_restarts {
            window.push_back(now);
            tracing::warn!(device = %self.device(), probe = name, %reason, "poller crashed; restarting");
            self.publish(EventKind::PollerRestarted {
                probe: name.into(),
                restarts_in_window: used + 1,
                reason,
            })
            .await;
            policy.delay(used)
        } else {
            let error = format!(
                "poller crashed {used} times within {:?} ({reason}); next attempt in {:?}",
                policy.window, policy.window
            );
            tracing::error!(device = %self.device(), probe = name, %error, "restart budget exhausted");
            self.publish(EventKind::ProbeFailed { probe: name.into(), error }).await;
            policy.window
        };
        self.restart_pending.insert(name);
        myself.send_after(delay, move || DeviceSupervisorMsg::RestartPoller(name));
    }
}
