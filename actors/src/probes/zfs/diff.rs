//! Diffing two ZFS samples into change events: exactly one event per real transition.

use crate::events::EventKind;
use crate::model::zfs::{Pool, Scan, ZfsSample};

/// The change events that take `previous` to `current`.
///
/// Rules, per pool name:
/// * health differs (including a pool that appeared or vanished, as `None`) →
///   `PoolStateChanged`;
/// * the latest scan is a finished scrub (resilver) and the previous sample of the pool did
///   not already show that same finished scan (same end time) → `ScrubFinished`
///   (`ResilverFinished`). This covers in-progress → finished, and a scan that started and
///   finished between two polls (its end time changed).
///
/// The same sample twice gives no events.
pub fn diff(previous: &ZfsSample, current: &ZfsSample) -> Vec<EventKind> {
    let mut events = Vec::new();
    for old in &previous.pools {
        if !current.pools.iter().any(|p| p.name == old.name) {
            events.push(EventKind::PoolStateChanged {
                pool: old.name.clone(),
                previous: Some(old.health.clone()),
                current: None,
            });
        }
    }
    for cur in &current.pools {
        let prev = previous.pools.iter().find(|p| p.name == cur.name);
        match prev {
            None => events.push(EventKind::PoolStateChanged {
                pool: cur.name.clone(),
                previous: None,
                current: Some(cur.health.clone()),
            }),
            Some(prev) if prev.health != cur.health => events.push(EventKind::PoolStateChanged {
                pool: cur.name.clone(),
                previous: Some(prev.health.clone()),
                current: Some(cur.health.clone()),
            }),
            Some(_) => {}
        }
        if let Some(prev) = prev
            && let Some(scan) = finished_scan(cur, prev)
        {
            let (pool, errors, finished_at) =
                (cur.name.clone(), scan.errors, scan.finished_at.clone());
            events.push(if scan.kind == "resilver" {
                EventKind::ResilverFinished { pool, errors, finished_at }
            } else {
                EventKind::ScrubFinished { pool, errors, finished_at }
            });
        }
    }
    events
}

/// The current scan of `cur` if it is a newly finished scrub or resilver.
fn finished_scan<'a>(cur: &'a Pool, prev: &Pool) -> Option<&'a Scan> {
    let scan = cur.scan.as_ref().filter(|s| s.state == "finished")?;
    // Without a scan in the previous sample there is nothing to compare: an old result
    // seen for the first time is not a scrub that just finished.
    let prev_scan = prev.scan.as_ref()?;
    // The JSON status gives RFC 3339 times, the text status ctime strings: a switch between
    // the two formats (a failed `-j` once) is not a new result.
    let rfc3339 = |t: &Option<String>| t.as_deref().map(|t| t.contains('T'));
    let already = prev_scan.state == "finished"
        && prev_scan.kind == scan.kind
        && (prev_scan.finished_at == scan.finished_at
            || rfc3339(&prev_scan.finished_at) != rfc3339(&scan.finished_at));
    (!already).then_some(scan)
}
