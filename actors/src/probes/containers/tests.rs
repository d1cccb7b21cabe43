//! Fixture tests for the containers probe: real docker 20.10 and 28.2 client output.

use chrono::{DateTime, TimeZone, Utc};

use super::parse::parse_labels;
use super::*;
use crate::model::containers::Inspect;
use crate::probes::PollContext;
use crate::testing::Scripted;

const PS_20: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-20.10/ps.jsonl"
));
const PS_AFTER_20: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-20.10/ps-after.jsonl"
));
const STATS_20: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-20.10/stats.jsonl"
));
const PS_28: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-28.2/ps.jsonl"
));
const PS_AFTER_28: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-28.2/ps-after.jsonl"
));
const STATS_28: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-28.2/stats.jsonl"
));
const STATS_AFTER_28: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-28.2/stats-after.jsonl"
));

const INSPECT_28: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/docker/client-28.2/inspect.json"
));

pub(super) fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 56, 40).unwrap()
}

/// Parses and merges a ps + stats pair, failing on any warning.
fn snapshot(ps: &str, stats: &str) -> Vec<Container> {
    let (mut containers, w1) = parse_ps(ps, at());
    let (stats, w2) = parse_stats(stats, at());
    assert_eq!((w1, w2), (vec![], vec![]));
    merge(&mut containers, stats);
    containers
}

/// One line per container: `name state health exit_code pids compose`.
fn render(containers: &[Container]) -> String {
    let opt = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    containers
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {} {} {}",
                c.name,
                c.state,
                opt(c.health.clone()),
                opt(c.exit_code.map(|e| e.to_string())),
                opt(c.usage.pids.map(|p| format!("pids={p}"))),
                opt(c
                    .compose_project
                    .clone()
                    .zip(c.compose_service.clone())
                    .map(|(p, s)| p + "/" + &s)),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(ps: &str, stats: &str, expected: &str) {
    assert_eq!(render(&snapshot(ps, stats)), expected.trim());
}

const FIRST_20: &str = "
stopped exited - 0 - -
graceful running - - pids=2 -
oomer exited - 137 - -
paused paused - - pids=2 -
created-only created - - - -
crashloop restarting - 3 - -
stack-web-1 running - - pids=2 stack/web
stack-db-1 running - - pids=2 stack/db
starting running starting - pids=2 -
unhealthy running unhealthy - pids=8 -
healthy running healthy - pids=2 -
failer exited - 1 - -
web running - - pids=2 -";

/// Same containers; this capture of `docker stats` caught `crashloop` between two restarts
/// (listed with `0B / 0B` and 0 pids) and `unhealthy` between two healthchecks.
const FIRST_28: &str = "
stopped exited - 0 - -
graceful running - - pids=2 -
oomer exited - 137 - -
paused paused - - pids=2 -
created-only created - - - -
crashloop restarting - 3 pids=0 -
stack-web-1 running - - pids=2 stack/web
stack-db-1 running - - pids=2 stack/db
starting running starting - pids=2 -
unhealthy running unhealthy - pids=2 -
healthy running healthy - pids=2 -
failer exited - 1 - -
web running - - pids=2 -";

#[test]
fn ps_and_stats_client_20_10() {
    check(PS_20, STATS_20, FIRST_20);
}

#[test]
fn ps_and_stats_client_28_2() {
    check(PS_28, STATS_28, FIRST_28);
}

#[test]
fn fields_of_one_container() {
    let containers = snapshot(PS_28, STATS_28);
    let web = containers.iter().find(|c| c.name == "stack-web-1").unwrap();
    assert_eq!(web.id, "c8d8f4ab3b4bfc1694021fbc9442f8b4a5d2704c24733c193abd2971ada38f13");
    assert_eq!(web.image, "local/busybox");
    assert_eq!(web.status, "Up 10 seconds");
    assert_eq!(web.created_at, "2026-11-23 12:56:32 +0000 UTC");
    assert_eq!(web.labels.len(), 5);
    assert_eq!(web.labels["com.docker.compose.depends_on"], "db:service_started:false");
    assert_eq!(web.usage.mem_limit_bytes, Some(128 * 1024 * 1024));
    assert_eq!(web.usage.net_rx_bytes, Some(0));
    assert_eq!(web.usage.block_write_bytes, Some(0));
    assert!(web.usage.cpu_percent.is_some_and(|c| (0.0..100.0).contains(&c)));
    let containers = snapshot(PS_20, STATS_20);
    let unhealthy = containers.iter().find(|c| c.name == "unhealthy").unwrap();
    assert_eq!(unhealthy.usage.mem_usage_bytes, Some(1_769_996)); // 1.688MiB
}

#[test]
fn labels_keep_commas_inside_values() {
    let labels = parse_labels("a=1,com.docker.compose.depends_on=db:x:false,cache:y:true,b=");
    assert_eq!(labels["com.docker.compose.depends_on"], "db:x:false,cache:y:true");
    assert_eq!(labels["a"], "1");
    assert_eq!(labels["b"], "");
    assert!(parse_labels("").is_empty());
}

#[test]
fn bad_lines_are_skipped_with_a_warning() {
    let mut input = String::from("not json\n{\"Names\":\"x\"}\n\n");
    input.push_str(PS_28.lines().next().unwrap());
    input.push_str("\n{\"ID\":\"\",\"Names\":\"y\"}\n");
    let (containers, warnings) = parse_ps(&input, at());
    assert_eq!(containers.len(), 1);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(1), Some(2), Some(5)]);
    let (stats, warnings) =
        parse_stats("{\"ID\":\"a\",\"CPUPerc\":\"--\",\"MemUsage\":\"-- / --\"}\n[]", at());
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].usage.cpu_percent, None);
    assert_eq!(warnings.len(), 1);
}

