//! The alerting task on the bus: every event is folded into its own copy of the devices'
//! states and judged by the rules (`rules.rs`, the diagnosis's checks); the lifecycle
//! (`engine.rs`) turns conditions into `AlertRaised` / `AlertResolved` events, published on
//! the bus like any other (so they are stored, streamed on the `alerts` topic, and sent by
//! the notifiers). Open alerts are rebuilt from the stored alert events at start-up, so a
//! restart sends no duplicate and misses no recovery.

mod condition;
mod engine;
mod forecast;
mod growth;
pub mod rules;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use engine::{Engine, OpenAlert, Out};
pub use rules::{Override, RULES, Rule, RuleSettings};

use crate::analysis::CapacityForecast;
use crate::bus::Bus;
use crate::events::Event;
use crate::state::Snapshot;

/// How often hold-downs, reminders and expiries are looked at without an event.
pub const TICK: Duration = Duration::from_secs(5);

/// How often the capacity forecasts are fitted again from the store (and once at start).
pub const FORECAST_EVERY: Duration = Duration::from_secs(3600);

/// How much history the forecasts fit: 14 days, in hourly buckets.
pub const FORECAST_WINDOW: chrono::Duration = chrono::Duration::days(14);

/// What readers see of the engine: the firing alerts and the silences in force.
#[derive(Debug, Clone, Default)]
pub struct AlertsView {
    /// Firing alerts, by key.
    pub open: Vec<OpenAlert>,
    /// Silenced keys (or `rule/device` prefixes) and until when.
    pub silences: Vec<(String, chrono::DateTime<chrono::Utc>)>,
}

/// The running alerting task.
pub struct Alerts {
    view: watch::Receiver<Arc<AlertsView>>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    publisher: Option<JoinHandle<()>>,
    forecasts: mpsc::Sender<Vec<CapacityForecast>>,
    forecaster: Option<JoinHandle<()>>,
    thresholds: crate::analysis::Thresholds,
}

