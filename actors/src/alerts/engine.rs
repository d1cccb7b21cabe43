//! The alert lifecycle as a pure state machine: events in (with `now`), alert events out.
//! A condition must hold for its rule's hold-down before it is raised, and stay clear for
//! `clear_for` (past the hysteresis) before it is resolved; a worse severity escalates the
//! same alert; reminders while it fires unacknowledged; maintenance and silences hold the
//! notification back (and are recorded on the event); a suppressed alert still firing when
//! the suppression ends is raised again, unsuppressed.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::rules::{RuleSettings, conditions};
use crate::events::{Event, EventKind};
use crate::model::alerts::{Alert, Suppressed};
use crate::state::DeviceState;

/// A firing alert as the engine holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct OpenAlert {
    /// The device.
    pub device: String,
    /// The alert as last raised.
    pub alert: Alert,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// Who acknowledged it, if anyone.
    pub acknowledged_by: Option<String>,
    /// Why its notifications are held back, if they are.
    pub suppressed: Option<Suppressed>,
    /// When a notification (raise, escalation, reminder) was last sent for it.
    #[serde(skip)]
    pub notified_at: DateTime<Utc>,
}

/// An alert event to publish for `device`.
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    /// The device the event is about.
    pub device: String,
    /// `AlertRaised` or `AlertResolved`.
    pub kind: EventKind,
}

/// The engine's whole state.
#[derive(Debug, Default)]
pub struct Engine {
    settings: RuleSettings,
    states: HashMap<String, DeviceState>,
    /// Devices heard from since the engine started: only they are judged (a restored state
    /// is not news).
    fresh: HashSet<String>,
    open: BTreeMap<String, OpenAlert>,
    pending: HashMap<String, DateTime<Utc>>,
    clearing: HashMap<String, DateTime<Utc>>,
    /// Silenced keys or `rule/device` prefixes, until when.
    silences: BTreeMap<String, DateTime<Utc>>,
    /// Containers stopped by a recorded action (device, name): not alerted until they run.
    stopped_by_action: HashSet<(String, String)>,
    /// When every device was last judged by a tick.
    last_full: Option<DateTime<Utc>>,
}

impl Engine {
    /// An engine with `settings` over the restored `states`.
    pub fn new(settings: RuleSettings, states: HashMap<String, DeviceState>) -> Self {
        Self { settings, states, ..Self::default() }
    }

    /// Folds stored alert events (oldest first): open alerts, acknowledgements, silences.
    pub fn restore(&mut self, stored: &[Event]) {
        for ev in stored {
            match &ev.kind {
                EventKind::AlertRaised { alert, suppressed, .. } => {
                    let entry = self.open.entry(alert.key.clone()).or_insert(OpenAlert {
                        device: ev.device.clone(),
                        alert: alert.clone(),
                        raised_at: ev.observed_at,
                        acknowledged_by: None,
                        suppressed: suppressed.clone(),
                        notified_at: ev.observed_at,
                    });
                    entry.alert = alert.clone();
                    entry.suppressed = suppressed.clone();
                    entry.notified_at = ev.observed_at;
                }
                EventKind::AlertResolved { alert, .. } => {
                    self.open.remove(&alert.key);
                }
                _ => self.fold_admin(ev),
            }
        }
    }

    fn fold_admin(&mut self, ev: &Event) {
        match &ev.kind {
            EventKind::AlertAcknowledged { key, by, .. } => {
                if let Some(o) = self.open.get_mut(key) {
                    o.acknowledged_by = Some(by.clone());
                }
            }
            EventKind::AlertSilenced { key, until, .. } => {
                self.silences.insert(key.clone(), *until);
            }
            _ => {}
        }
    }

    /// The firing alerts, by key.
    pub fn open(&self) -> Vec<OpenAlert> {
        self.open.values().cloned().collect()
    }

    /// Silences in force at `now`.
    pub fn silences(&self, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        self.silences.iter().filter(|(_, u)| **u > now).map(|(k, u)| (k.clone(), *u)).collect()
    }

    /// Takes in one event: folds it into its device's state and judges that device.
    pub fn apply(&mut self, ev: &Event, now: DateTime<Utc>) -> Vec<Out> {
        match &ev.kind {
            // Its own output comes back through the bus: already accounted for.
            EventKind::AlertRaised { .. } | EventKind::AlertResolved { .. } => return Vec::new(),
            EventKind::AlertAcknowledged { .. } | EventKind::AlertSilenced { .. } => {
                self.fold_admin(ev);
                return Vec::new();
            }
            EventKind::ActionPerformed { action, target, ok: true, .. }
                if action == "container.stop" =>
            {
                self.stopped_by_action.insert((ev.device.clone(), target.clone()));
            }
            // Stopped by an action until it is seen running again.
            EventKind::ContainerStatsSampled { containers } => {
                for c in containers.iter().filter(|c| c.is_running()) {
                    self.stopped_by_action.remove(&(ev.device.clone(), c.name.clone()));
                }
            }
            EventKind::DeviceRemoved {} => {
                self.states.remove(&ev.device);
                self.fresh.remove(&ev.device);
                return self.resolve_device(&ev.device, now);
            }
            _ => {}
        }
        let arc = std::sync::Arc::new(ev.clone());
        self.states.entry(ev.device.clone()).or_default().apply(&arc);
        self.fresh.insert(ev.device.clone());
        let device = ev.device.clone();
        self.judge(&device, now)
    }

