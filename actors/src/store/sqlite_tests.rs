//! Tests of the SQLite event table: idempotent batches, resuming after an id, surviving a
//! reopen, migrations that run once and refuse a newer database.

use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::events::{Event, EventKind};
use crate::store::migrate::{MigrateError, SQLITE};

fn ev(device: &str, i: usize) -> Arc<Event> {
    let kind = EventKind::ProbeFailed { probe: "drives".into(), error: format!("error {i}") };
    Arc::new(Event::new(device, Utc::now(), kind))
}

#[test]
fn batches_are_idempotent_by_event_id_and_resume_after_an_id() {
    let mut db = SqliteEvents::in_memory().unwrap();
    let evs: Vec<_> = (0..6).map(|i| ev(if i % 2 == 0 { "a" } else { "b" }, i)).collect();
    assert_eq!(db.insert(&evs[..4]).unwrap(), 4);
    // A retried batch (after a lost acknowledgement) adds only what is new.
    assert_eq!(db.insert(&evs[2..]).unwrap(), 2);
    assert_eq!(db.count().unwrap(), 6);
    let ids = |v: Vec<Event>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let want: Vec<_> = evs[3..].iter().map(|e| e.id).collect();
    assert_eq!(ids(db.after(Some(evs[2].id), None, 100).unwrap()), want);
    assert_eq!(db.after(Some(evs[0].id), Some("a"), 100).unwrap().len(), 2);
    assert_eq!(db.after(None, None, 2).unwrap().len(), 2);
    let back = &db.after(None, None, 1).unwrap()[0];
    assert_eq!((back.id, &back.kind), (evs[0].id, &evs[0].kind), "stored whole");
}

#[test]
fn a_file_database_survives_a_reopen_and_migrates_once() {
    let dir = std::env::temp_dir().join(format!("sqlite-test-{:016x}", fastrand::u64(..)));
    let path = dir.join("data").join("infrastructor.db");
    let evs: Vec<_> = (0..3).map(|i| ev("tower", i)).collect();
    SqliteEvents::open(&path).unwrap().insert(&evs).unwrap();
    let db = SqliteEvents::open(&path).unwrap();
    assert_eq!(db.count().unwrap(), 3);
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(migrate::sqlite(&mut conn, SQLITE).unwrap(), 0, "re-running is a no-op");
    let versions: i64 =
        conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(versions, SQLITE.len() as i64);
    drop((db, conn));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_newer_than_the_binary_is_refused() {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    migrate::sqlite(&mut conn, SQLITE).unwrap();
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future.sql', 'x')", []).unwrap();
    let err = migrate::sqlite(&mut conn, SQLITE).unwrap_err();
    assert!(matches!(err, MigrateError::Newer { found: 999, .. }), "{err}");
    assert!(err.to_string().contains("upgrade infrastructor"), "{err}");
}

#[test]
fn the_newest_event_of_each_device_and_type_rebuilds_the_state() {
    let mut db = SqliteEvents::in_memory().unwrap();
    let online = |d: &str| {
        Arc::new(Event::new(d, Utc::now(), EventKind::DeviceOnline { transport: "local".into() }))
    };
    let offline = |d: &str| {
        let kind = EventKind::DeviceOffline { consecutive_failures: 3, reason: "gone".into() };
        Arc::new(Event::new(d, Utc::now(), kind))
    };
    let evs = vec![online("a"), ev("a", 1), online("b"), offline("a"), ev("a", 2)];
    db.insert(&evs).unwrap();
    let last = db.latest_per_kind().unwrap();
    let got: Vec<_> = last.iter().map(|e| (e.device.as_str(), e.type_name())).collect();
    let want = [
        ("a", "DeviceOnline"),
        ("b", "DeviceOnline"),
        ("a", "DeviceOffline"),
        ("a", "ProbeFailed"),
    ];
    assert_eq!(got, want, "one per (device, type), in the order they happened");
    assert_eq!(last[3].id, evs[4].id, "the newest of a kind");
    // Folded in that order, `a` reads offline and `b` online, as they were.
    let p = crate::state::Projection::new(1 << 20);
    p.apply_all(&last.into_iter().map(Arc::new).collect::<Vec<_>>());
    let snap = p.snapshot();
    assert_eq!((snap.devices["a"].online, snap.devices["b"].online), (Some(false), Some(true)));
}

#[test]
fn retention_drops_old_samples_and_changes_but_never_the_last_known_state() {
    let mut db = SqliteEvents::in_memory().unwrap();
    let now = Utc::now();
    let at = |hours: i64, kind: EventKind| {
        Arc::new(Event::new("a", now - chrono::Duration::hours(hours), kind))
    };
    let sample = || EventKind::ServicesSampled { failed: vec![] };
    let change = |i: usize| EventKind::ProbeFailed { probe: "p".into(), error: format!("e{i}") };
    let evs = vec![
        at(100, sample()),     // old sample: goes
        at(72, change(1)),     // old enough for samples, not for changes: stays
        at(50, sample()),      // old sample: goes
        at(10_000, change(2)), // (observed long ago, stored late) old change: goes
        at(1, sample()),       // recent sample, and the newest of its kind: stays
        at(2, change(3)),      // newest change: stays
    ];
    db.insert(&evs).unwrap();
    let gone =
        db.prune(now - chrono::Duration::hours(48), now - chrono::Duration::days(365)).unwrap();
    assert_eq!(gone, 3);
    let kept: Vec<_> = db.after(None, None, 100).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(kept, [evs[1].id, evs[4].id, evs[5].id]);
    // However old, the newest event of a kind stays (an offline device keeps its state).
    let mut db = SqliteEvents::in_memory().unwrap();
    db.insert(&[at(100_000, sample())]).unwrap();
    assert_eq!(db.prune(now, now).unwrap(), 0);
}
