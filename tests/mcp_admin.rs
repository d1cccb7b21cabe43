//! The MCP server's guard rails and its admin side, end to end over real sshd: tokens
//! (401 with `WWW-Authenticate`, read versus admin scope), `Host` and `Origin` checks,
//! actions refused when disabled and performed and recorded when enabled, a resource
//! subscription told when a container dies, progress of `diagnose_infrastructure`, prompts.

mod harness;

use std::time::Duration;

use harness::mcp::{self, call, err, http, initialize, ok};
use harness::server::{count, every, serve_opts};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::{ApiSettings, ApiToken, Scope, Secret};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use serde_json::json;

const READ: &str = "read-token-0123456789abcdef";
const ADMIN: &str = "admin-token-0123456789abcdef";

fn api(allow_actions: bool) -> ApiSettings {
    let token =
        |name: &str, t: &str, scope| ApiToken { name: name.into(), token: Secret::new(t), scope };
    ApiSettings {
        tokens: vec![token("dashboard", READ, Scope::Read), token("ops", ADMIN, Scope::Admin)],
        allow_actions,
        ..ApiSettings::default()
    }
}

async fn start(
    dev: &SimDevice,
    allow_actions: bool,
    data: &std::path::Path,
) -> harness::server::TestServer {
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    serve_opts(AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![harness::device_spec(dev, probes)],
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data, None)),
        api: api(allow_actions),
    })
    .await
}

