//! The query facade in front of the store: change events after an id come from memory while
//! it holds the id and from the store beyond it; the timeline is the store's; without a store
//! history questions are a clear `Unavailable`, and bad arguments are `Invalid`.

use std::sync::Arc;

use chrono::Utc;
use infrastructor_actors::api::{ApiError, FleetHandle};
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::FleetSettings;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::{Store, TimelineQuery};
use ractor::Actor;

fn change(i: usize) -> Arc<Event> {
    let kind =
        EventKind::ServiceFailed { unit: format!("u{i}.service"), description: "x".repeat(200) };
    Arc::new(Event::new("tower", Utc::now(), kind))
}

#[tokio::test]
async fn changes_after_an_id_come_from_memory_then_from_the_store() {
    let bus = Bus::new();
    let (fleet, _) =
        Actor::spawn(None, Fleet, FleetArgs::new(FleetSettings::default(), bus, vec![]))
            .await
            .unwrap();
    // Room for only a few events in memory.
    let projection = Arc::new(Projection::new(4 * 1024));
    let store = Store::sqlite_in_memory().unwrap();
    let events: Vec<_> = (0..200).map(change).collect();
    store.insert(&events).await.unwrap();
    projection.apply_all(&events);
    assert!(!projection.holds(events[0].id), "the oldest fell out of memory");
    assert!(projection.holds(events[199].id));

    let bare = FleetHandle::new(fleet.clone(), projection.clone());
    let err = bare.timeline(&TimelineQuery { limit: 10, ..Default::default() }).await;
    assert!(matches!(err, Err(ApiError::Unavailable(_))), "{err:?}");

    let handle = bare.with_store(store);
    let ids = |v: Vec<Arc<Event>>| v.iter().map(|e| e.id).collect::<Vec<_>>();
    let from_store = handle.changes_after(Some(events[0].id), None, 50).await.unwrap();
    assert_eq!(ids(from_store), events[1..51].iter().map(|e| e.id).collect::<Vec<_>>());
    let from_memory = handle.changes_after(Some(events[197].id), None, 50).await.unwrap();
    assert_eq!(ids(from_memory), [events[198].id, events[199].id]);
    let unknown = handle.changes_after(Some(uuid::Uuid::now_v7()), None, 5).await;
    assert!(matches!(unknown, Err(ApiError::Invalid(_))), "{unknown:?}");

    let page = handle.timeline(&TimelineQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.events.last().map(|e| e.id), Some(events[199].id));
    let bad = handle.timeline(&TimelineQuery { limit: 0, ..Default::default() }).await;
    assert!(matches!(bad, Err(ApiError::Invalid(m)) if m.contains("limit")));
    fleet.stop(None);
}
