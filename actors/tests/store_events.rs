//! The event store, one test body per case run on every engine: idempotent batches, resume
//! after an id, the filtered timeline paged both ways, the newest event of each kind,
//! retention (the newest of each kind surviving it), bus order within a batch, typed errors
//! for bad arguments.

#[path = "store/engines.rs"]
mod engines;

use std::sync::Arc;

use chrono::{Duration, Utc};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::store::{Cursor, Retention, StoreError, TimelineQuery};

fn failed(device: &str, i: usize) -> Arc<Event> {
    let kind = EventKind::ProbeFailed { probe: "drives".into(), error: format!("error {i}") };
    Arc::new(Event::new(device, Utc::now(), kind))
}

fn ids(events: &[Event]) -> Vec<uuid::Uuid> {
    events.iter().map(|e| e.id).collect()
}

#[tokio::test]
async fn batches_are_idempotent_by_event_id_and_resume_after_an_id() {
    for e in engines::all().await {
        let db = &e.store;
        let evs: Vec<_> = (0..6).map(|i| failed(if i % 2 == 0 { "a" } else { "b" }, i)).collect();
        assert_eq!(db.insert(&evs[..4]).await.unwrap(), 4, "{}", e.name);
        // A retried batch (after a lost acknowledgement) adds only what is new.
        assert_eq!(db.insert(&evs[2..]).await.unwrap(), 2, "{}", e.name);
        assert_eq!(db.count().await.unwrap(), 6, "{}", e.name);
        let want: Vec<_> = evs[3..].iter().map(|e| e.id).collect();
        assert_eq!(ids(&db.events_after(Some(evs[2].id), 100).await.unwrap()), want, "{}", e.name);
        assert_eq!(db.events_after(None, 2).await.unwrap().len(), 2, "{}", e.name);
        let back = &db.events_after(None, 1).await.unwrap()[0];
        assert_eq!(back, &*evs[0], "{}: stored whole", e.name);
        let unknown = uuid::Uuid::now_v7();
        let err = db.events_after(Some(unknown), 10).await.unwrap_err();
        assert!(matches!(err, StoreError::UnknownCursor(id) if id == unknown), "{}: {err}", e.name);
    }
}

#[tokio::test]
async fn the_timeline_filters_and_pages_both_ways_without_gaps_or_overlaps() {
    for e in engines::all().await {
        let db = &e.store;
        let t0 = Utc::now() - Duration::hours(10);
        let mut all = Vec::new();
        for i in 0..25 {
            let device = ["tower", "nas"][i % 2];
            let at = t0 + Duration::minutes(i as i64);
            let kind = if i % 5 == 0 {
                EventKind::ServicesSampled { failed: vec![] }
            } else {
                EventKind::ServiceFailed {
                    unit: format!("u{i}.service"),
                    description: String::new(),
                }
            };
            all.push(Arc::new(Event::new(device, at, kind)));
        }
        db.insert(&all).await.unwrap();
        let changes: Vec<_> =
            all.iter().filter(|e| e.kind.sample_of().is_none() && e.device == "tower").collect();
        let q = TimelineQuery { devices: vec!["tower".into()], limit: 3, ..Default::default() };
        // Backwards from the newest, page by page.
        let mut seen = Vec::new();
        let mut page = db.timeline(&q).await.unwrap();
        assert!(page.newer.is_none(), "{}: the newest page has nothing newer", e.name);
        loop {
            seen.splice(0..0, ids(&page.events));
            let Some(older) = page.older else { break };
            page = db
                .timeline(&TimelineQuery { cursor: Some(Cursor::Before(older)), ..q.clone() })
                .await
                .unwrap();
        }
        assert_eq!(seen, changes.iter().map(|e| e.id).collect::<Vec<_>>(), "{}", e.name);
        // Forwards from the oldest page's newer cursor, back to the newest.
        let first = db
            .timeline(&TimelineQuery { cursor: Some(Cursor::After(changes[0].id)), ..q.clone() })
            .await
            .unwrap();
        assert_eq!(ids(&first.events), changes[1..4].iter().map(|e| e.id).collect::<Vec<_>>());
        assert!(first.newer.is_some() && first.older == Some(changes[1].id), "{}", e.name);
        // Kinds, samples and a time range.
        let samples = TimelineQuery { samples: true, limit: 100, ..Default::default() };
        assert_eq!(db.timeline(&samples).await.unwrap().events.len(), 25, "{}", e.name);
        let kinds = TimelineQuery {
            kinds: vec!["ServicesSampled".into()],
            limit: 100,
            ..Default::default()
        };
        assert_eq!(db.timeline(&kinds).await.unwrap().events.len(), 5, "{}", e.name);
        let range = TimelineQuery {
            from: Some(t0 + Duration::minutes(10)),
            to: Some(t0 + Duration::minutes(20)),
            samples: true,
            limit: 100,
            ..Default::default()
        };
        let got = db.timeline(&range).await.unwrap().events;
        assert_eq!(ids(&got), all[10..20].iter().map(|e| e.id).collect::<Vec<_>>(), "{}", e.name);
    }
}