/// Names with control bytes or of absurd length refuse their line; a negative CPU share is
/// not kept.
#[test]
fn hostile_names_and_values() {
    let id = "a".repeat(64);
    let long = "n".repeat(5 << 20);
    let input = format!(
        "{{\"ID\":\"{id}\",\"Names\":\"we\\u0000b\"}}\n{{\"ID\":\"{id}\",\"Names\":\"{long}\"}}\n\
         {{\"ID\":\"b\\u001b\",\"Names\":\"x\"}}\n{{\"ID\":\"{id}\",\"Names\":\"ok\"}}\n"
    );
    let (containers, warnings) = parse_ps(&input, at());
    assert_eq!(containers.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(1), Some(2), Some(3)]);
    assert!(warnings.iter().all(|w| w.message.len() < 300), "{warnings:?}");
    let (stats, _) = parse_stats("{\"ID\":\"a\",\"CPUPerc\":\"-5.00%\"}", at());
    assert_eq!(stats[0].usage.cpu_percent, None);
}

/// Renders change events one per line: `Type name [detail]`.
pub(super) fn render_events(events: &[EventKind]) -> String {
    events
        .iter()
        .map(|e| match e {
            EventKind::ContainerStopped { container, exit_code }
            | EventKind::ContainerDied { container, exit_code, .. } => {
                format!("{} {} {:?}", e.type_name(), container.name, exit_code)
            }
            EventKind::ContainerHealthChanged { container, previous, current } => {
                format!("{} {} {previous:?} -> {current:?}", e.type_name(), container.name)
            }
            EventKind::ContainerImageChanged { container, previous_image, .. } => {
                format!(
                    "{} {} {previous_image} -> {}",
                    e.type_name(),
                    container.name,
                    container.image
                )
            }
            EventKind::ContainerRestarted { container, restarts } if *restarts != 1 => {
                format!("{} {} x{restarts}", e.type_name(), container.name)
            }
            EventKind::ContainerCreated { container }
            | EventKind::ContainerStarted { container }
            | EventKind::ContainerRestarted { container, .. }
            | EventKind::ContainerRemoved { container } => {
                format!("{} {}", e.type_name(), container.name)
            }
            other => other.type_name().to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const CHANGES: &str = "
ContainerRemoved created-only
ContainerRemoved stack-web-1
ContainerCreated newcomer
ContainerStarted newcomer
ContainerCreated stack-web-1
ContainerImageChanged stack-web-1 local/busybox -> local/busybox:v2
ContainerStarted stack-web-1
ContainerStarted stopped
ContainerStopped graceful Some(0)
ContainerHealthChanged healthy Some(\"healthy\") -> Some(\"unhealthy\")
ContainerDied web Some(137)";

#[test]
fn diff_between_real_snapshots() {
    for (ps, after) in [(PS_20, PS_AFTER_20), (PS_28, PS_AFTER_28)] {
        let (before, _) = parse_ps(ps, at());
        let (after, _) = parse_ps(after, at());
        assert_eq!(render_events(&diff(&before, &after)), CHANGES.trim());
        assert_eq!(diff(&after, &after), vec![], "same snapshot twice gives no events");
    }
}

fn container(state: &str, status: &str) -> Container {
    let mut c = Container { id: "abc".into(), name: "app".into(), ..Container::default() };
    c.state = state.into();
    c.status = status.into();
    c.health = status::health(status);
    c.exit_code = status::exit_code(status);
    c
}

#[test]
fn diff_rules() {
    let check = |before: Container, after: Container, expected: &str| {
        assert_eq!(render_events(&diff(&[before], &[after])), expected, "{expected}");
    };
    let up = |s: &str| container("running", s);
    check(up("Up 2 hours"), up("Up 5 seconds"), "ContainerRestarted app");
    check(up("Up 59 seconds"), up("Up About a minute"), "");
    check(up("Up 3 minutes"), container("paused", "Up 3 minutes (Paused)"), "");
    check(
        up("Up 3 minutes"),
        container("restarting", "Restarting (2) 1 second ago"),
        "ContainerDied app Some(2)",
    );
    check(
        container("restarting", "Restarting (2) 1 second ago"),
        up("Up 1 second"),
        "ContainerStarted app",
    );
    check(
        container("created", "Created"),
        container("exited", "Exited (0) 1 second ago"),
        "ContainerStopped app Some(0)",
    );
    check(up("Up 3 minutes"), container("dead", "Dead"), "ContainerDied app None");
    check(
        container("exited", "Exited (1) 1 hour ago"),
        up("Up 1 second (health: starting)"),
        "ContainerStarted app",
    );
    check(
        up("Up 1 minute (unhealthy)"),
        container("exited", "Exited (137) 1 second ago"),
        "ContainerDied app Some(137)",
    );
    check(
        up("Up 1 minute (unhealthy)"),
        up("Up 1 second (health: starting)"),
        "ContainerRestarted app\nContainerHealthChanged app Some(\"unhealthy\") -> Some(\"starting\")",
    );
    let mut other = up("Up 1 second");
    other.id = "def".into();
    check(
        up("Up 1 hour"),
        other,
        "ContainerRemoved app\nContainerCreated app\nContainerStarted app",
    );
    // Created and already exited between two polls: its exit is still reported.
    let mut oneshot = container("exited", "Exited (1) 2 seconds ago");
    oneshot.id = "ghi".into();
    check(
        up("Up 1 hour"),
        oneshot,
        "ContainerRemoved app\nContainerCreated app\nContainerDied app Some(1)",
    );
    // When `docker inspect` covers both polls it decides: same restart count and start time
    // means no restart, whatever the status text's uptime says (clock steps, rounding).
    let inspected = |status: &str| {
        let mut c = up(status);
        c.inspect = Some(Inspect {
            restart_count: Some(0),
            started_at: Some("2026-11-23T10:00:00Z".into()),
            ..Inspect::default()
        });
        c
    };
    check(inspected("Up 2 hours"), inspected("Up 5 seconds"), "");
    let mut bumped = inspected("Up 2 hours");
    if let Some(i) = bumped.inspect.as_mut() {
        i.restart_count = Some(1);
    }
    check(inspected("Up 2 hours"), bumped, "ContainerRestarted app");
}

#[tokio::test]
async fn probe_samples_then_reports_changes() {
    let transport = Scripted::new([
        ("docker_ps", 0, PS_28),
        ("docker_stats", 0, STATS_28),
        ("docker_inspect", 0, INSPECT_28),
        ("docker_ps", 0, PS_AFTER_28),
        ("docker_stats", 0, STATS_AFTER_28),
        ("docker_inspect", 0, INSPECT_28),
        ("docker_ps", 1, ""),
    ]);
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let mut probe = ContainersProbe::default();

    let first = probe.poll(&ctx).await.unwrap();
    assert_eq!(first.len(), 1, "first poll: sample only");
    let EventKind::ContainerStatsSampled { containers } = &first[0] else { panic!("{first:?}") };
    assert_eq!(containers.len(), 13);
    assert!(
        containers.iter().filter(|c| c.is_running()).all(|c| c.usage.mem_usage_bytes.is_some())
    );

    let second = probe.poll(&ctx).await.unwrap();
    assert_eq!(second[0].type_name(), "ContainerStatsSampled");
    assert_eq!(render_events(&second[1..]), CHANGES.trim());

    let err = probe.poll(&ctx).await.unwrap_err();
    assert!(matches!(err, ProbeError::Command { command: "docker_ps", status: 1, .. }), "{err}");
}

/// Every prefix of every fixture, and some garbage, parses without panicking.
#[test]
fn parsers_never_panic() {
    let mut rng = fastrand::Rng::with_seed(7);
    let garbage = [
        String::new(),
        "{".repeat(100_000),
        "[".repeat(10_000) + &"]".repeat(10_000),
        "\u{0}\u{ffff}\n\r\n{\"ID\":1}".into(),
        "{\"ID\":\"x\",\"Names\":\"\",\"Status\":\"Exited (\",\"Labels\":\",,=,=x,\"}".into(),
        "{\"ID\":\"x\",\"MemUsage\":\"1e308PiB / 9999999999999999999999TiB\",\"PIDs\":\"-1\"}"
            .into(),
        (0..50_000).map(|_| rng.char(..)).collect(),
    ];
    for input in
        [PS_20, PS_28, STATS_20, STATS_28].into_iter().chain(garbage.iter().map(String::as_str))
    {
        for (i, _) in input.char_indices().step_by(3) {
            let prefix = &input[..i];
            let _ = parse_ps(prefix, at());
            let _ = parse_stats(prefix, at());
        }
        let _ = parse_ps(input, at());
        let _ = parse_stats(input, at());
    }
}
