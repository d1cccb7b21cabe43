//! Tests of the bus: lossless delivery under bursts, lag accounting for slow lossy clients.

use chrono::Utc;

use super::*;
use crate::events::EventKind;

fn ev(n: u32) -> Event {
    Event::new(format!("d{n}"), Utc::now(), EventKind::DeviceOnline { transport: "replay".into() })
}

#[tokio::test]
async fn lossless_subscriber_gets_every_event_of_a_burst_in_order() {
    let bus = Bus::new();
    let mut rx = bus.subscribe_lossless("test", 8);
    let publisher = {
        let bus = bus.clone();
        tokio::spawn(async move {
            for n in 0..10_000 {
                bus.publish(ev(n)).await;
            }
        })
    };
    for n in 0..10_000 {
        let got = rx.recv().await.expect("bus alive");
        assert_eq!(got.device, format!("d{n}"));
    }
    publisher.await.unwrap();
}

#[tokio::test]
async fn slow_lossy_subscriber_gets_lagged_notice_then_resumes() {
    let bus = Bus::new();
    let mut slow = bus.subscribe_lossy(2);
    let mut events = Vec::new();
    for n in 0..5 {
        let e = ev(n);
        events.push(e.id);
        bus.publish(e).await;
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(slow.recv().await.unwrap());
    }
    assert!(matches!(&got[0], Delivery::Event(e) if e.id == events[0]));
    assert!(matches!(&got[1], Delivery::Event(e) if e.id == events[1]));
    assert_eq!(got[2], Delivery::Lagged { missed: 3, resume_from: events[2] });
    let after = ev(9);
    let after_id = after.id;
    bus.publish(after).await;
    assert!(matches!(slow.recv().await, Some(Delivery::Event(e)) if e.id == after_id));
}

#[tokio::test]
async fn a_slow_lossy_subscriber_never_blocks_publishing_or_others() {
    let bus = Bus::new();
    let _stuck = bus.subscribe_lossy(1);
    let mut fast = bus.subscribe_lossless("test", 20_000);
    for n in 0..10_000 {
        bus.publish(ev(n)).await;
    }
    let mut count = 0;
    while fast.try_recv().is_ok() {
        count += 1;
    }
    assert_eq!(count, 10_000);
}

#[tokio::test]
async fn dropped_subscribers_are_removed() {
    let bus = Bus::new();
    let a = bus.subscribe_lossless("test", 1);
    let b = bus.subscribe_lossy(1);
    drop((a, b));
    bus.publish(ev(1)).await;
    assert_eq!(bus.subscribers(), (0, 0));
}
