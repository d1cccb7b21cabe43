//! System test of the images probe: a real Docker Engine and a real registry on loopback
//! (Debian's `docker.io` and `docker-registry`), the device's `docker` the real client on
//! that engine over real sshd. A new image pushed under a running container's tag is
//! reported once; a digest-pinned and a locally built image never are.

mod harness;

use std::time::Duration;

use harness::docker_engine::DockerEngine;
use harness::mcp::{self, call, ok};
use harness::rest::get;
use harness::server::{count, events, every, fast_settings, more_polls, serve_opts};
use harness::{SimDevice, wait_until};
use infrastructor::app::AppOptions;
use infrastructor::config::AlertSettings;
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::EventKind;
use infrastructor_actors::model::alerts::Severity;
use infrastructor_actors::model::images::{ImageStatus, ImageVerdict};
use serde_json::json;

fn status(app: &harness::server::TestServer, device: &str, container: &str) -> Option<ImageStatus> {
    let sampled = events(app, device, "ImagesSampled");
    let Some(EventKind::ImagesSampled { images }) = sampled.last() else { return None };
    images.iter().find(|i| i.containers.iter().any(|c| c == container)).cloned()
}

fn verdict(
    app: &harness::server::TestServer,
    device: &str,
    container: &str,
) -> Option<ImageVerdict> {
    status(app, device, container).map(|s| s.verdict)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_image_under_a_running_tag_is_reported_once() {
    let mut engine = match DockerEngine::start() {
        Ok(e) => e,
        Err(why) => {
            eprintln!("SKIPPED: a real Docker Engine cannot run here: {why}");
            return;
        }
    };
    let reg = engine.registry_addr.clone();
    let tag = format!("{reg}/app:1");
    engine.import(&tag, "v1");
    engine.docker(&["push", &tag]);
    let first = engine.repo_digest(&tag);
    engine.import("local/built:latest", "local");
    engine.docker(&["run", "-d", "--name", "app", &tag, "sleep", "3600"]);
    engine.docker(&["run", "-d", "--name", "pinned", &first, "sleep", "3600"]);
    engine.docker(&["run", "-d", "--name", "built", "local/built", "sleep", "3600"]);

    let dev = SimDevice::start("dockerhost");
    dev.install_tool("docker", &engine.shim());
    let spec = harness::device_spec(&dev, Probes { images: every(500), ..Probes::disabled() });
    let mut alerts = AlertSettings::default();
    alerts.rules.rules.get_mut("image_update").expect("the rule").enabled = true;
    let app = serve_opts(AppOptions {
        alerts,
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![spec],
        fleet: fast_settings(),
        history: None,
        api: Default::default(),
    })
    .await;
    let name = dev.name();
    let within = Duration::from_secs(60);

    wait_until(within, "the first images sample", || count(&app, name, "ImagesSampled") >= 1).await;
    let app_image = status(&app, name, "app").expect("app's image");
    assert_eq!(app_image.verdict, ImageVerdict::Current, "{app_image:?}");
    assert_eq!(app_image.method.as_deref(), Some("head"), "asked with a HEAD: {app_image:?}");
    assert_eq!(
        Some(format!("{reg}/app@{}", app_image.remote_digest.clone().unwrap())),
        Some(first.clone())
    );
    assert_eq!(verdict(&app, name, "pinned"), Some(ImageVerdict::Pinned));
    assert_eq!(verdict(&app, name, "built"), Some(ImageVerdict::Local));
    assert_eq!(count(&app, name, "ProbeFailed"), 0);

    // A new image under the same tag: `app` still runs the old one.
    engine.import(&tag, "v2");
    engine.docker(&["push", &tag]);
    let second = engine.repo_digest(&tag);
    assert_ne!(first, second);
    wait_until(within, "app outdated", || {
        verdict(&app, name, "app") == Some(ImageVerdict::Outdated)
    })
    .await;
    more_polls(&app, name, "ImagesSampled", 2).await;
    let updates = events(&app, name, "ImageUpdateAvailable");
    let [EventKind::ImageUpdateAvailable { update }] = updates.as_slice() else {
        panic!("exactly one update: {updates:?}")
    };
    assert_eq!(update.containers, ["app"]);
    assert_eq!(format!("{reg}/app@{}", update.remote_digest), second);
    assert_eq!(
        update.local_digest.as_deref().map(|d| format!("{reg}/app@{d}")),
        Some(first.clone())
    );
    assert_eq!(
        verdict(&app, name, "pinned"),
        Some(ImageVerdict::Pinned),
        "pinned is never outdated"
    );
    assert_eq!(verdict(&app, name, "built"), Some(ImageVerdict::Local));

    // The registry goes away: unknown, with the reason; no failure, nothing reported again.
    engine.stop_registry();
    wait_until(within, "app unknown", || verdict(&app, name, "app") == Some(ImageVerdict::Unknown))
        .await;
    let down = status(&app, name, "app").unwrap();
    assert!(down.evidence.iter().any(|e| e.contains("exited with")), "{down:?}");
    assert_eq!(
        down.remote_digest,
        Some(update.remote_digest.clone()),
        "the last known digest is kept"
    );
    assert_eq!(
        count(&app, name, "ProbeFailed"),
        0,
        "a registry down is the image's, not the probe's"
    );
    engine.start_registry();
    wait_until(within, "app outdated again", || {
        verdict(&app, name, "app") == Some(ImageVerdict::Outdated)
    })
    .await;
    assert_eq!(count(&app, name, "ImageUpdateAvailable"), 1, "same digest after the outage");

    // The daemon goes away: the probe fails (it does not report "no containers"); once back,
    // nothing is reported again.
    let failed = |app: &harness::server::TestServer| {
        events(app, name, "ProbeFailed")
            .iter()
            .filter(|e| matches!(e, EventKind::ProbeFailed { probe, .. } if probe == "images"))
            .count()
    };
    dev.install_tool(
        "docker",
        "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1\n",
    );
    wait_until(within, "the images probe fails", || failed(&app) == 1).await;
    let why = get(app.addr, &format!("/api/container-updates?device={name}"), None).await;
    let reason = why.json["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("the images probe has failed since"), "{}", why.text);
    assert!(reason.contains("Cannot connect to the Docker daemon"), "{}", why.text);
    assert_eq!(why.json["outdated"], 1, "the last sample still answers: {}", why.text);
    let sampled = count(&app, name, "ImagesSampled");
    dev.install_tool("docker", &engine.shim());
    wait_until(within, "a sample again", || count(&app, name, "ImagesSampled") > sampled).await;
    assert_eq!(verdict(&app, name, "app"), Some(ImageVerdict::Outdated));
    assert_eq!(count(&app, name, "ImageUpdateAvailable"), 1, "not again after the daemon's outage");

    // Without curl the device's client asks (docker manifest inspect): same verdict, no repeat.
    dev.install_tool("curl", "echo 'curl: (7) Failed to connect' >&2; exit 7\n");
    wait_until(within, "a manifest answer", || {
        status(&app, name, "app").is_some_and(|s| s.method.as_deref() == Some("manifest"))
    })
    .await;
    assert_eq!(verdict(&app, name, "app"), Some(ImageVerdict::Outdated));
    assert_eq!(
        count(&app, name, "ImageUpdateAvailable"),
        1,
        "the same digest is not reported twice"
    );

    // The info alert (the rule is on here; it is off by default).
    let raised = |e: &EventKind| {
        matches!(e, EventKind::AlertRaised { alert, .. }
            if alert.key == format!("image_update/{name}/{tag}") && alert.severity == Severity::Info)
    };
    wait_until(within, "the image_update alert", || {
        events(&app, name, "AlertRaised").iter().any(raised)
    })
    .await;

    // check_container_updates over MCP (the fleet) and REST (one device); check_updates.
    let client = mcp::connect(app.addr, None).await;
    let answer = call(&client, "check_container_updates", json!({})).await;
    let report = ok(&answer);
    assert_eq!(
        (report["outdated"].as_u64(), report["pinned"].as_u64(), report["local"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(report["images"][0]["containers"], json!(["app"]), "outdated first: {report}");
    assert!(report["images"][0]["outdated_since"].is_string(), "{report}");
    assert!(
        mcp::text(&answer).starts_with("3 images in use on the fleet: 1 outdated"),
        "{}",
        mcp::text(&answer)
    );
    client.cancel().await.unwrap();
    let rest = get(app.addr, &format!("/api/container-updates?device={name}"), None).await;
    assert_eq!(rest.status, 200, "{}", rest.text);
    assert_eq!(rest.json["outdated"], 1, "{}", rest.text);
    let upd = get(app.addr, &format!("/api/devices/{name}/updates"), None).await;
    assert_eq!(upd.json["container_images"]["outdated"], 1, "{}", upd.text);
    app.shutdown().await;
    drop(engine);
}