fn device() -> SimDevice {
    let dev = SimDevice::start("tower");
    dev.set_docker_ps(&harness::fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&harness::fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&harness::fixture("docker/client-20.10/inspect.json"));
    dev.install_tool("docker", harness::shims::DOCKER_ACTIONS);
    dev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_scopes_hosts_and_origins_are_enforced() {
    let data = tempfile::tempdir().unwrap();
    let dev = device();
    let app = start(&dev, false, data.path()).await;

    let (status, head, body) = http(app.addr, &initialize(app.addr, "")).await;
    assert_eq!(status, 401, "{body}");
    assert!(head.contains("www-authenticate: bearer realm=\"infrastructor\""), "{head}");
    assert!(body.contains("authentication required"), "{body}");
    let (status, head, _) =
        http(app.addr, &initialize(app.addr, "Authorization: Bearer wrong-token-0123456789\r\n"))
            .await;
    assert_eq!(status, 401);
    assert!(head.contains("error=\"invalid_token\""), "{head}");
    let (status, _, body) =
        http(app.addr, &initialize(app.addr, &format!("Authorization: Bearer {READ}\r\n"))).await;
    assert_eq!(status, 200, "{body}");
    // DNS rebinding: a foreign Host or a browser Origin is refused even with a good token.
    let foreign = initialize(app.addr, &format!("Authorization: Bearer {READ}\r\n"))
        .replace(&format!("Host: {}", app.addr), "Host: evil.example");
    let (status, _, _) = http(app.addr, &foreign).await;
    assert!((400..500).contains(&status), "foreign host got {status}");
    let origin = format!("Authorization: Bearer {READ}\r\nOrigin: http://evil.example\r\n");
    let (status, _, _) = http(app.addr, &initialize(app.addr, &origin)).await;
    assert!((400..500).contains(&status), "foreign origin got {status}");
    // The REST API sits behind the same tokens; health does not.
    let get = |path: &str, auth: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}\r\n")
    };
    assert_eq!(http(app.addr, &get("/api/devices", "")).await.0, 401);
    assert_eq!(
        http(app.addr, &get("/api/devices", &format!("Authorization: Bearer {READ}\r\n"))).await.0,
        200
    );
    assert_eq!(http(app.addr, &get("/health", "")).await.0, 200);

    // A read token reads, and is refused the admin tools; actions are off for everyone.
    let reader = mcp::connect(app.addr, Some(READ)).await;
    let r = call(&reader, "list_devices", json!({})).await;
    assert_eq!(ok(&r)["devices"][0]["name"], "tower");
    let e = err(&call(&reader, "remove_device", json!({ "device": "tower" })).await);
    assert!(e.contains("needs a token with the admin scope"), "{e}");
    let admin = mcp::connect(app.addr, Some(ADMIN)).await;
    let e = err(&call(&admin, "remove_device", json!({ "device": "tower" })).await);
    assert!(e.contains("comes from the config file"), "{e}");
    let args =
        json!({ "device": "tower", "container": "web", "action": "restart", "confirm": true });
    let e = err(&call(&admin, "container_action", args).await);
    assert!(e.contains("actions are disabled"), "{e}");
    assert_eq!(dev.calls("docker restart"), 0);
    reader.cancel().await.unwrap();
    admin.cancel().await.unwrap();
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_are_confirmed_performed_and_recorded() {
    let data = tempfile::tempdir().unwrap();
    let dev = device();
    let app = start(&dev, true, data.path()).await;
    wait_until(Duration::from_secs(20), "containers sampled", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
    })
    .await;
    let admin = mcp::connect(app.addr, Some(ADMIN)).await;

    let args = json!({ "device": "tower", "container": "stopped", "action": "start" });
    let e = err(&call(&admin, "container_action", args).await);
    assert!(e.contains("call again with confirm: true"), "{e}");
    assert_eq!(dev.calls("docker start"), 0, "nothing ran without confirmation");

    let args =
        json!({ "device": "tower", "container": "stopped", "action": "start", "confirm": true });
    let r = call(&admin, "container_action", args).await;
    let v = ok(&r);
    assert_eq!(v["ok"], true);
    assert_eq!(v["state_after"], "running", "{v}");
    assert_eq!(dev.calls("docker start stopped"), 1);
    assert_eq!(count(&app, "tower", "ActionPerformed"), 1, "published before the answer");
    wait_until(Duration::from_secs(10), "ActionPerformed stored", || {
        let handle = app.handle.clone();
        async move {
            let q = infrastructor_actors::store::TimelineQuery {
                kinds: vec!["ActionPerformed".into()],
                limit: 5,
                ..Default::default()
            };
            handle.timeline(&q).await.is_ok_and(|p| p.events.len() == 1)
        }
    })
    .await;
    let r = call(&admin, "get_events", json!({ "kinds": ["ActionPerformed"] })).await;
    let stored = &ok(&r)["events"][0]["payload"];
    assert_eq!(stored["action"], "container.start");
    assert_eq!(stored["target"], "stopped");
    assert_eq!(stored["by"], "ops");

    let bad =
        json!({ "device": "tower", "container": "x;reboot", "action": "stop", "confirm": true });
    let e = err(&call(&admin, "container_action", bad).await);
    assert!(e.contains("no container"), "{e}");
    let bad = json!({ "device": "tower", "container": "web", "action": "kill", "confirm": true });
    assert!(err(&call(&admin, "container_action", bad).await).contains("invalid arguments"));

    // A client that can ask its user: the user is asked, and a "no" does nothing.
    let (asking, user) =
        mcp::connect_as(app.addr, Some(ADMIN), mcp::Recorder::answering(false)).await;
    let args = json!({ "device": "tower", "container": "web", "action": "stop" });
    let e = err(&call(&asking, "container_action", args.clone()).await);
    assert!(e.contains("not confirmed, nothing was done"), "{e}");
    assert!(user.asked.lock().unwrap()[0].contains("stop container 'web' on 'tower'"));
    assert_eq!(dev.calls("docker stop"), 0);
    asking.cancel().await.unwrap();
    let (asking, user) =
        mcp::connect_as(app.addr, Some(ADMIN), mcp::Recorder::answering(true)).await;
    let r = call(&asking, "container_action", args).await;
    assert_eq!(ok(&r)["state_after"], "exited", "{}", mcp::text(&r));
    assert_eq!((user.asked.lock().unwrap().len(), dev.calls("docker stop web")), (1, 1));
    asking.cancel().await.unwrap();

    let args = json!({ "device": "tower", "on": true, "until": "2h", "reason": "disk swap", "confirm": true });
    let r = call(&admin, "set_maintenance_mode", args).await;
    assert_eq!(ok(&r)["on"], true);
    wait_until(Duration::from_secs(10), "maintenance in the state", || {
        app.handle.device("tower").is_ok_and(|d| d.maintenance.is_some())
    })
    .await;
    let m = app.handle.device("tower").unwrap().maintenance.clone().unwrap();
    assert_eq!((m.by.as_str(), m.reason.as_deref()), ("ops", Some("disk swap")));
    assert!(m.until.is_some_and(|u| u > chrono::Utc::now() + chrono::Duration::minutes(119)));
    admin.cancel().await.unwrap();
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_progress_prompts_and_resources() {
    let data = tempfile::tempdir().unwrap();
    let dev = device();
    let app = start(&dev, false, data.path()).await;
    wait_until(Duration::from_secs(20), "containers sampled", || {
        count(&app, "tower", "ContainerStatsSampled") >= 1
    })
    .await;
    let (client, seen) = mcp::connect_recording(app.addr, Some(READ)).await;

    let resources = client.list_all_resources().await.unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, ["infrastructor://devices", "infrastructor://devices/tower"]);
    let read = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new("infrastructor://devices/tower"))
        .await
        .unwrap();
    let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("text contents")
    };
    let state: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(state["containers"].as_array().unwrap().len(), 13);

    #[allow(deprecated)]
    client
        .subscribe(rmcp::model::SubscribeRequestParams::new("infrastructor://devices/tower"))
        .await
        .unwrap();
    // `web` dies: one change event, one notification.
    let ps: Vec<String> = harness::fixture("docker/client-20.10/ps.jsonl")
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["Names"] == "web" {
                v["State"] = "exited".into();
                v["Status"] = "Exited (1) 2 seconds ago".into();
            }
            v.to_string()
        })
        .collect();
    let ps = ps.join("\n") + "\n";
    dev.set_docker_ps(&ps);
    wait_until(Duration::from_secs(20), "resource updated", || {
        seen.updated.lock().unwrap().iter().any(|u| u == "infrastructor://devices/tower")
    })
    .await;

    let handle = client
        .send_cancellable_request(
            rmcp::model::ClientRequest::CallToolRequest(rmcp::model::Request::new(
                rmcp::model::CallToolRequestParams::new("diagnose_infrastructure"),
            )),
            rmcp::service::PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    let token = handle.progress_token.clone();
    let response = handle.await_response().await.unwrap();
    assert!(format!("{response:?}").contains("tower"), "{response:?}");
    wait_until(Duration::from_secs(10), "progress", || {
        seen.progress
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.progress_token == token && p.total == Some(1.0))
    })
    .await;

    let prompts = client.list_all_prompts().await.unwrap();
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "troubleshoot_container",
            "infrastructure_health_check",
            "capacity_review",
            "what_changed_since"
        ]
    );
    let mut args = serde_json::Map::new();
    args.insert("device".into(), json!("tower"));
    args.insert("container".into(), json!("web"));
    let p = client
        .get_prompt(
            rmcp::model::GetPromptRequestParams::new("troubleshoot_container").with_arguments(args),
        )
        .await
        .unwrap();
    assert!(format!("{:?}", p.messages[0]).contains("Container web on tower"), "{p:?}");
    client.cancel().await.unwrap();
    app.shutdown().await;
}
