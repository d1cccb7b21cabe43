//! Restarts are never missed: across an outage with the same uptime text, twice within one
//! poll interval, after a failed or garbage `docker inspect`; and `docker inspect` of 1000
//! containers in bounded batches.

use chrono::Duration;

use super::tests::{at, render_events};
use super::*;
use crate::model::containers::Inspect;
use crate::probes::PollContext;
use crate::testing::Scripted;

fn id(i: usize) -> String {
    format!("{i:064x}")
}

fn ps_line(i: usize, state: &str, status: &str) -> String {
    format!(
        r#"{{"ID":"{}","Names":"app{i}","Image":"nginx","State":"{state}","Status":"{status}"}}"#,
        id(i)
    )
}

fn inspect_obj(i: usize, restarts: u64, started: &str) -> String {
    format!(r#"{{"Id":"{}","RestartCount":{restarts},"State":{{"StartedAt":"{started}"}}}}"#, id(i))
}

fn ctx(t: &Scripted, secs: i64) -> PollContext<'_> {
    PollContext {
        transport: t,
        observed_at: at() + Duration::seconds(secs),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    }
}

/// The change events of a poll, rendered, and the number of `docker inspect` commands so far.
async fn changes(probe: &mut ContainersProbe, t: &Scripted, secs: i64) -> String {
    let events = probe.poll(&ctx(t, secs)).await.unwrap();
    render_events(&events[1..])
}

const T1: &str = "2026-11-23T12:53:40.123456789Z";
const T2: &str = "2026-11-23T13:03:40.5Z";

#[tokio::test]
async fn a_restart_during_an_outage_is_reported_once() {
    let t = Scripted::default();
    // 12:56:40: up 3 minutes. Then no poll for 10 minutes (device offline); at 13:06:40 it is
    // "Up 3 minutes" again: it was restarted at 13:03:40.
    t.push("docker_ps", 0, ps_line(1, "running", "Up 3 minutes"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 0, T1)));
    t.push("docker_ps", 0, ps_line(1, "running", "Up 3 minutes"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 1, T2)));
    t.push("docker_ps", 0, ps_line(1, "running", "Up 3 minutes"));
    t.push("docker_stats", 0, "");
    let mut probe = ContainersProbe::default();
    assert_eq!(changes(&mut probe, &t, 0).await, "");
    assert_eq!(changes(&mut probe, &t, 600).await, "ContainerRestarted app1");
    // 30 s later, still "Up 3 minutes": consistent with the new start, no inspect, no event.
    assert_eq!(changes(&mut probe, &t, 630).await, "");
    assert_eq!(t.unused(), 0);
}

#[tokio::test]
async fn two_restarts_in_one_interval_are_one_event_with_both() {
    let t = Scripted::default();
    t.push("docker_ps", 0, ps_line(1, "running", "Up 2 hours"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 0, T1)));
    t.push("docker_ps", 0, ps_line(1, "running", "Up 5 seconds"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 2, T2)));
    t.push("docker_ps", 0, ps_line(1, "running", "Up 35 seconds"));
    t.push("docker_stats", 0, "");
    let mut probe = ContainersProbe::default();
    changes(&mut probe, &t, 0).await;
    assert_eq!(changes(&mut probe, &t, 30).await, "ContainerRestarted app1 x2");
    assert_eq!(changes(&mut probe, &t, 60).await, "");
    assert_eq!(t.unused(), 0);
}

#[tokio::test]
async fn a_failed_inspect_fails_the_poll_and_is_retried() {
    let t = Scripted::default();
    t.push("docker_ps", 0, ps_line(1, "exited", "Exited (0) 1 minute ago"));
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 0, T1)));
    // Started: inspect needed, but the daemon does not answer it.
    t.push("docker_ps", 0, ps_line(1, "running", "Up 10 seconds"));
    t.push("docker_stats", 0, "");
    t.push_stderr("docker_inspect", 1, "", "Cannot connect to the Docker daemon");
    // Garbage from inspect: an unreadable-output failure.
    t.push("docker_ps", 0, ps_line(1, "running", "Up 40 seconds"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, "[{\"Id\": \u{7}garbage");
    t.push("docker_ps", 0, ps_line(1, "running", "Up About a minute"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 0, T2)));
    let mut probe = ContainersProbe::default();
    changes(&mut probe, &t, 0).await;
    let err = probe.poll(&ctx(&t, 30)).await.unwrap_err();
    assert!(
        matches!(err, ProbeError::Command { command: "docker_inspect", status: 1, .. }),
        "{err}"
    );
    assert!(!err.is_unreachable());
    let err = probe.poll(&ctx(&t, 60)).await.unwrap_err();
    assert!(matches!(err, ProbeError::Output { command: "docker_inspect", .. }), "{err}");
    // The last good snapshot stands: the start is reported once, from fresh inspect data.
    let events = probe.poll(&ctx(&t, 90)).await.unwrap();
    assert_eq!(render_events(&events[1..]), "ContainerStarted app1");
    let EventKind::ContainerStatsSampled { containers } = &events[0] else { panic!() };
    assert_eq!(containers[0].inspect.as_ref().unwrap().started_at.as_deref(), Some(T2));
    assert_eq!(t.unused(), 0);
}

