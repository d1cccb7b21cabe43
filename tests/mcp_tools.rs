//! The MCP server end to end: rmcp's own client over streamable HTTP against the whole
//! server (a real sshd device with docker and systemctl shims replaying captured outputs, the
//! real SQLite store): the tool list matches its committed snapshot, tools answer with what
//! the device holds, live while it is up and cached (within 1 s, saying why) once offline.

mod harness;

use std::time::{Duration, Instant};

use harness::mcp::{self, call, err, ok};
use harness::server::{count, every, serve_in};
use harness::{SimDevice, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::{Value, json};

const SNAPSHOT: &str = "tests/snapshots/mcp_tools.json";

/// The tool list as committed: names, descriptions, schemas, annotations.
fn check_snapshot(tools: &[rmcp::model::Tool]) {
    let actual = serde_json::to_string_pretty(&json!(tools)).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{SNAPSHOT} is out of date; rerun with UPDATE_SNAPSHOTS=1 and review"
    );
}

fn device() -> SimDevice {
    harness::docker_device("tower", true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_answer_live_then_cached_when_the_device_goes_offline() {
    let data = tempfile::tempdir().unwrap();
    let mut dev = device();
    let probes = Probes {
        containers: every(400),
        metrics: every(400),
        services: every(400),
        ..Probes::disabled()
    };
    let app =
        serve_in(vec![harness::device_spec(&dev, probes)], &HistoryOptions::new(data.path(), None))
            .await;
    let client = mcp::connect(app.addr, None).await;

    let tools = client.list_all_tools().await.unwrap();
    check_snapshot(&tools);
    assert!(tools.iter().all(|t| t.output_schema.is_some()), "every tool has an output schema");

    wait_until(Duration::from_secs(20), "first polls", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
            && count(&app, "tower", "MetricsSampled") >= 1
            && count(&app, "tower", "ServicesSampled") >= 1
    })
    .await;

    let r = call(&client, "list_devices", json!({})).await;
    let v = ok(&r);
    assert_eq!(v["devices"][0]["name"], "tower");
    assert_eq!(v["devices"][0]["status"], "online");
    assert_eq!(v["online"], 1);

    // Containers: every one of the fixture's 13, live, paginated.
    let r = call(&client, "list_containers", json!({ "device": "tower", "limit": 5 })).await;
    let v = ok(&r);
    assert_eq!(v["source"], "live", "{v}");
    assert_eq!(v["total"], 13);
    assert_eq!(v["items"].as_array().unwrap().len(), 5);
    let next = v["next_cursor"].as_str().expect("a next page").to_string();
    let r = call(
        &client,
        "list_containers",
        json!({ "device": "tower", "cursor": next, "limit": 100 }),
    )
    .await;
    assert_eq!(ok(&r)["items"].as_array().unwrap().len(), 8);
    let r = call(&client, "list_containers", json!({ "state": "exited" })).await;
    let v = ok(&r);
    assert!(v["items"].as_array().unwrap().iter().all(|c| c["state"] == "exited"), "{v}");
    assert!(v["total"].as_u64().unwrap() >= 3, "{v}");

    let r =
        call(&client, "get_container_info", json!({ "device": "tower", "container": "crashloop" }))
            .await;
    let v = ok(&r);
    assert_eq!(v["container"]["inspect"]["restart_count"], 6);
    assert_eq!(v["container"]["inspect"]["restart_policy"], "on-failure:100");
    let e = err(&call(
        &client,
        "get_container_info",
        json!({ "device": "tower", "container": "plex" }),
    )
    .await);
    assert!(e.contains("no container 'plex' on 'tower'") && e.contains("crashloop"), "{e}");

    let r =
        call(&client, "get_service_dependencies", json!({ "device": "tower", "project": "stack" }))
            .await;
    let v = ok(&r);
    assert_eq!(
        v["edges"],
        json!([{ "project": "stack", "service": "web", "on": "db", "on_state": "running" }])
    );

    let r = call(&client, "get_system_metrics", json!({ "device": "tower" })).await;
    let v = ok(&r);
    assert_eq!(v["source"], "live");
    assert!(v["metrics"]["mem_total_bytes"].as_u64().unwrap() > 0, "{v}");

    let r = call(&client, "get_failed_services", json!({ "device": "tower" })).await;
    assert_eq!(ok(&r)["failed"].as_array().unwrap().len(), 4);

    // History: the change events the polls made (the four failed units).
    let r = call(&client, "what_changed", json!({ "device": "tower", "since": "1h" })).await;
    let v = ok(&r);
    let failed = v["groups"].as_array().unwrap().iter().find(|g| g["kind"] == "ServiceFailed");
    assert_eq!(failed.map(|g| g["count"].clone()), Some(json!(4)), "{v}");
    let r =
        call(&client, "get_events", json!({ "devices": ["tower"], "kinds": ["ServiceFailed"] }))
            .await;
    assert_eq!(ok(&r)["events"].as_array().unwrap().len(), 4);

    // Mistakes get specific messages; nothing reaches the device.
    let e = err(&call(&client, "get_system_metrics", json!({ "device": "towr" })).await);
    assert!(e.contains("device 'towr' not found; known: tower"), "{e}");
    let e = err(&call(&client, "list_containers", json!({ "devcie": "tower" })).await);
    assert!(e.contains("unknown argument `devcie`"), "{e}");
    let e = err(&call(&client, "list_containers", json!({ "limit": "ten" })).await);
    assert!(e.contains("invalid arguments"), "{e}");
    let logs_before = dev.calls("docker logs");
    for bad in ["web; rm -rf /", "$(reboot)", "web\nid", "-f"] {
        let e = err(&call(
            &client,
            "get_container_logs",
            json!({ "device": "tower", "container": bad }),
        )
        .await);
        assert!(e.starts_with("invalid argument"), "{bad}: {e}");
    }
    assert_eq!(dev.calls("docker logs"), logs_before, "an injection attempt reached the device");
    let e = err(&call(&client, "no_such_tool", json!({})).await);
    assert!(e.contains("unknown tool"), "{e}");

    // A hung docker: the live read gives up at its budget and answers from stored state.
    dev.hang("docker", true);
    let r = call(&client, "list_containers", json!({ "device": "tower" })).await;
    let v = ok(&r);
    assert_eq!(v["source"], "cached");
    assert!(v["reason"].as_str().unwrap().starts_with("live read timed out after 3.0 s"), "{v}");
    assert_eq!(v["total"], 13);
    dev.hang("docker", false);

    // Offline: answers from stored state within 1 s, saying why; back online: live again.
    dev.go_offline();
    wait_until(Duration::from_secs(30), "tower offline", || {
        app.handle.device("tower").is_ok_and(|d| d.online == Some(false))
    })
    .await;
    let started = Instant::now();
    let r = call(&client, "list_containers", json!({ "device": "tower" })).await;
    let took = started.elapsed();
    let v = ok(&r);
    assert!(took < Duration::from_secs(1), "a cached answer took {took:?}");
    assert_eq!(v["source"], "cached");
    assert!(v["reason"].as_str().unwrap().starts_with("device offline since"), "{v}");
    assert!(v["age_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["total"], 13, "the last known containers");
    let r = call(&client, "get_system_metrics", json!({ "device": "tower" })).await;
    assert_eq!(ok(&r)["source"], "cached");

    dev.come_online();
    wait_until(Duration::from_secs(30), "tower back", || {
        app.handle.device("tower").is_ok_and(|d| d.online == Some(true))
    })
    .await;
    let r = call(&client, "get_system_metrics", json!({ "device": "tower" })).await;
    assert_eq!(ok(&r)["source"], "live", "{}", mcp::text(&r));

    client.cancel().await.unwrap();
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stateless_protocol_lists_and_calls_tools() {
    let dev = device();
    let probes = Probes { containers: every(400), ..Probes::disabled() };
    let data = tempfile::tempdir().unwrap();
    let app =
        serve_in(vec![harness::device_spec(&dev, probes)], &HistoryOptions::new(data.path(), None))
            .await;
    let client = mcp::connect_stateless(app.addr, None).await;
    let names: Vec<String> =
        client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.to_string()).collect();
    assert!(names.contains(&"list_containers".to_string()), "{names:?}");
    wait_until(Duration::from_secs(20), "containers sampled", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
    })
    .await;
    let r = call(&client, "list_containers", json!({ "device": "tower", "max_age_seconds": 3600 }))
        .await;
    let v: &Value = ok(&r);
    assert_eq!(v["source"], "cached", "a stored answer within max_age_seconds");
    assert_eq!(v["total"], 13);

    // subscriptions/listen: told when `web` dies.
    let filter = rmcp::model::SubscriptionFilter::builder()
        .resource_subscription("infrastructor://devices/tower")
        .build();
    let mut sub = client.listen(filter).await.unwrap();
    dev.set_docker_ps(&harness::ps_with_state(
        &harness::fixture("docker/client-20.10/ps.jsonl"),
        "web",
        "exited",
        "Exited (1) 2 seconds ago",
    ));
    let note = tokio::time::timeout(Duration::from_secs(20), sub.next())
        .await
        .expect("a notification in time");
    match note.unwrap() {
        Some(rmcp::model::ServerNotification::ResourceUpdatedNotification(n)) => {
            assert_eq!(n.params.uri, "infrastructor://devices/tower");
        }
        other => panic!("{other:?}"),
    }
    sub.cancel().await.unwrap();
    client.cancel().await.unwrap();
    app.shutdown().await;
}
