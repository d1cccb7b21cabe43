//! Builders of device states for the diagnosis tests: real model values folded through
//! `DeviceState::apply` as real events, and the runner of the data-driven cases.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::events::{Event, EventKind};
use crate::model::containers::{Container, Inspect};
use crate::model::drives::Drive;
use crate::model::metrics::{Filesystem, MetricsSample};
use crate::model::updates::Package;
use crate::model::zfs::{Pool, Scan, SnapshotSummary, ZfsSample};

pub(super) const GIB: u64 = 1 << 30;

pub(super) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z").unwrap().to_utc()
}

pub(super) fn observed() -> DateTime<Utc> {
    now() - Duration::minutes(1)
}

pub(super) fn fold(kinds: Vec<EventKind>) -> DeviceState {
    let mut s = DeviceState::default();
    for k in kinds {
        s.apply(&Arc::new(Event::new("tower", observed(), k)));
    }
    s
}

pub(super) fn online() -> EventKind {
    EventKind::DeviceOnline { transport: "local".into() }
}

/// Metrics with one filesystem `percent` full and memory `mem_percent` used.
pub(super) fn metrics(fs_percent: u64, mem_percent: u64) -> EventKind {
    let fs = Filesystem {
        source: "/dev/sda1".into(),
        mount: "/".into(),
        size_bytes: 100 * GIB,
        used_bytes: fs_percent * GIB,
        avail_bytes: (100 - fs_percent) * GIB,
    };
    let sample = MetricsSample {
        mem_total_bytes: Some(100 * GIB),
        mem_available_bytes: Some((100 - mem_percent) * GIB),
        filesystems: vec![fs],
        ..MetricsSample::default()
    };
    EventKind::MetricsSampled { sample }
}

pub(super) fn container(
    name: &str,
    state: &str,
    exit_code: Option<i64>,
    health: Option<&str>,
) -> Container {
    Container {
        id: format!("id-{name}"),
        name: name.into(),
        image: "img:1".into(),
        state: state.into(),
        exit_code,
        health: health.map(Into::into),
        ..Container::default()
    }
}

pub(super) fn inspected(mut c: Container, restarts: u64, oom: bool) -> Container {
    c.inspect = Some(Inspect {
        restart_count: Some(restarts),
        oom_killed: Some(oom),
        ..Inspect::default()
    });
    c
}

pub(super) fn containers(cs: Vec<Container>) -> EventKind {
    EventKind::ContainerStatsSampled { containers: cs }
}

pub(super) fn drive(device: &str, protocol: &str, temp: i64) -> Drive {
    Drive {
        device: device.into(),
        protocol: Some(protocol.into()),
        smart_passed: Some(true),
        temperature_c: Some(temp),
        reallocated_sectors: Some(0),
        ..Drive::default()
    }
}

pub(super) fn drives(ds: Vec<Drive>) -> EventKind {
    EventKind::DriveHealthSampled { drives: ds }
}

pub(super) fn pool(health: &str, capacity: u64, scan: Option<Scan>) -> Pool {
    Pool {
        name: "tank".into(),
        health: health.into(),
        capacity_percent: Some(capacity),
        scan,
        ..Pool::default()
    }
}

pub(super) fn scrub(errors: u64) -> Option<Scan> {
    Some(Scan {
        kind: "scrub".into(),
        state: "finished".into(),
        errors: Some(errors),
        ..Scan::default()
    })
}

pub(super) fn zfs(pools: Vec<Pool>, snapshot_hours: &[(&str, i64)]) -> EventKind {
    let snapshots = snapshot_hours
        .iter()
        .map(|&(dataset, h)| SnapshotSummary {
            dataset: dataset.into(),
            count: 4,
            newest_created_at: Some(now() - Duration::hours(h)),
            newest_name: Some(format!("auto-{h}h")),
            newest_age_secs: Some(h * 3600),
        })
        .collect();
    EventKind::PoolStatusSampled { sample: ZfsSample { pools, snapshots, ..ZfsSample::default() } }
}

/// Pending updates; security ones pending for 8 days (past the 7-day limit).
pub(super) fn updates(packages: &[(&str, bool)]) -> EventKind {
    updates_for(packages, 8)
}

/// Pending updates; security ones pending for `days`.
pub(super) fn updates_for(packages: &[(&str, bool)], days: i64) -> EventKind {
    let packages: Vec<_> = packages
        .iter()
        .map(|&(name, security)| Package {
            name: name.into(),
            candidate: "2".into(),
            security,
            ..Package::default()
        })
        .collect();
    let security_count = packages.iter().filter(|p| p.security).count() as u32;
    let security_since = (security_count > 0).then(|| now() - chrono::Duration::days(days));
    EventKind::UpdatesSampled { manager: "apt".into(), packages, security_count, security_since }
}

pub(super) type Expected = Vec<(Severity, Area, &'static str)>;

pub(super) fn found(d: &DeviceDiagnosis) -> Vec<(Severity, Area, String)> {
    d.problems.iter().map(|p| (p.severity, p.area, p.object.clone())).collect()
}

/// Runs `(name, events, expected problems)` cases: the problems found, in rank order, are
/// exactly those expected, and a device without problems scores 100.
pub(super) fn run(cases: Vec<(&str, Vec<EventKind>, Expected)>) {
    let t = Thresholds::default();
    for (name, events, want) in cases {
        let d = diagnose_device("tower", &fold(events), now(), &t);
        let want: Vec<_> = want.into_iter().map(|(s, a, o)| (s, a, o.to_string())).collect();
        assert_eq!(found(&d), want, "{name}: {:#?}", d.problems);
        assert_eq!(d.counts.total(), d.problems.len(), "{name}");
        if want.is_empty() {
            assert_eq!(d.score, 100, "{name}");
            assert!(d.summary.ends_with("no problems found"), "{name}: {}", d.summary);
        } else {
            assert!(d.score < 100, "{name}");
        }
    }
}