#[tokio::test]
async fn a_garbage_start_time_is_not_kept_and_is_asked_again() {
    let t = Scripted::default();
    t.push("docker_ps", 0, ps_line(1, "running", "Up 2 hours"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 0, "\\u001b[31mnot a time")));
    t.push("docker_ps", 0, ps_line(1, "running", "Up 2 hours"));
    t.push("docker_stats", 0, "");
    t.push("docker_inspect", 0, format!("[{}]", inspect_obj(1, 0, T1)));
    let mut probe = ContainersProbe::default();
    let events = probe.poll(&ctx(&t, 0)).await.unwrap();
    let EventKind::ContainerStatsSampled { containers } = &events[0] else { panic!() };
    assert_eq!(containers[0].inspect.as_ref().unwrap().started_at, None);
    // Running without a start time: inspected again; a first real start time is no restart.
    assert_eq!(changes(&mut probe, &t, 30).await, "");
    assert_eq!(t.unused(), 0);
}

#[tokio::test]
async fn a_thousand_containers_are_inspected_in_batches() {
    let ps: String =
        (0..1000).map(|i| ps_line(i, "exited", "Exited (0) 1 hour ago") + "\n").collect();
    let batch = |b: usize| -> String {
        let objs: Vec<String> = (b * 100..(b + 1) * 100).map(|i| inspect_obj(i, 0, T1)).collect();
        format!("[{}]", objs.join(","))
    };
    let t = Scripted::default();
    t.push("docker_ps", 0, ps.clone());
    for b in 0..10 {
        t.push("docker_inspect", 0, batch(b));
    }
    let mut probe = ContainersProbe::default();
    let events = probe.poll(&ctx(&t, 0)).await.unwrap();
    let EventKind::ContainerStatsSampled { containers } = &events[0] else { panic!() };
    assert!(containers.iter().all(|c| c.inspect.is_some()), "every container inspected");
    let lines = t.lines();
    let inspects: Vec<&String> = lines.iter().filter(|l| l.starts_with("docker inspect")).collect();
    assert_eq!(inspects.len(), 10);
    assert!(inspects.iter().all(|l| l.split(' ').count() - 4 <= command::MAX_BATCH));

    // A new probe: batch 7 of 10 fails, and the poll fails with its reason.
    let t = Scripted::default();
    t.push("docker_ps", 0, ps);
    for b in 0..10 {
        if b == 7 {
            t.push_stderr("docker_inspect", 1, "", "Error response from daemon: too many requests");
        } else {
            t.push("docker_inspect", 0, batch(b));
        }
    }
    let err = ContainersProbe::default().poll(&ctx(&t, 0)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "`docker_inspect` exited with status 1: Error response from daemon: too many requests"
    );
    assert_eq!(t.unused(), 2, "the poll stops at the failed batch");
}

#[tokio::test]
async fn vanished_ids_are_not_a_failure() {
    let t = Scripted::default();
    t.push(
        "docker_ps",
        0,
        ps_line(1, "exited", "Exited (0) 1 hour ago")
            + "\n"
            + &ps_line(2, "exited", "Exited (0) 1 hour ago"),
    );
    t.push_stderr(
        "docker_inspect",
        1,
        format!("[{}]", inspect_obj(1, 0, T1)),
        format!("Error: No such object: {}", id(2)),
    );
    let events = ContainersProbe::default().poll(&ctx(&t, 0)).await.unwrap();
    let EventKind::ContainerStatsSampled { containers } = &events[0] else { panic!() };
    let inspected: Vec<bool> = containers.iter().map(|c| c.inspect.is_some()).collect();
    assert_eq!(inspected, [true, false]);
}

#[test]
fn needs_inspect_accounts_for_the_time_between_polls() {
    let c = |status: &str| Container {
        id: id(1),
        state: "running".into(),
        status: status.into(),
        inspect: Some(Inspect { started_at: Some(T1.into()), ..Inspect::default() }),
        ..Container::default()
    };
    let (prev, cur) = (c("Up 3 minutes"), c("Up 3 minutes"));
    assert!(!needs_inspect(Some(&prev), &cur, Some(30)));
    assert!(needs_inspect(Some(&prev), &cur, Some(600)), "restarted during an outage");
    assert!(!needs_inspect(Some(&c("Up 5 hours")), &c("Up 5 hours"), Some(3000)));
    assert!(needs_inspect(Some(&c("Up 5 hours")), &c("Up 5 hours"), Some(7200)));
    assert!(needs_inspect(Some(&c("Up 2 hours")), &c("Up 5 seconds"), None), "uptime dropped");
    let mut no_start = c("Up 3 minutes");
    no_start.inspect.as_mut().unwrap().started_at = None;
    assert!(needs_inspect(Some(&no_start), &cur, Some(30)), "running without a start time");
}
