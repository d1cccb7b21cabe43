//! The device registry through MCP (admin): a device added by `add_device` is monitored at
//! once, survives as an API device in the store, is edited and removed; bad specs are refused
//! with the config file's messages; `import_devices_from_ssh_config` lists before it adds.

mod harness;

use std::time::Duration;

use harness::mcp::{self, call, err, ok};
use harness::server::{every, serve_in};
use harness::{SimDevice, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_added_edited_removed_and_imported() {
    let data = tempfile::tempdir().unwrap();
    let first = SimDevice::start("tower");
    let probes = Probes { containers: every(500), ..Probes::disabled() };
    let app = serve_in(
        vec![harness::device_spec(&first, probes)],
        &HistoryOptions::new(data.path(), None),
    )
    .await;
    let client = mcp::connect(app.addr, None).await;

    let nas = SimDevice::start("nas");
    let s = nas.sshd();
    let spec = json!({
        "name": "nas",
        "host": "127.0.0.1",
        "port": s.port(),
        "user": s.user(),
        "identity_file": s.client_key_path().display().to_string(),
        "known_hosts": s.known_hosts_path().display().to_string(),
        "tags": ["storage"],
    });
    let r = call(&client, "add_device", spec.clone()).await;
    assert_eq!(ok(&r)["action"], "added");
    wait_until(Duration::from_secs(20), "nas online", || {
        app.handle.device("nas").is_ok_and(|d| d.online == Some(true))
    })
    .await;
    let r = call(&client, "list_devices", json!({})).await;
    let listed = ok(&r)["devices"].as_array().unwrap().clone();
    let nas_row = listed.iter().find(|d| d["name"] == "nas").expect("nas listed");
    assert_eq!(
        (nas_row["source"].clone(), nas_row["tags"].clone()),
        (json!("api"), json!(["storage"]))
    );
    let stored = app.handle.store().unwrap().devices().await.unwrap();
    assert!(stored.iter().any(|d| d.spec.name == "nas" && d.source.as_str() == "api"), "persisted");

    // Same name (any case): refused. Bad fields: the config file's rule, for the field.
    let kh = s.known_hosts_path().display().to_string();
    let e = err(&call(
        &client,
        "add_device",
        json!({ "name": "NAS", "host": "10.0.0.9", "known_hosts": kh }),
    )
    .await);
    assert!(e.contains("already exists (as `nas`)"), "{e}");
    let e = err(&call(&client, "add_device", json!({ "name": "bad name", "host": "h" })).await);
    assert!(e.contains("invalid device name"), "{e}");
    let e = err(&call(
        &client,
        "add_device",
        json!({ "name": "x", "host": "h", "port": 0, "known_hosts": kh }),
    )
    .await);
    assert!(e.contains("port"), "{e}");
    let e = err(&call(
        &client,
        "add_device",
        json!({ "name": "x", "host": "h", "identity_file": "/nonexistent/key", "known_hosts": kh }),
    )
    .await);
    assert!(e.contains("/nonexistent/key"), "{e}");
    let e = err(&call(
        &client,
        "add_device",
        json!({ "name": "x", "host": "h", "known_hosts": "/nonexistent/kh" }),
    )
    .await);
    assert!(e.contains("/nonexistent/kh"), "{e}");

    let mut edited = spec.clone();
    edited["tags"] = json!(["storage", "backup"]);
    assert_eq!(ok(&call(&client, "edit_device", edited).await)["action"], "updated");
    let r = call(&client, "get_device_info", json!({ "device": "nas" })).await;
    assert_eq!(ok(&r)["tags"], json!(["storage", "backup"]));
    assert_eq!(
        ok(&call(&client, "remove_device", json!({ "device": "nas" })).await)["action"],
        "removed"
    );
    assert!(app.handle.device("nas").is_err(), "no longer monitored");
    let e = err(&call(&client, "remove_device", json!({ "device": "tower" })).await);
    assert!(e.contains("comes from the config file"), "{e}");

    // Import: without apply only a list; with apply the hosts are added.
    let ssh_config = data.path().join("ssh_config");
    std::fs::write(
        &ssh_config,
        "Host backup1\n  HostName 127.0.0.1\n  Port 1\nHost *\n  User nobody\n",
    )
    .unwrap();
    let path = ssh_config.display().to_string();
    let r =
        call(&client, "import_devices_from_ssh_config", json!({ "path": path, "known_hosts": kh }))
            .await;
    assert_eq!(
        (ok(&r)["added"].clone(), ok(&r)["applied"].clone()),
        (json!(["backup1"]), json!(false))
    );
    assert!(app.handle.device("backup1").is_err(), "a dry run adds nothing");
    let r = call(
        &client,
        "import_devices_from_ssh_config",
        json!({ "path": path, "apply": true, "known_hosts": kh }),
    )
    .await;
    assert_eq!(ok(&r)["added"], json!(["backup1"]));
    wait_until(Duration::from_secs(10), "backup1 monitored", || {
        app.handle.device("backup1").is_ok()
    })
    .await;
    let e = err(&call(
        &client,
        "import_devices_from_ssh_config",
        json!({ "path": "/nonexistent/ssh_config" }),
    )
    .await);
    assert!(e.contains("/nonexistent/ssh_config"), "{e}");

    client.cancel().await.unwrap();
    app.shutdown().await;
}
