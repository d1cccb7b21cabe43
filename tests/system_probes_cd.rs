//! System tests of the containers and drives change events over real `sshd`: a container that
//! exits gives exactly one `ContainerDied`, a rising reallocated count exactly one
//! `SmartAttributeIncreased`, however often the same state is polled again.

mod harness;

use std::time::Duration;

use harness::server::{count, events, every, more_polls, serve};
use harness::{SimDevice, wait_until};
use infrastructor_actors::device::{DeviceSpec, Probes};
use infrastructor_actors::events::EventKind;
use serde_json::Value;

const PS: &str = "docker/client-20.10/ps.jsonl";
const STATS: &str = "docker/client-20.10/stats.jsonl";
const INSPECT: &str = "docker/client-20.10/inspect.json";

fn spec(dev: &SimDevice) -> DeviceSpec {
    harness::device_spec(
        dev,
        Probes { containers: every(300), drives: every(300), ..Probes::disabled() },
    )
}

/// `ps` with the running container `name` now `Exited (code)`, and `inspect` to match.
fn exited(ps: &str, inspect: &str, name: &str, code: i64) -> (String, String) {
    let ps: Vec<String> = ps
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if v["Names"] == name {
                assert_eq!(v["State"], "running", "{name} runs in the fixture");
                v["State"] = "exited".into();
                v["Status"] = format!("Exited ({code}) 2 seconds ago").into();
            }
            v.to_string()
        })
        .collect();
    let mut all: Value = serde_json::from_str(inspect).unwrap();
    for c in all.as_array_mut().unwrap() {
        if c["Name"] == format!("/{name}") {
            c["State"]["Status"] = "exited".into();
            c["State"]["Running"] = false.into();
            c["State"]["Pid"] = 0.into();
            c["State"]["ExitCode"] = code.into();
            c["State"]["FinishedAt"] = "2026-11-23T12:57:01.000000000Z".into();
        }
    }
    (ps.join("\n") + "\n", serde_json::to_string_pretty(&all).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exited_container_gives_exactly_one_died_event() {
    let dev = SimDevice::start("exiting");
    let (ps, inspect) = (harness::fixture(PS), harness::fixture(INSPECT));
    dev.set_docker_ps(&ps);
    dev.set_docker_stats(&harness::fixture(STATS));
    dev.set_docker_inspect(&inspect);
    let app = serve(vec![spec(&dev)]).await;
    wait_until(Duration::from_secs(20), "containers sampled", || {
        count(&app, "exiting", "ContainerStatsSampled") >= 2
    })
    .await;
    {
        let store = app.snapshot().await;
        let containers = &store.devices["exiting"].containers();
        let crashloop = containers.iter().find(|c| c.name == "crashloop").unwrap();
        let inspect = crashloop.inspect.as_ref().expect("inspected over ssh");
        assert_eq!(inspect.restart_count, Some(6));
        assert_eq!(inspect.restart_policy.as_deref(), Some("on-failure:100"));
    }
    assert_eq!(count(&app, "exiting", "ContainerDied"), 0);

    let (ps, inspect) = exited(&ps, &inspect, "web", 2);
    dev.set_docker_inspect(&inspect);
    dev.set_docker_ps(&ps);
    wait_until(Duration::from_secs(20), "ContainerDied", || {
        count(&app, "exiting", "ContainerDied") >= 1
    })
    .await;
    more_polls(&app, "exiting", "ContainerStatsSampled", 4).await;
    let died = events(&app, "exiting", "ContainerDied");
    let [EventKind::ContainerDied { container, exit_code, oom_killed }] = died.as_slice() else {
        panic!("exactly one ContainerDied expected: {died:?}")
    };
    assert_eq!((container.name.as_str(), *exit_code, *oom_killed), ("web", Some(2), Some(false)));
    assert_eq!(count(&app, "exiting", "ContainerStopped"), 0);
    assert_eq!(count(&app, "exiting", "ContainerRestartLoopDetected"), 0);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rising_reallocated_count_gives_exactly_one_increase() {
    let dev = SimDevice::start("disks");
    dev.set_smartctl_scan(&harness::fixture("smartctl/scan-open-devices.json"));
    dev.set_smartctl_info("/dev/sda", &harness::fixture("smartctl/sata-hdd-healthy.json"), 0);
    dev.set_smartctl_info("/dev/nvme0", &harness::fixture("smartctl/nvme-healthy.json"), 0);
    let app = serve(vec![spec(&dev)]).await;
    wait_until(Duration::from_secs(20), "drives sampled twice", || {
        count(&app, "disks", "DriveHealthSampled") >= 2
    })
    .await;
    assert_eq!(count(&app, "disks", "SmartAttributeIncreased"), 0);

    let later = harness::fixture("smartctl/sata-hdd-failing-later.json");
    dev.set_smartctl_info("/dev/sda", &later, 0);
    wait_until(Duration::from_secs(20), "SmartAttributeIncreased", || {
        count(&app, "disks", "SmartAttributeIncreased") >= 1
    })
    .await;
    more_polls(&app, "disks", "DriveHealthSampled", 4).await;
    let increases: Vec<String> = events(&app, "disks", "SmartAttributeIncreased")
        .iter()
        .map(|e| match e {
            EventKind::SmartAttributeIncreased { drive, attribute, previous, current } => format!(
                "{} {} {attribute} {previous}->{current}",
                drive.device,
                drive.serial.as_deref().unwrap_or("-")
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        increases,
        [
            "/dev/sda WD-WCC7K4NL2XH8 Reallocated_Sector_Ct 0->8",
            "/dev/sda WD-WCC7K4NL2XH8 Current_Pending_Sector 0->2"
        ]
    );
    assert_eq!(count(&app, "disks", "DriveHealthChanged"), 0);
    assert_eq!(count(&app, "disks", "DriveTemperatureCrossed"), 0);
    app.shutdown().await;
}
