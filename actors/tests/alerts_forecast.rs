//! The `filesystem_forecast` rule against a real SQLite store: a week of hourly samples of
//! a filesystem filling up steadily is fitted from the store and raises the alert — through
//! the engine directly, and through the running alerts task fitting at start.

use std::sync::Arc;
use std::time::Duration as Std;

use chrono::{DateTime, Duration, Utc};
use infrastructor_actors::alerts::{self, Alerts, Engine, RuleSettings};
use infrastructor_actors::analysis::Thresholds;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::metrics::{Filesystem, MetricsSample};
use infrastructor_actors::store::Store;

const GB: u64 = 1_000_000_000;

/// Hourly samples over the 7 days before `now`: `/data` grows 1.5 points a day from 80 %
/// (about 90.5 % now: 100 % in about 6.3 days), `/` stays at 40 %.
async fn filling(now: DateTime<Utc>) -> Store {
    let store = Store::sqlite_in_memory().expect("an in-memory store");
    let events: Vec<Arc<Event>> = (0..7 * 24)
        .map(|h| {
            let at = now - Duration::hours(7 * 24 - h);
            let used = (80.0 + 1.5 * h as f64 / 24.0) * GB as f64;
            let fs = |mount: &str, used: u64| Filesystem {
                source: format!("/dev/{mount}"),
                mount: mount.into(),
                size_bytes: 100 * GB,
                used_bytes: used,
                avail_bytes: 100 * GB - used,
            };
            let sample = MetricsSample {
                filesystems: vec![fs("/", 40 * GB), fs("/data", used as u64)],
                ..MetricsSample::default()
            };
            Arc::new(Event::new("tower", at, EventKind::MetricsSampled { sample }))
        })
        .collect();
    assert_eq!(store.insert(&events).await.expect("stored"), events.len());
    store
}

const KEY: &str = "filesystem_forecast/tower//data";

#[tokio::test]
async fn fits_from_the_store_raise_a_forecast_alert_for_the_filling_filesystem_only() {
    let now = Utc::now();
    let store = filling(now).await;
    let fits = alerts::forecasts(&store, &Thresholds::default(), now).await.expect("fitted");
    let data = fits.iter().find(|f| f.name == "/data").expect("a fit of /data");
    assert!(data.r_squared.is_some_and(|r| r > 0.99), "{data:?}");
    let mut e = Engine::new(RuleSettings::default(), Default::default());
    let online = Event::new("tower", now, EventKind::DeviceOnline { transport: "local".into() });
    assert!(e.apply(&online, now).is_empty());
    let outs = e.set_forecasts(fits, now);
    let keys: Vec<String> = outs
        .iter()
        .filter_map(|o| match &o.kind {
            EventKind::AlertRaised { alert, .. } => Some(alert.key.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(keys, [KEY], "{outs:?}");
    let EventKind::AlertRaised { alert, .. } = &outs[0].kind else { unreachable!() };
    let left = alert.value.expect("days left");
    assert!((5.5..7.0).contains(&left), "about 6.3 days left: {alert:?}");
}

#[tokio::test]
async fn the_alerts_task_fits_at_start_and_raises() {
    let now = Utc::now();
    let store = filling(now).await;
    let bus = Bus::new();
    let snapshot = infrastructor_actors::state::Snapshot::default();
    let mut a = Alerts::spawn(&bus, &snapshot, &[], RuleSettings::default());
    a.forecast_from(store);
    bus.publish(Event::new("tower", now, EventKind::DeviceOnline { transport: "local".into() }))
        .await;
    let mut view = a.watcher();
    let raised = tokio::time::timeout(
        Std::from_secs(20),
        view.wait_for(|v| v.open.iter().any(|o| o.alert.key == KEY)),
    )
    .await;
    assert!(raised.is_ok_and(|r| r.is_ok()), "no forecast alert: {:?}", a.view().open);
    a.stop(Std::from_secs(2)).await;
}