#[tokio::test]
async fn bad_timeline_arguments_are_typed_errors() {
    for e in engines::all().await {
        let db = &e.store;
        let now = Utc::now();
        let bad = [
            TimelineQuery { limit: 0, ..Default::default() },
            TimelineQuery { limit: 5000, ..Default::default() },
            TimelineQuery { limit: 5, from: Some(now), to: Some(now), ..Default::default() },
            TimelineQuery { limit: 5, kinds: vec!["Nope".into()], ..Default::default() },
            TimelineQuery {
                limit: 5,
                cursor: Some(Cursor::After(uuid::Uuid::now_v7())),
                ..Default::default()
            },
        ];
        for q in bad {
            let err = db.timeline(&q).await.unwrap_err();
            assert!(err.is_invalid(), "{}: {q:?} gave {err}", e.name);
        }
    }
}

#[tokio::test]
async fn retention_deletes_what_is_old_and_the_newest_of_each_kind_survives_it() {
    for e in engines::all().await {
        let db = &e.store;
        let now = Utc::now();
        let at = |h: i64, kind| Arc::new(Event::new("tower", now - Duration::hours(h), kind));
        let sample = || EventKind::ServicesSampled { failed: vec![] };
        let change =
            |u: &str| EventKind::ServiceFailed { unit: u.into(), description: String::new() };
        let old_sample = at(100, sample());
        let new_sample = at(1, sample());
        let old_change = at(24 * 400, change("a"));
        let kept_change = at(100, change("b"));
        let only_of_its_kind = at(24 * 500, EventKind::DeviceOnline { transport: "local".into() });
        let evs = [&old_sample, &new_sample, &old_change, &kept_change, &only_of_its_kind];
        db.insert(&evs.iter().map(|e| Arc::clone(e)).collect::<Vec<_>>()).await.unwrap();
        assert_eq!(db.prune(now, Retention::default()).await.unwrap(), 3, "{}", e.name);
        let mut left = ids(&db.events_after(None, 100).await.unwrap());
        left.sort();
        let mut want = vec![new_sample.id, kept_change.id];
        want.sort();
        assert_eq!(left, want, "{}", e.name);
        // The last known state outlives retention: the only DeviceOnline is still there.
        let latest = ids(&db.latest_per_kind().await.unwrap());
        assert_eq!(latest, [new_sample.id, kept_change.id, only_of_its_kind.id], "{}", e.name);
        assert_eq!(db.prune(now, Retention::default()).await.unwrap(), 0, "{}", e.name);
    }
}

#[tokio::test]
async fn the_newest_event_of_each_device_and_type_rebuilds_the_state() {
    for e in engines::all().await {
        let db = &e.store;
        let online = |d: &str| {
            let kind = EventKind::DeviceOnline { transport: "local".into() };
            Arc::new(Event::new(d, Utc::now(), kind))
        };
        let offline = |d: &str| {
            let kind = EventKind::DeviceOffline { consecutive_failures: 3, reason: "gone".into() };
            Arc::new(Event::new(d, Utc::now(), kind))
        };
        let evs = [online("a"), failed("a", 1), online("b"), offline("a"), failed("a", 2)];
        // Two batches, the second holding a newer event of a kind the first already had.
        db.insert(&evs[..3]).await.unwrap();
        db.insert(&evs[3..]).await.unwrap();
        // A batch replayed after a lost acknowledgement does not move `latest` back.
        db.insert(&evs[1..2]).await.unwrap();
        let last = db.latest_per_kind().await.unwrap();
        let got: Vec<_> = last.iter().map(|e| (e.device.as_str(), e.type_name())).collect();
        let want = [
            ("a", "DeviceOnline"),
            ("b", "DeviceOnline"),
            ("a", "DeviceOffline"),
            ("a", "ProbeFailed"),
        ];
        assert_eq!(got, want, "{}: one per (device, type), in the order they happened", e.name);
        assert_eq!(last[3].id, evs[4].id, "{}: the newest of a kind", e.name);
    }
}

#[tokio::test]
async fn a_batch_keeps_the_bus_order_even_against_observed_time() {
    for e in engines::all().await {
        let db = &e.store;
        // Observed times out of order (a device's clock, a late retry): stored order is the
        // bus order all the same.
        let now = Utc::now();
        let evs: Vec<_> = (0..50)
            .map(|i| {
                let at = now - Duration::seconds(((i * 37) % 50) as i64);
                let kind = EventKind::ProbeFailed { probe: "p".into(), error: format!("{i}") };
                Arc::new(Event::new("tower", at, kind))
            })
            .collect();
        assert_eq!(db.insert(&evs).await.unwrap(), 50, "{}", e.name);
        let back = ids(&db.events_after(None, 100).await.unwrap());
        assert_eq!(back, evs.iter().map(|e| e.id).collect::<Vec<_>>(), "{}", e.name);
        assert_eq!(db.insert(&[]).await.unwrap(), 0, "{}", e.name);
        db.ping().await.unwrap();
    }
}
