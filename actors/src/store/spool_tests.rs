//! Tests of the spool: order kept across reopenings, every kind of torn or corrupt tail
//! detected and skipped (never misread), clearing after a drain.

use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::events::{Event, EventKind};

fn ev(i: usize) -> Arc<Event> {
    let kind = EventKind::ProbeFailed { probe: "drives".into(), error: format!("error {i}") };
    Arc::new(Event::new("tower", Utc::now(), kind))
}

fn ids(events: &[Event]) -> Vec<uuid::Uuid> {
    events.iter().map(|e| e.id).collect()
}

fn tmp() -> (tempdir::Dir, PathBuf) {
    let dir = tempdir::Dir::new();
    let path = dir.0.join("spool").join("events.spool");
    (dir, path)
}

/// A throwaway directory removed on drop (std only: no dev-dependency for one test file).
mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("spool-test-{:016x}", fastrand::u64(..)));
            std::fs::create_dir_all(&p).unwrap();
            Self(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn events_come_back_in_order_across_reopenings() {
    let (_dir, path) = tmp();
    let batch1: Vec<_> = (0..3).map(ev).collect();
    let batch2: Vec<_> = (3..5).map(ev).collect();
    let mut s = Spool::open(&path).unwrap();
    assert!(s.is_empty());
    s.append(&batch1).unwrap();
    drop(s);
    let mut s = Spool::open(&path).unwrap();
    s.append(&batch2).unwrap();
    let got = s.read().unwrap();
    assert!(got.torn.is_none());
    let want: Vec<_> = batch1.iter().chain(&batch2).map(|e| e.id).collect();
    assert_eq!(ids(&got.events), want);
    assert_eq!(got.events[4].kind, batch2[1].kind);
    s.clear().unwrap();
    assert!(s.is_empty() && s.read().unwrap().events.is_empty());
    assert!(read(&path.with_extension("missing")).unwrap().events.is_empty());
}

#[test]
fn a_torn_tail_is_detected_at_every_cut_and_never_misread() {
    let (_dir, path) = tmp();
    let events: Vec<_> = (0..3).map(ev).collect();
    let mut s = Spool::open(&path).unwrap();
    s.append(&events[..2]).unwrap();
    let whole_two = s.len();
    s.append(&events[2..]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    // Cut anywhere inside the third record: the first two come back, the cut is reported.
    for cut in (whole_two as usize + 1)..bytes.len() {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let got = read(&path).unwrap();
        assert_eq!(ids(&got.events), ids_of(&events[..2]), "cut at {cut}");
        assert_eq!(got.torn.as_ref().map(|t| t.0), Some(whole_two), "cut at {cut}");
    }
}

fn ids_of(events: &[Arc<Event>]) -> Vec<uuid::Uuid> {
    events.iter().map(|e| e.id).collect()
}

#[test]
fn a_flipped_byte_or_a_foreign_file_is_caught_by_the_checksum_or_the_length() {
    let (_dir, path) = tmp();
    let events: Vec<_> = (0..2).map(ev).collect();
    let mut s = Spool::open(&path).unwrap();
    s.append(&events).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let got = read(&path).unwrap();
    assert_eq!(got.events.len(), 1);
    assert!(got.torn.as_ref().is_some_and(|t| t.1.contains("checksum")), "{:?}", got.torn);
    std::fs::write(&path, b"\xff\xff\xff\xff garbage that is not a spool").unwrap();
    let got = read(&path).unwrap();
    assert!(got.events.is_empty());
    assert!(got.torn.is_some_and(|t| t.0 == 0 && t.1.contains("length")));
}
