//! The fan-out actor: filters route events, a full queue lags then drops only that client.

use std::time::Duration;

use chrono::Utc;

use super::*;
use crate::events::EventKind;

fn removed(device: &str) -> Event {
    Event::new(device, Utc::now(), EventKind::DeviceRemoved {})
}

fn filter(topics: &[&str]) -> Filter {
    Filter { topics: topics.iter().map(|t| Topic::parse(t).unwrap()).collect(), samples: false }
}

async fn next(c: &mut Client) -> Delivery {
    tokio::time::timeout(Duration::from_secs(5), c.recv()).await.expect("a delivery").expect("open")
}

#[tokio::test]
async fn events_reach_the_clients_whose_topics_match() {
    let bus = Bus::new();
    let fanout = Fanout::spawn(&bus);
    let mut tower = fanout.join(16).await.unwrap();
    let mut all = fanout.join(16).await.unwrap();
    assert_eq!(tower.set_filter(filter(&["device.tower.*"])).await, None);
    all.set_filter(filter(&["*"])).await;
    let nas = bus.publish(removed("nas")).await;
    let tw = bus.publish(removed("tower")).await;
    assert_eq!(next(&mut all).await, Delivery::Event(nas.clone()));
    assert_eq!(next(&mut all).await, Delivery::Event(tw.clone()));
    assert_eq!(next(&mut tower).await, Delivery::Event(tw.clone()));
    // The barrier is the last event delivered before the filter took effect.
    assert_eq!(tower.set_filter(filter(&["device.nas.*"])).await, Some(tw.id));
    assert_eq!(fanout.clients(), 2);
    drop(all);
    let one = tokio::time::Instant::now() + Duration::from_secs(5);
    while fanout.clients() != 1 {
        assert!(tokio::time::Instant::now() < one, "a dropped client leaves the registry");
        bus.publish(removed("x")).await;
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_full_queue_lags_once_then_a_client_that_stays_behind_is_dropped() {
    let bus = Bus::new();
    let fanout = Fanout::spawn(&bus);
    let mut slow = fanout.join(4).await.unwrap();
    let mut fast = fanout.join(64).await.unwrap();
    slow.set_filter(filter(&["*"])).await;
    fast.set_filter(filter(&["*"])).await;
    let mut sent = Vec::new();
    for _ in 0..6 {
        sent.push(bus.publish(removed("tower")).await);
    }
    for ev in &sent {
        assert_eq!(next(&mut fast).await, Delivery::Event(ev.clone()));
    }
    for ev in &sent[..4] {
        assert_eq!(next(&mut slow).await, Delivery::Event(ev.clone()));
    }
    assert_eq!(next(&mut slow).await, Delivery::Lagged { missed: 2 });
    // Caught up: delivery resumes.
    let later = bus.publish(removed("tower")).await;
    assert_eq!(next(&mut slow).await, Delivery::Event(later.clone()));
    assert_eq!(next(&mut fast).await, Delivery::Event(later));
    // Now it never reads: a queue's worth missed beyond a full queue drops it.
    for _ in 0..(4 + 5) {
        let ev = bus.publish(removed("tower")).await;
        assert_eq!(next(&mut fast).await, Delivery::Event(ev));
    }
    tokio::time::timeout(Duration::from_secs(5), slow.kicked()).await.expect("dropped");
    assert_eq!(fanout.clients(), 1);
}

#[tokio::test]
async fn live_copies_of_replayed_events_are_skipped() {
    let bus = Bus::new();
    let fanout = Fanout::spawn(&bus);
    let mut c = fanout.join(16).await.unwrap();
    c.set_filter(filter(&["*"])).await;
    let a = bus.publish(removed("tower")).await;
    let b = bus.publish(removed("tower")).await;
    c.replayed(a.id);
    assert_eq!(next(&mut c).await, Delivery::Event(b));
}

#[tokio::test]
async fn only_the_newest_replayed_ids_are_kept_for_the_duplicate_check() {
    let bus = Bus::new();
    let fanout = Fanout::spawn(&bus);
    let mut c = fanout.join(16).await.unwrap();
    c.set_filter(filter(&["*"])).await;
    let a = bus.publish(removed("tower")).await;
    let b = bus.publish(removed("tower")).await;
    c.replayed(a.id);
    for _ in 0..(16 + client::REORDER) {
        c.replayed(uuid::Uuid::now_v7());
    }
    c.replayed(b.id);
    // `a` fell out of the bounded set, so it is delivered; `b` is a duplicate.
    assert_eq!(next(&mut c).await, Delivery::Event(a));
    let later = bus.publish(removed("tower")).await;
    assert_eq!(next(&mut c).await, Delivery::Event(later));
}
