//! The alert lifecycle as a pure state machine: events in (with `now`), alert events out.
//! A condition must hold for its rule's hold-down before it is raised, and stay clear for
//! `clear_for` (past the hysteresis) before it is resolved; a worse severity escalates the
//! same alert; reminders while it fires unacknowledged; maintenance and silences hold the
//! notification back (and are recorded on the event); a suppressed alert still firing when
//! the suppression ends is raised again, unsuppressed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
    /// The watched counters as last seen (a drive's sectors), to send their growth.
    #[serde(skip)]
    pub counters: super::growth::Counters,
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
    /// The keys of `open` by device (a judgement looks at its device's alerts only).
    open_of: HashMap<String, BTreeSet<String>>,
    pending: HashMap<String, DateTime<Utc>>,
    clearing: HashMap<String, DateTime<Utc>>,
    /// Silenced keys or `rule/device` prefixes, until when.
    silences: BTreeMap<String, DateTime<Utc>>,
    /// Containers stopped by a recorded action (device, name): not alerted until they run.
    stopped_by_action: HashSet<(String, String)>,
    /// When each device was last judged (by an event or a tick).
    last_judged: HashMap<String, DateTime<Utc>>,
    /// How many judgements were made (the cost the tick's due-logic keeps down).
    judgements: u64,
    /// The latest capacity fits, by device (fed from the store by the alerts task).
    forecasts: HashMap<String, Vec<crate::analysis::CapacityForecast>>,
}

#[path = "engine_due.rs"]
mod due;

/// A device not judged for this long is judged on the next tick: ages (a snapshot's, a
/// probe failure's) grow without events.
const RESWEEP: chrono::Duration = chrono::Duration::seconds(60);