impl Alerts {
    /// Starts judging `bus`'s events with `settings`, from the devices' restored states and
    /// the stored alert events (oldest first).
    pub fn spawn(bus: &Bus, snapshot: &Snapshot, stored: &[Event], settings: RuleSettings) -> Self {
        let states: HashMap<_, _> =
            snapshot.devices.iter().map(|(n, s)| (n.clone(), (**s).clone())).collect();
        let thresholds = settings.thresholds.clone();
        let mut engine = Engine::new(settings, states);
        engine.restore(stored);
        let now = chrono::Utc::now();
        let (view_tx, view) = watch::channel(Arc::new(AlertsView {
            open: engine.open(),
            silences: engine.silences(now),
        }));
        let rx = bus.subscribe_lossless("alerts", 4096);
        // Publishing happens in a task of its own: publishing from inside a lossless
        // subscriber could wait on this very subscriber's full queue.
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Out>();
        let publisher_bus = bus.clone();
        let publisher = tokio::spawn(async move {
            while let Some(o) = out_rx.recv().await {
                publisher_bus.publish(Event::new(o.device, chrono::Utc::now(), o.kind)).await;
            }
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let (forecasts, fits) = mpsc::channel(2);
        let task = tokio::spawn(run(engine, rx, fits, out_tx, view_tx, stop_rx));
        Self {
            view,
            stop: stop_tx,
            task: Some(task),
            publisher: Some(publisher),
            forecasts,
            forecaster: None,
            thresholds,
        }
    }

    /// Fits capacity forecasts from `store` at once and every [`FORECAST_EVERY`], and
    /// feeds them to the engine (the `filesystem_forecast` rule). A failed read keeps the
    /// last fits.
    pub fn forecast_from(&mut self, store: crate::store::Store) {
        let (tx, t) = (self.forecasts.clone(), self.thresholds.clone());
        let mut stop = self.stop.subscribe();
        self.forecaster = Some(tokio::spawn(async move {
            let mut every = tokio::time::interval(FORECAST_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = every.tick() => {}
                }
                match forecasts(&store, &t, chrono::Utc::now()).await {
                    Ok(f) => {
                        if tx.send(f).await.is_err() {
                            break;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "capacity forecasts not fitted"),
                }
            }
        }));
    }

    /// Feeds the engine these capacity fits (what [`Alerts::forecast_from`] does hourly).
    pub async fn feed_forecasts(&self, fits: Vec<CapacityForecast>) {
        let _ = self.forecasts.send(fits).await;
    }

    /// The firing alerts and silences now.
    pub fn view(&self) -> Arc<AlertsView> {
        self.view.borrow().clone()
    }

    /// A reader of the view (for the query facade).
    pub fn watcher(&self) -> watch::Receiver<Arc<AlertsView>> {
        self.view.clone()
    }

    /// Stops judging and publishes what was already decided (within `within`), so the bus
    /// can be dropped afterwards.
    pub async fn stop(mut self, within: Duration) {
        let _ = self.stop.send(true);
        if let Some(f) = self.forecaster.take() {
            f.abort();
        }
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(within, t).await;
        }
        if let Some(p) = self.publisher.take()
            && tokio::time::timeout(within, p).await.is_err()
        {
            tracing::warn!("alert events not published before shutdown; they are raised again");
        }
    }
}

/// The capacity fits of every device over the last [`FORECAST_WINDOW`] of `store`.
pub async fn forecasts(
    store: &crate::store::Store,
    t: &crate::analysis::Thresholds,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<CapacityForecast>, crate::store::StoreError> {
    let series = store.capacity(None, now - FORECAST_WINDOW, now).await?;
    // The threshold asked for only sets `crosses_at`; the rule computes its own from the fit.
    Ok(crate::analysis::predict_capacity(&series, 100.0, t).unwrap_or_default())
}

async fn run(
    mut engine: Engine,
    mut rx: mpsc::Receiver<Arc<Event>>,
    mut fits: mpsc::Receiver<Vec<CapacityForecast>>,
    out: mpsc::UnboundedSender<Out>,
    view: watch::Sender<Arc<AlertsView>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(256);
    loop {
        let now = chrono::Utc::now();
        let (outs, events) = tokio::select! {
            _ = stop.changed() => break,
            n = rx.recv_many(&mut batch, 256) => {
                if n == 0 {
                    break;
                }
                let outs: Vec<Out> = batch.iter().flat_map(|ev| engine.apply_shared(ev, now)).collect();
                // Acknowledgements and silences change the view without any output.
                let admin = batch.iter().any(|e| {
                    matches!(e.type_name(), "AlertAcknowledged" | "AlertSilenced")
                });
                batch.clear();
                (outs, admin)
            }
            _ = tick.tick() => (engine.tick(now), false),
            Some(f) = fits.recv() => (engine.set_forecasts(f, now), false),
        };
        let changed = events || !outs.is_empty();
        for o in outs {
            let _ = out.send(o);
        }
        if changed || view.borrow().silences.len() != engine.silences(now).len() {
            let _ = view
                .send(Arc::new(AlertsView { open: engine.open(), silences: engine.silences(now) }));
        }
    }
}

/// The stored alert events of the last year, oldest first: what [`Alerts::spawn`] rebuilds
/// the open alerts from.
pub async fn stored(store: &crate::store::Store) -> Result<Vec<Event>, crate::store::StoreError> {
    use crate::store::{Cursor, TimelineQuery};
    let kinds = ["AlertRaised", "AlertResolved", "AlertAcknowledged", "AlertSilenced"];
    let mut q = TimelineQuery {
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        from: Some(chrono::Utc::now() - chrono::Duration::days(366)),
        cursor: Some(Cursor::First),
        limit: 1000,
        ..TimelineQuery::default()
    };
    let mut out = Vec::new();
    loop {
        let page = store.timeline(&q).await?;
        let last = page.events.last().map(|e| e.id);
        out.extend(page.events);
        match (page.newer, last) {
            (Some(_), Some(id)) => q.cursor = Some(Cursor::After(id)),
            _ => return Ok(out),
        }
    }
}

#[cfg(test)]
mod engine_tests;

#[cfg(test)]
mod engine_due_tests;

#[cfg(test)]
mod engine_rules_tests;
