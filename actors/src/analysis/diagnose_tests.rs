//! Tests of the diagnosis beyond the single cases: the ranking, the score, the evidence, an
//! offline device, the fleet roll-up, thresholds and the output schemas.

use std::sync::Arc;

use super::fixtures::*;
use super::*;
use crate::events::{Event, EventKind};
use crate::model::drives::Drive;
use crate::state::Projection;

#[test]
fn problems_are_ranked_and_scored_and_carry_their_evidence() {
    let at = observed();
    let s = fold(vec![
        online(),
        updates(&[("vim", false)]),
        metrics(85, 10),
        drives(vec![Drive { reallocated_sectors: Some(8), ..drive("/dev/sda", "ATA", 66) }]),
    ]);
    let d = diagnose_device("tower", &s, now(), &Thresholds::default());
    let got: Vec<_> = d.problems.iter().map(|p| (p.severity, p.area)).collect();
    assert_eq!(
        got,
        [
            (Severity::Critical, Area::Drive),
            (Severity::Warning, Area::Drive),
            (Severity::Warning, Area::Filesystem),
            (Severity::Info, Area::Updates),
        ]
    );
    // 100 - 25 - 10 - 10 - 2
    assert_eq!(d.score, 53);
    assert_eq!(d.status, Reachability::Online);
    assert!(d.problems.iter().all(|p| p.observed_at == Some(at)));
    let health = &d.problems[1];
    assert_eq!(health.evidence["reallocated_sectors"], 8);
    assert!(health.summary.contains("8 reallocated sectors"), "{}", health.summary);
    assert_eq!(d.problems[0].evidence["temperature_c"], 66);
    assert_eq!(d.problems[2].evidence["mount"], "/");
    assert_eq!(d.checked, ["drives", "metrics", "updates"]);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["problems"][0]["severity"], "critical");
    assert_eq!(json["problems"][0]["area"], "drive");
    assert_eq!(json["status"], "online");
}

#[test]
fn an_offline_device_scores_low_says_why_and_keeps_its_last_known_problems() {
    let s = fold(vec![
        online(),
        metrics(95, 10),
        EventKind::DeviceOffline { consecutive_failures: 3, reason: "no route to host".into() },
        EventKind::ProbeSkipped { probe: "vms".into(), reason: "virsh not found".into() },
    ]);
    let d = diagnose_device("tower", &s, now(), &Thresholds::default());
    assert_eq!(d.status, Reachability::Offline);
    assert_eq!(d.score, 10);
    let offline = &d.problems[0];
    assert_eq!((offline.severity, offline.area), (Severity::Critical, Area::Device));
    assert!(offline.summary.contains("no route to host"), "{}", offline.summary);
    assert_eq!(offline.evidence["offline_seconds"], 60);
    assert_eq!(offline.evidence["reason"], "no route to host");
    assert!(d.problems.iter().any(|p| p.area == Area::Filesystem));
    assert_eq!(d.skipped["vms"], "virsh not found");
    assert!(d.summary.contains("offline") && d.summary.contains("10/100"), "{}", d.summary);
}

#[test]
fn the_fleet_is_listed_worst_first_with_totals() {
    let p = Projection::new(1 << 20);
    let ev = |device: &str, kind| Arc::new(Event::new(device, observed(), kind));
    p.apply_all(&[
        ev("alpha", online()),
        ev("alpha", metrics(10, 10)),
        ev("beta", online()),
        ev("beta", metrics(85, 10)),
        ev("gamma", online()),
        ev("gamma", EventKind::DeviceOffline { consecutive_failures: 3, reason: "timeout".into() }),
    ]);
    let f = diagnose_fleet(&p.snapshot(), now(), &Thresholds::default());
    let order: Vec<_> = f.devices.iter().map(|d| (d.device.as_str(), d.score)).collect();
    assert_eq!(order, [("gamma", 10), ("beta", 90), ("alpha", 100)]);
    assert_eq!((f.total, f.online, f.offline), (3, 2, 1));
    assert_eq!(f.counts, ProblemCounts { critical: 1, warning: 1, info: 0 });
    assert!(f.summary.starts_with("3 devices (2 online, 1 offline)"), "{}", f.summary);
    let empty = diagnose_fleet(&Snapshot::default(), now(), &Thresholds::default());
    assert_eq!((empty.total, empty.devices.len()), (0, 0));
}

