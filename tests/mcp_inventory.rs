//! The rest of the MCP tool set against one simulated host with everything (docker with logs
//! and networks, ZFS, libvirt, SMART drives, apt, the journal), over real sshd and the real
//! store: each answer is checked against what the device's captured outputs hold.

mod harness;

use std::time::Duration;

use harness::mcp::{self, call, err, ok};
use harness::server::{count, every, serve_in};
use harness::shims::{APT, DOCKER_READS, JOURNALCTL, VIRSH, ZFS, ZPOOL};
use harness::{SimDevice, fixture, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::{Value, json};

fn host() -> SimDevice {
    let dev = SimDevice::start("nas");
    dev.install_tool("docker", DOCKER_READS);
    dev.set_docker_ps(&fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&fixture("docker/client-20.10/inspect.json"));
    dev.set("docker/logs", &fixture("docker-logs/client-20.10/mixed.stdout"));
    dev.set("docker/logs.stderr", &fixture("docker-logs/client-20.10/mixed.stderr"));
    dev.set("docker/network", &fixture("docker-logs/client-20.10/network-ls.jsonl"));
    dev.install_tool("journalctl", JOURNALCTL);
    dev.set("journal", &fixture("journalctl/journal.jsonl"));
    dev.install_tool("zpool", ZPOOL);
    dev.install_tool("zfs", ZFS);
    dev.set("zpool/version", &fixture("zfs/openzfs-2.1/zpool-version.txt"));
    dev.set("zpool/status-json.exit", "2");
    dev.set("zpool/status-json.stderr", "invalid option 'j'\n");
    dev.set("zpool/status", &fixture("zfs/openzfs-2.1/zpool-status-p-degraded.txt"));
    dev.set("zpool/list", &fixture("zfs/openzfs-2.1/zpool-list-Hp-degraded.txt"));
    dev.set("zfs/datasets", &fixture("zfs/openzfs-2.1/zfs-list-Hp-datasets.txt"));
    dev.set("zfs/snapshots", &fixture("zfs/openzfs-2.1/zfs-list-Hp-snapshots.txt"));
    dev.install_tool("virsh", VIRSH);
    dev.set("virsh/list", &fixture("virsh/libvirt-9.0/list-names.txt"));
    for section in fixture("virsh/libvirt-9.0/dominfo.txt").split("@@vm\n").skip(1) {
        let name = section.lines().find_map(|l| l.strip_prefix("Name:")).map(str::trim).unwrap();
        dev.set(&format!("virsh/dominfo-{name}"), section);
    }
    dev.set_smartctl_scan(&fixture("smartctl/scan-open-devices.json"));
    dev.set_smartctl_info("/dev/sda", &fixture("smartctl/sata-hdd-failing.json"), 0);
    dev.set_smartctl_info("/dev/nvme0", &fixture("smartctl/nvme-healthy.json"), 0);
    dev.install_tool("apt", APT);
    dev.set("apt/upgradable", &fixture("updates/apt-debian12.txt"));
    dev
}

fn probes() -> Probes {
    let fast = every(400);
    Probes {
        containers: fast,
        metrics: fast,
        drives: fast,
        zfs: fast,
        vms: fast,
        updates: fast,
        ..Probes::disabled()
    }
}

fn array(v: &Value, key: &str) -> Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("{key} in {v}")).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_answers_with_what_the_device_holds() {
    let data = tempfile::tempdir().unwrap();
    let dev = host();
    let app = serve_in(
        vec![harness::device_spec(&dev, probes())],
        &HistoryOptions::new(data.path(), None),
    )
    .await;
    let client = mcp::connect(app.addr, None).await;
    wait_until(Duration::from_secs(30), "every probe sampled twice", || {
        [
            "ContainerStatsSampled",
            "MetricsSampled",
            "DriveHealthSampled",
            "PoolStatusSampled",
            "VmsSampled",
            "UpdatesSampled",
        ]
        .iter()
        .all(|k| count(&app, "nas", k) >= 2)
    })
    .await;
    let state = app.handle.device("nas").unwrap();

    let r = call(&client, "check_device", json!({ "device": "nas" })).await;
    let v = ok(&r);
    assert!(v["transport"].as_str().unwrap().starts_with("ssh "), "{v}");
    assert_eq!(v["capabilities"]["tools"]["zpool"], true);

    let r = call(
        &client,
        "get_container_logs",
        json!({ "device": "nas", "container": "web", "tail": 50 }),
    )
    .await;
    let lines = array(ok(&r), "lines");
    assert_eq!(lines.len(), 16, "stdout and stderr merged: {lines:?}");
    let r = call(
        &client,
        "get_container_logs",
        json!({ "device": "nas", "container": "web", "grep": "crlf" }),
    )
    .await;
    assert_eq!(array(ok(&r), "lines").len(), 1);

    let r = call(
        &client,
        "get_container_stats",
        json!({ "device": "nas", "container": "web", "window": "1h" }),
    )
    .await;
    let v = ok(&r);
    assert_eq!(v["state"], "running");
    let web = state.containers().iter().find(|c| c.name == "web").unwrap();
    assert_eq!(v["now"]["mem_usage_bytes"], json!(web.usage.mem_usage_bytes));

    let r = call(&client, "list_docker_networks", json!({ "device": "nas" })).await;
    let names: Vec<Value> = array(ok(&r), "networks").iter().map(|n| n["name"].clone()).collect();
    assert_eq!(names, [json!("appnet"), json!("host"), json!("none")]);
    let r = call(&client, "get_network_topology", json!({ "device": "nas" })).await;
    let nets = array(ok(&r), "networks");
    let bridge = nets.iter().find(|n| n["name"] == "bridge").expect("bridge has containers");
    assert!(bridge["containers"].get("web").is_some(), "{bridge}");

    let r = call(&client, "get_system_logs", json!({ "device": "nas", "lines": 100 })).await;
    assert!(!array(ok(&r), "entries").is_empty());
    let e =
        err(&call(&client, "get_system_logs", json!({ "device": "nas", "unit": "a b;c" })).await);
    assert!(e.starts_with("invalid argument"), "{e}");

    let r = call(&client, "get_vm_status", json!({ "device": "nas" })).await;
    let vms: Vec<Value> = array(ok(&r), "vms").iter().map(|v| v["name"].clone()).collect();
    assert_eq!(vms, [json!("test"), json!("vm-paused"), json!("win11.gaming"), json!("db01")]);

    let r = call(&client, "check_updates", json!({ "device": "nas" })).await;
    let v = ok(&r);
    let (_, packages, security) = state.updates().unwrap();
    assert_eq!(
        (v["packages"].as_array().unwrap().len(), v["security_count"].as_u64().unwrap()),
        (packages.len(), u64::from(security))
    );
    assert!(security > 0 && v["packages"][0]["security"] == true, "security first");
    assert_eq!(v["source"], "cached", "updates answer from the last poll by default");

    let r = call(&client, "get_drive_health", json!({ "device": "nas" })).await;
    let drives = array(ok(&r), "drives");
    let summary: Vec<(Value, Value, Value)> = drives
        .iter()
        .map(|d| (d["drive"]["device"].clone(), d["verdict"].clone(), d["evidence"].clone()))
        .collect();
    assert_eq!(
        drives[0]["drive"]["device"], "/dev/sdb",
        "the failing drive (the fixture names itself sdb) first: {summary:?}"
    );
    assert_eq!(drives[0]["verdict"], "failing");
    assert!(!drives[0]["evidence"].as_array().unwrap().is_empty());
    let r = call(
        &client,
        "get_drive_health",
        json!({ "device": "nas", "drive": "/dev/nvme0", "refresh": true }),
    )
    .await;
    assert_eq!((ok(&r)["source"].clone(), array(ok(&r), "drives").len()), (json!("live"), 1));
    let e =
        err(&call(&client, "get_drive_health", json!({ "device": "nas", "drive": "/dev/sdz" }))
            .await);
    assert!(e.contains("no drive '/dev/sdz'") && e.contains("/dev/sdb"), "{e}");

    let r = call(&client, "get_zfs_status", json!({ "device": "nas" })).await;
    let v = ok(&r);
    assert_eq!(v["unhealthy"], json!(["backup"]), "{v}");
    let r = call(&client, "get_zfs_snapshots", json!({ "device": "nas", "dataset": "tank" })).await;
    let sets = array(ok(&r), "datasets");
    assert!(
        !sets.is_empty() && sets.iter().all(|d| d["dataset"].as_str().unwrap().starts_with("tank")),
        "{sets:?}"
    );
    let r = call(&client, "check_snapshot_freshness", json!({ "device": "nas", "max_age": "1d" }))
        .await;
    let v = ok(&r);
    assert!(v["checked"].as_u64().unwrap() > 0, "{v}");
    assert!(!array(v, "stale").is_empty(), "the fixture's snapshots are days old: {v}");

    let r = call(&client, "get_array_status", json!({ "device": "nas" })).await;
    assert!(err_or_ok_refused(&r), "no arrays probe runs: {}", mcp::text(&r));

    let r = call(
        &client,
        "get_metrics_history",
        json!({ "device": "nas", "metric": "pool.capacity_percent", "from": "1h" }),
    )
    .await;
    let series = array(ok(&r), "series");
    let instances: Vec<Value> = series.iter().map(|s| s["instance"].clone()).collect();
    assert!(instances.contains(&json!("tank")), "{instances:?}");
    let e = err(&call(
        &client,
        "get_metrics_history",
        json!({ "device": "nas", "metric": "host.nope" }),
    )
    .await);
    assert!(e.contains("host.nope"), "{e}");

    let r = call(
        &client,
        "analyze_performance_trends",
        json!({ "device": "nas", "metric": "host.cpu_percent", "from": "1h" }),
    )
    .await;
    let trends = array(ok(&r), "trends");
    assert_eq!(trends.len(), 1);
    let r = call(&client, "predict_capacity", json!({ "device": "nas", "window": "1d" })).await;
    let forecasts = array(ok(&r), "forecasts");
    assert!(forecasts.iter().any(|f| f["name"] == "tank"), "{forecasts:?}");
    assert!(
        forecasts.iter().all(|f| f["status"] == "not_enough_data"),
        "minutes of data: {forecasts:?}"
    );

    let r = call(&client, "diagnose_device", json!({ "device": "nas" })).await;
    let v = ok(&r);
    let areas: Vec<Value> = array(v, "problems").iter().map(|p| p["area"].clone()).collect();
    assert!(v["score"].as_u64().unwrap() < 100, "{v}");
    assert!(areas.contains(&json!("drive")) && areas.contains(&json!("pool")), "{areas:?}");

    client.cancel().await.unwrap();
    app.shutdown().await;
}

/// Arrays are not polled on this host: the answer is a refusal that says why.
fn err_or_ok_refused(r: &rmcp::model::CallToolResult) -> bool {
    r.is_error == Some(true) && mcp::text(r).contains("arrays")
}