fn span(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
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
                    if !self.open.contains_key(&alert.key) {
                        let o = OpenAlert {
                            device: ev.device.clone(),
                            alert: alert.clone(),
                            raised_at: ev.observed_at,
                            acknowledged_by: None,
                            suppressed: suppressed.clone(),
                            notified_at: ev.observed_at,
                            counters: Vec::new(),
                        };
                        self.insert_open(alert.key.clone(), o);
                    }
                    let Some(entry) = self.open.get_mut(&alert.key) else { continue };
                    entry.counters = super::growth::of_alert(alert);
                    entry.alert = alert.clone();
                    entry.suppressed = suppressed.clone();
                    entry.notified_at = ev.observed_at;
                }
                EventKind::AlertResolved { alert, .. } => {
                    self.remove_open(&alert.key);
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

    /// Takes in the latest capacity fits of every device (`predict_capacity` over the stored
    /// series) and judges the devices they concern or concerned (the `filesystem_forecast`
    /// rule).
    pub fn set_forecasts(
        &mut self,
        all: Vec<crate::analysis::CapacityForecast>,
        now: DateTime<Utc>,
    ) -> Vec<Out> {
        let mut by: HashMap<String, Vec<_>> = HashMap::new();
        for f in all {
            by.entry(f.device.clone()).or_default().push(f);
        }
        let mut devices: Vec<String> = self.forecasts.keys().chain(by.keys()).cloned().collect();
        devices.sort();
        devices.dedup();
        self.forecasts = by;
        devices.retain(|d| self.fresh.contains(d));
        devices.iter().flat_map(|d| self.judge(d, now)).collect()
    }

    /// How many device judgements were made so far.
    pub fn judgements(&self) -> u64 {
        self.judgements
    }

    /// Silences in force at `now`.
    pub fn silences(&self, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        self.silences.iter().filter(|(_, u)| **u > now).map(|(k, u)| (k.clone(), *u)).collect()
    }

    /// Takes in one event: folds it into its device's state and judges that device.
    pub fn apply(&mut self, ev: &Event, now: DateTime<Utc>) -> Vec<Out> {
        self.apply_shared(&std::sync::Arc::new(ev.clone()), now)
    }

    /// [`Engine::apply`] of an event as the bus shares it (the state keeps it, uncopied).
    pub fn apply_shared(&mut self, ev: &std::sync::Arc<Event>, now: DateTime<Utc>) -> Vec<Out> {
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
                self.last_judged.remove(&ev.device);
                self.forecasts.remove(&ev.device);
                return self.resolve_device(&ev.device, now);
            }
            _ => {}
        }
        self.states.entry(ev.device.clone()).or_default().apply(ev);
        self.fresh.insert(ev.device.clone());
        let device = ev.device.clone();
        self.judge(&device, now)
    }

    /// Judges again the devices with something due now that time alone brings: a pending
    /// key whose hold-down has elapsed, a clearing key whose clear-for has, an open alert
    /// whose reminder is due or whose maintenance or silence has ended; and every device
    /// not judged for a minute (ages such as a snapshot's grow without events).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        self.silences.retain(|_, until| *until > now);
        let due = self.due(now);
        let stale = |d: &str| self.last_judged.get(d).is_none_or(|t| now - *t >= RESWEEP);
        let devices: Vec<String> =
            self.fresh.iter().filter(|d| due.contains(d.as_str()) || stale(d)).cloned().collect();
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
        self.last_judged.insert(device.to_string(), now);
        self.judgements += 1;
        let mine = self.open_of.get(device);
        // Forecast alerts come from the fed fits, not from the checks.
        let checked = |k: &&String| !k.starts_with(super::forecast::PREFIX);
        let firing: Vec<&str> =
            mine.into_iter().flatten().filter(checked).map(String::as_str).collect();
        let mut conds = conditions(device, state, now, &self.settings, &firing);
        // An offline device's stored series are as old as its samples: its fits stay as
        // they were too.
        if let Some(fs) = self.forecasts.get(device)
            && state.online != Some(false)
        {
            conds.extend(super::forecast::conditions(device, fs, now, &self.settings));
        }
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
                    let increase = super::growth::increase(&o.counters, &cond.counters);
                    o.counters = super::growth::merged(&o.counters, &cond.counters);
                    let worse = cond.alert.severity > o.alert.severity;
                    let released = o.suppressed.is_some() && suppressed.is_none();
                    let remind = rule.renotify.is_some_and(|every| {
                        o.acknowledged_by.is_none()
                            && suppressed.is_none()
                            && now - o.notified_at
                                >= chrono::Duration::from_std(every).unwrap_or_default()
                    });
                    if !(worse || released || remind || increase.is_some()) {
                        continue;
                    }
                    let previous = worse.then_some(o.alert.severity);
                    let mut alert = cond.alert.clone();
                    alert.since = o.alert.since;
                    alert.severity = alert.severity.max(o.alert.severity);
                    o.alert = alert.clone();
                    o.suppressed = suppressed.clone();
                    o.notified_at = now;
                    // New damage is news (sent even when acknowledged), not a reminder.
                    if let Some(grew) = &increase {
                        alert.summary = format!("{grew}; {}", alert.summary);
                    }
                    let renotify = remind && !worse && !released && increase.is_none();
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
                    self.insert_open(
                        key.clone(),
                        OpenAlert {
                            device: device.to_string(),
                            alert: alert.clone(),
                            raised_at: now,
                            acknowledged_by: None,
                            suppressed: suppressed.clone(),
                            notified_at: now,
                            counters: cond.counters.clone(),
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
            .open_of
            .get(device)
            .into_iter()
            .flatten()
            .filter(|k| judged(k) && !conds.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            let rule = self.settings.rule(key.split('/').next().unwrap_or(""));
            let since = *self.clearing.entry(key.clone()).or_insert(now);
            if now - since >= chrono::Duration::from_std(rule.clear_for).unwrap_or_default() {
                self.clearing.remove(&key);
                if let Some(o) = self.remove_open(&key) {
                    out.push(resolved(o));
                }
            }
        }
        out
    }

    fn resolve_device(&mut self, device: &str, _now: DateTime<Utc>) -> Vec<Out> {
        let keys: Vec<String> = self.open_of.get(device).into_iter().flatten().cloned().collect();
        keys.into_iter().filter_map(|k| self.remove_open(&k)).map(resolved).collect()
    }

    fn insert_open(&mut self, key: String, o: OpenAlert) {
        self.open_of.entry(o.device.clone()).or_default().insert(key.clone());
        self.open.insert(key, o);
    }

    fn remove_open(&mut self, key: &str) -> Option<OpenAlert> {
        let o = self.open.remove(key)?;
        if let Some(keys) = self.open_of.get_mut(&o.device) {
            keys.remove(key);
            if keys.is_empty() {
                self.open_of.remove(&o.device);
            }
        }
        Some(o)
    }
}

/// The recovery of `o`: held back exactly when its raise was (nobody was told it broke).
fn resolved(o: OpenAlert) -> Out {
    let kind = EventKind::AlertResolved { alert: o.alert, suppressed: o.suppressed };
    Out { device: o.device, kind }
}