    /// Judges again the devices with something that time alone can change: a hold-down or
    /// a clear-for running, an open alert (reminders, the end of maintenance or of a
    /// silence), or an offline device (its grace); every device once a minute (ages such as
    /// a snapshot's grow without events).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        self.silences.retain(|_, until| *until > now);
        let all = self.last_full.is_none_or(|t| now - t >= chrono::Duration::seconds(60));
        if all {
            self.last_full = Some(now);
        }
        let device_of = |k: &String| k.split('/').nth(1).map(String::from);
        let mut busy: HashSet<String> = self.pending.keys().filter_map(device_of).collect();
        busy.extend(self.clearing.keys().filter_map(device_of));
        busy.extend(self.open.values().map(|o| o.device.clone()));
        busy.extend(
            self.states.iter().filter(|(_, s)| s.online == Some(false)).map(|(d, _)| d.clone()),
        );
        let devices: Vec<String> =
            self.fresh.iter().filter(|d| all || busy.contains(*d)).cloned().collect();
        devices.iter().flat_map(|d| self.judge(d, now)).collect()
    }

    fn suppression(&self, device: &str, key: &str, now: DateTime<Utc>) -> Option<Suppressed> {
        let state = self.states.get(device);
        if state.and_then(|s| s.maintenance.as_ref()).is_some_and(|m| m.active(now)) {
            return Some(Suppressed::Maintenance);
        }
        self.silences
            .iter()
            .filter(|(k, until)| **until > now && (key == *k || key.starts_with(&format!("{k}/"))))
            .map(|(_, until)| Suppressed::Silenced { until: *until })
            .next()
    }

    fn judge(&mut self, device: &str, now: DateTime<Utc>) -> Vec<Out> {
        let Some(state) = self.states.get(device) else { return Vec::new() };
        let open = &self.open;
        let firing = |k: &str| open.contains_key(k);
        let mut conds = conditions(device, state, now, &self.settings, &firing);
        conds.retain(|_, c| {
            !(c.alert.rule == "container"
                && c.alert.object.as_ref().is_some_and(|o| {
                    self.stopped_by_action.contains(&(device.to_string(), o.clone()))
                }))
        });
        let mut out = Vec::new();
        for (key, cond) in &conds {
            self.clearing.remove(key);
            let rule = self.settings.rule(&cond.alert.rule);
            let suppressed = self.suppression(device, key, now);
            match self.open.get_mut(key) {
                Some(o) => {
                    let worse = cond.alert.severity > o.alert.severity;
                    let released = o.suppressed.is_some() && suppressed.is_none();
                    let remind = rule.renotify.is_some_and(|every| {
                        o.acknowledged_by.is_none()
                            && suppressed.is_none()
                            && now - o.notified_at
                                >= chrono::Duration::from_std(every).unwrap_or_default()
                    });
                    if !(worse || released || remind) {
                        continue;
                    }
                    let previous = worse.then_some(o.alert.severity);
                    let mut alert = cond.alert.clone();
                    alert.since = o.alert.since;
                    alert.severity = alert.severity.max(o.alert.severity);
                    o.alert = alert.clone();
                    o.suppressed = suppressed.clone();
                    o.notified_at = now;
                    let renotify = remind && !worse && !released;
                    let kind = EventKind::AlertRaised { alert, previous, renotify, suppressed };
                    out.push(Out { device: device.to_string(), kind });
                }
                None => {
                    let since = *self.pending.entry(key.clone()).or_insert(now);
                    if now - since < chrono::Duration::from_std(rule.hold).unwrap_or_default() {
                        continue;
                    }
                    self.pending.remove(key);
                    let mut alert = cond.alert.clone();
                    alert.since = since;
                    self.open.insert(
                        key.clone(),
                        OpenAlert {
                            device: device.to_string(),
                            alert: alert.clone(),
                            raised_at: now,
                            acknowledged_by: None,
                            suppressed: suppressed.clone(),
                            notified_at: now,
                        },
                    );
                    let kind = EventKind::AlertRaised {
                        alert,
                        previous: None,
                        renotify: false,
                        suppressed,
                    };
                    out.push(Out { device: device.to_string(), kind });
                }
            }
        }
        let prefix = |k: &str| k.split('/').nth(1) == Some(device);
        self.pending.retain(|k, _| !prefix(k) || conds.contains_key(k));
        // While the device is offline its samples are old news: what fired from them stays
        // as it was (neither resolved nor raised) until it answers again.
        let offline = self.states.get(device).is_some_and(|s| s.online == Some(false));
        let judged = |k: &str| !offline || k.starts_with("device_offline/");
        let gone: Vec<String> = self
            .open
            .keys()
            .filter(|k| prefix(k) && judged(k) && !conds.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            let rule = self.settings.rule(key.split('/').next().unwrap_or(""));
            let since = *self.clearing.entry(key.clone()).or_insert(now);
            if now - since >= chrono::Duration::from_std(rule.clear_for).unwrap_or_default() {
                self.clearing.remove(&key);
                if let Some(o) = self.open.remove(&key) {
                    out.push(resolved(o));
                }
            }
        }
        out
    }

    fn resolve_device(&mut self, device: &str, _now: DateTime<Utc>) -> Vec<Out> {
        let keys: Vec<String> =
            self.open.iter().filter(|(_, o)| o.device == device).map(|(k, _)| k.clone()).collect();
        keys.into_iter().filter_map(|k| self.open.remove(&k)).map(resolved).collect()
    }
}

/// The recovery of `o`: held back exactly when its raise was (nobody was told it broke).
fn resolved(o: OpenAlert) -> Out {
    let kind = EventKind::AlertResolved { alert: o.alert, suppressed: o.suppressed };
    Out { device: o.device, kind }
}
