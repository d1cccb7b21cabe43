//! Snapshot of the event JSON (a public contract) produced from the real docker 28.2 captures:
//! the sample of `ps.jsonl` + `stats.jsonl` + `inspect.json` and the changes up to
//! `ps-after.jsonl`.
//!
//! Run with `UPDATE_SNAPSHOTS=1` to accept a change; review the diff before committing it.

use chrono::{TimeZone, Utc};

use super::{diff, merge, parse_inspect, parse_ps, parse_stats};
use crate::events::EventKind;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/docker/client-28.2/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap()
}

#[test]
fn event_json_snapshot() {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 56, 40).unwrap();
    let (mut before, _) = parse_ps(&read("ps.jsonl"), at);
    merge(&mut before, parse_stats(&read("stats.jsonl"), at).0);
    let (mut inspected, _) = parse_inspect(&read("inspect.json"), at);
    for c in &mut before {
        c.inspect = inspected.remove(&c.id);
    }
    let (after, _) = parse_ps(&read("ps-after.jsonl"), at);
    let mut events = diff(&before, &after);
    events.insert(0, EventKind::ContainerStatsSampled { containers: before });
    let actual = serde_json::to_string_pretty(&events).unwrap() + "\n";

    let path = format!("{DIR}events.snapshot.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(actual == expected, "{path} is out of date; rerun with UPDATE_SNAPSHOTS=1 and review");

    let back: Vec<EventKind> = serde_json::from_str(&expected).unwrap();
    assert_eq!(back, events, "the JSON round-trips");
}
