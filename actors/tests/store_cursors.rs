//! The notifiers' place in the event table, on every engine: the newest `seq`, the events of
//! some kinds after a `seq` in stored order, and a cursor per notifier name that survives
//! being written again.

#[path = "store/engines.rs"]
mod engines;

use std::sync::Arc;

use chrono::Utc;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::alerts::{Alert, Severity};

fn alert(object: &str) -> Event {
    let alert = Alert {
        key: format!("fs_usage/tower/{object}"),
        rule: "fs_usage".into(),
        object: Some(object.into()),
        severity: Severity::Warning,
        summary: format!("{object} is full"),
        value: Some(91.0),
        threshold: Some(90.0),
        unit: Some("%".into()),
        since: Utc::now(),
        evidence: vec!["line".into()],
    };
    let kind = EventKind::AlertRaised { alert, previous: None, renotify: false, suppressed: None };
    Event::new("tower", Utc::now(), kind)
}

fn online() -> Event {
    Event::new("tower", Utc::now(), EventKind::DeviceOnline { transport: "local".into() })
}

#[tokio::test]
async fn alert_events_are_read_after_a_seq_and_cursors_persist() {
    for e in engines::all().await {
        let db = &e.store;
        assert_eq!(db.newest_seq().await.unwrap(), 0, "{}", e.name);
        assert_eq!(db.notifier_cursor("gotify").await.unwrap(), None, "{}", e.name);
        let events: Vec<Arc<Event>> =
            [online(), alert("/a"), online(), alert("/b")].into_iter().map(Arc::new).collect();
        db.insert(&events).await.unwrap();
        let newest = db.newest_seq().await.unwrap();
        assert!(newest > 0, "{}", e.name);
        let kinds = ["AlertRaised", "AlertResolved"];
        let all = db.events_of_kinds_after(0, &kinds, 10).await.unwrap();
        let ids: Vec<_> = all.iter().map(|(_, ev)| ev.id).collect();
        assert_eq!(ids, [events[1].id, events[3].id], "{}", e.name);
        assert!(all[0].0 < all[1].0 && all[1].0 == newest, "{}", e.name);
        let rest = db.events_of_kinds_after(all[0].0, &kinds, 10).await.unwrap();
        assert_eq!(rest.len(), 1, "{}", e.name);
        assert_eq!(rest[0].1, *events[3], "{}: the event round-trips", e.name);
        assert!(db.events_of_kinds_after(newest, &kinds, 10).await.unwrap().is_empty());
        assert_eq!(db.events_of_kinds_after(0, &kinds, 1).await.unwrap().len(), 1);
        db.set_notifier_cursor("gotify", all[0].0).await.unwrap();
        db.set_notifier_cursor("gotify", newest).await.unwrap();
        db.set_notifier_cursor("webhook", 0).await.unwrap();
        assert_eq!(db.notifier_cursor("gotify").await.unwrap(), Some(newest), "{}", e.name);
        assert_eq!(db.notifier_cursor("webhook").await.unwrap(), Some(0), "{}", e.name);
        assert!(db.notifier_cursor("").await.is_err(), "{}", e.name);
    }
}