#[test]
fn thresholds_change_the_verdicts() {
    let s = fold(vec![online(), metrics(75, 10)]);
    let strict = Thresholds { fs_warning_percent: 70.0, ..Thresholds::default() };
    assert!(diagnose_device("tower", &s, now(), &Thresholds::default()).problems.is_empty());
    let d = diagnose_device("tower", &s, now(), &strict);
    assert_eq!(found(&d), [(Severity::Warning, Area::Filesystem, "/".to_string())]);
}

/// A metrics sample with `cores` cores' usage and the load averages `(1, 5, 15)`.
fn load(cores: u32, (l1, l5, l15): (f64, f64, f64)) -> EventKind {
    let cpu_cores =
        (0..cores).map(|core| crate::model::metrics::CoreUsage { core, percent: 50.0 }).collect();
    let sample = crate::model::metrics::MetricsSample {
        load1: Some(l1),
        load5: Some(l5),
        load15: Some(l15),
        cpu_cores,
        ..Default::default()
    };
    EventKind::MetricsSampled { sample }
}

#[test]
fn the_load_average_per_core_is_judged_on_its_five_minute_figure() {
    let t = Thresholds::default();
    let judge =
        |cores, l| diagnose_device("tower", &fold(vec![online(), load(cores, l)]), now(), &t);
    let (w, c) = (Severity::Warning, Severity::Critical);
    let cases = [
        (4, (30.0, 7.9, 3.0), None), // a 1-minute burst; 5 min below 2.0 per core
        (4, (1.0, 8.0, 9.0), Some(w)), // 2.0 per core
        (4, (1.0, 16.0, 9.0), Some(c)), // 4.0 per core
        (16, (1.0, 16.0, 9.0), None), // the same load on 16 cores is 1.0 per core
        (0, (99.0, 99.0, 99.0), None), // the first poll: no core count, no verdict
    ];
    for (cores, l, want) in cases {
        let d = judge(cores, l);
        let got: Vec<_> =
            d.problems.iter().filter(|p| p.area == Area::Load).map(|p| p.severity).collect();
        assert_eq!(got, want.into_iter().collect::<Vec<_>>(), "{cores} cores, {l:?}");
    }
    let d = judge(4, (1.0, 10.0, 9.0));
    let p = &d.problems[0];
    assert_eq!((p.object.as_str(), p.evidence["cores"].as_u64()), ("tower", Some(4)));
    assert_eq!(p.evidence["load_per_core"].as_f64(), Some(2.5));
    assert_eq!(p.evidence["threshold"].as_f64(), Some(2.0));
    assert!(p.summary.contains("10.00 on 4 cores (2.50 per core"), "{}", p.summary);
    let strict = Thresholds { load_warning_per_core: 1.0, ..Thresholds::default() };
    let s = fold(vec![online(), load(16, (1.0, 16.0, 9.0))]);
    let d = diagnose_device("tower", &s, now(), &strict);
    assert_eq!(found(&d), [(Severity::Warning, Area::Load, "tower".to_string())]);
}

#[test]
fn output_types_have_json_schemas() {
    let schema = serde_json::to_value(schemars::schema_for!(FleetDiagnosis)).unwrap();
    assert!(schema.to_string().contains("\"problems\""), "{schema}");
    for s in [
        serde_json::to_value(schemars::schema_for!(DeviceDiagnosis)).unwrap(),
        serde_json::to_value(schemars::schema_for!(crate::analysis::Trend)).unwrap(),
        serde_json::to_value(schemars::schema_for!(crate::analysis::CapacityForecast)).unwrap(),
        serde_json::to_value(schemars::schema_for!(crate::analysis::FreshnessReport)).unwrap(),
        serde_json::to_value(schemars::schema_for!(Thresholds)).unwrap(),
    ] {
        assert_eq!(s["type"], "object", "{s}");
    }
}
