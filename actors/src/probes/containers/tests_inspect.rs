//! `docker inspect`: parsing the real 20.10 and 28.2 captures, inspecting only new or changed
//! containers, restarts from the restart count, OOM kills, and restart-loop detection.

use crate::testing::Scripted;

use super::tests::{at, render_events};
use super::*;
use crate::events::EventKind;
use crate::model::containers::Inspect;
use crate::probes::PollContext;

macro_rules! docker {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/docker/", $path))
    };
}

const INSPECT_20: &str = docker!("client-20.10/inspect.json");
const INSPECT_28: &str = docker!("client-28.2/inspect.json");
const PS_28: &str = docker!("client-28.2/ps.jsonl");

/// `name restarts oom policy image-id-prefix networks started finished`, per container.
fn render(output: &str, ps: &str) -> String {
    let (found, warnings) = parse_inspect(output, at());
    assert_eq!(warnings, vec![]);
    let (containers, _) = parse_ps(ps, at());
    assert_eq!(found.len(), containers.len());
    let o = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    containers
        .iter()
        .map(|c| {
            let i = &found[&c.id];
            let nets: Vec<String> =
                i.networks.iter().map(|n| format!("{}={}", n.name, o(n.ip.clone()))).collect();
            format!(
                "{} {} oom={} {} {} {} started={} finished={}",
                c.name,
                o(i.restart_count.map(|r| r.to_string())),
                o(i.oom_killed.map(|b| b.to_string())),
                o(i.restart_policy.clone()),
                i.image_id.as_deref().unwrap_or("-").get(..13).unwrap_or("-"),
                nets.join(","),
                i.started_at.is_some(),
                i.finished_at.is_some(),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const INSPECTED: &str = "
stopped 0 oom=false no sha256:aba36f bridge=- started=true finished=true
graceful 0 oom=false no sha256:aba36f bridge=- started=true finished=false
oomer 0 oom=true no sha256:aba36f bridge=- started=true finished=true
paused 0 oom=false no sha256:aba36f bridge=- started=true finished=false
created-only 0 oom=false no sha256:aba36f bridge=- started=false finished=false
crashloop 6 oom=false on-failure:100 sha256:aba36f bridge=- started=true finished=true
stack-web-1 0 oom=false unless-stopped sha256:aba36f bridge=- started=true finished=false
stack-db-1 0 oom=false no sha256:aba36f bridge=- started=true finished=false
starting 0 oom=false no sha256:aba36f bridge=- started=true finished=false
unhealthy 0 oom=false no sha256:aba36f bridge=- started=true finished=false
healthy 0 oom=false no sha256:aba36f bridge=- started=true finished=false
failer 0 oom=false no sha256:aba36f bridge=- started=true finished=true
web 0 oom=false no sha256:aba36f bridge=- started=true finished=false";

#[test]
fn inspect_client_28_2() {
    assert_eq!(render(INSPECT_28, PS_28), INSPECTED.trim());
}

#[test]
fn inspect_client_20_10() {
    let ps = docker!("client-20.10/ps.jsonl");
    let first_image = parse_inspect(INSPECT_20, at()).0.values().next().unwrap().image_id.clone();
    let expected = INSPECTED.replace("sha256:aba36f", first_image.unwrap().get(..13).unwrap());
    assert_eq!(render(INSPECT_20, ps), expected.trim());
}

#[test]
fn mounts_networks_and_depends_on() {
    let json = r#"[{"Id": "x", "State": {"StartedAt": "0001-01-01T00:00:00Z"},
        "Mounts": [{"Type": "bind", "Source": "/srv/data", "Destination": "/data", "RW": true},
                   {"Type": "volume", "Name": "v", "Source": "/var/lib/docker/volumes/v/_data",
                    "Destination": "/cache", "Mode": "z", "RW": false}],
        "NetworkSettings": {"Networks": {"stack_default": {"IPAddress": "172.18.0.2",
            "GlobalIPv6Address": ""}}}}, {"Names": "no id"}, 3]"#;
    let (found, warnings) = parse_inspect(json, at());
    assert_eq!(warnings.len(), 2);
    let x = &found["x"];
    assert_eq!(x.started_at, None, "the zero time means never");
    let mounts: Vec<String> = x
        .mounts
        .iter()
        .map(|m| format!("{} {}->{} rw={}", m.kind, m.source, m.destination, m.rw))
        .collect();
    assert_eq!(
        mounts,
        [
            "bind /srv/data->/data rw=true",
            "volume /var/lib/docker/volumes/v/_data->/cache rw=false"
        ]
    );
    assert_eq!(x.networks.len(), 1);
    assert_eq!(
        (x.networks[0].ip.as_deref(), x.networks[0].ipv6.as_deref()),
        (Some("172.18.0.2"), None)
    );
    let (containers, _) = parse_ps(PS_28, at());
    let web = containers.iter().find(|c| c.name == "stack-web-1").unwrap();
    assert_eq!(web.depends_on, ["db"]);
    assert_eq!(parse_inspect("", at()), Default::default());
    assert_eq!(parse_inspect("{}", at()).1.len(), 1);
}

fn running(restarts: u64, started: &str) -> Container {
    Container {
        id: "a".repeat(64),
        name: "app".into(),
        state: "running".into(),
        status: "Up 2 hours".into(),
        inspect: Some(Inspect {
            restart_count: Some(restarts),
            started_at: Some(started.into()),
            ..Inspect::default()
        }),
        ..Container::default()
    }
}

#[test]
fn restarts_from_inspect_and_oom_kills() {
    // The uptime text did not go down, but the engine counted a restart.
    let events = diff(&[running(0, "t0")], &[running(1, "t1")]);
    assert_eq!(render_events(&events), "ContainerRestarted app");
    // Same count, new start time (e.g. `docker restart`).
    assert_eq!(
        render_events(&diff(&[running(1, "t1")], &[running(1, "t2")])),
        "ContainerRestarted app"
    );
    assert_eq!(diff(&[running(1, "t1")], &[running(1, "t1")]), vec![]);
    let mut dead = running(1, "t1");
    dead.state = "exited".into();
    dead.status = "Exited (137) 1 second ago".into();
    dead.exit_code = Some(137);
    dead.inspect.as_mut().unwrap().oom_killed = Some(true);
    let events = diff(&[running(1, "t1")], &[dead]);
    let [EventKind::ContainerDied { exit_code: Some(137), oom_killed: Some(true), .. }] =
        events.as_slice()
    else {
        panic!("{events:?}")
    };
}

#[test]
fn restart_loop_is_reported_once_per_episode() {
    let mut tracker = RestartTracker::default();
    let t0 = at();
    let mut prev = running(0, "t0");
    let mut reported = Vec::new();
    // One restart per 30 s poll for 3 minutes, then quiet for 6 minutes, then again.
    let mut plan: Vec<bool> = vec![true; 6];
    plan.extend(vec![false; 12]);
    plan.extend(vec![true; 4]);
    for (i, restart) in plan.into_iter().enumerate() {
        let count = prev.inspect.as_ref().unwrap().restart_count.unwrap() + u64::from(restart);
        let cur = running(count, &format!("t{count}"));
        let changes = diff(std::slice::from_ref(&prev), std::slice::from_ref(&cur));
        let when = t0 + chrono::Duration::seconds(30 * i as i64);
        for e in
            tracker.observe(std::slice::from_ref(&prev), std::slice::from_ref(&cur), &changes, when)
        {
            let EventKind::ContainerRestartLoopDetected { restarts, window_secs, .. } = e else {
                panic!("{e:?}")
            };
            reported.push((i, restarts, window_secs));
        }
        prev = cur;
    }
    assert_eq!(reported, [(2, 3, 300), (20, 3, 300)]);
}

#[tokio::test]
async fn only_new_or_changed_containers_are_inspected() {
    let stats = docker!("client-28.2/stats.jsonl");
    let after = docker!("client-28.2/ps-after.jsonl");
    let transport = Scripted::new([
        ("docker_ps", 0, PS_28),
        ("docker_stats", 0, stats),
        ("docker_inspect", 0, INSPECT_28),
        ("docker_ps", 0, PS_28),
        ("docker_stats", 0, stats),
        ("docker_inspect", 0, INSPECT_28),
        ("docker_ps", 0, after),
        ("docker_stats", 0, stats),
        ("docker_inspect", 0, INSPECT_28),
    ]);
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let mut probe = ContainersProbe::default();
    let inspected = |transport: &Scripted| -> Vec<usize> {
        transport
            .lines()
            .iter()
            .filter(|l| l.starts_with("docker inspect"))
            .map(|l| l.split(' ').count() - 4)
            .collect()
    };
    let first = probe.poll(&ctx).await.unwrap();
    let EventKind::ContainerStatsSampled { containers } = &first[0] else { panic!() };
    assert!(containers.iter().all(|c| c.inspect.is_some()), "every container inspected");
    assert_eq!(inspected(&transport), [13]);
    // Unchanged: only the restarting container is inspected again; the others keep theirs.
    let second = probe.poll(&ctx).await.unwrap();
    let EventKind::ContainerStatsSampled { containers } = &second[0] else { panic!() };
    assert!(containers.iter().all(|c| c.inspect.is_some()));
    assert_eq!(inspected(&transport), [13, 1]);
    // ps-after: 2 new (newcomer, the re-created stack-web-1), 4 changed state (stopped,
    // graceful, paused, web), 1 changed health (healthy), 1 restarting (crashloop).
    probe.poll(&ctx).await.unwrap();
    assert_eq!(inspected(&transport), [13, 1, 8]);
}

#[test]
fn inspect_parser_never_panics() {
    let mut rng = fastrand::Rng::with_seed(11);
    let garbage = [
        "[".repeat(100_000),
        r#"[{"Id": 1}, {"Id": "x", "State": 5, "Mounts": {}, "HostConfig": {"RestartPolicy": []}, "NetworkSettings": {"Networks": [1]}, "RestartCount": -1}]"#.into(),
        (0..50_000).map(|_| rng.char(..)).collect::<String>(),
    ];
    // Every 61st prefix of the real captures, the garbage at 64 cuts (all prefixes of every
    // input would be quadratic: minutes in a debug build).
    let inputs = [INSPECT_20, INSPECT_28].into_iter().map(|s| (s, 61));
    let garbage = garbage.iter().map(|g| (g.as_str(), g.chars().count() / 64));
    for (input, step) in inputs.chain(garbage) {
        for (i, _) in input.char_indices().step_by(step.max(1)) {
            let _ = parse_inspect(&input[..i], at());
        }
        let _ = parse_inspect(input, at());
    }
}
