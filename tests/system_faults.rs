//! System tests of failures over real sshd: a stalled network link (fault proxy) takes a
//! device offline and back; a crashing poller is restarted by the policy.

mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use harness::server::TestServer;
use harness::server::{every, serve_with};
use harness::{FaultProxy, SimDevice, wait_until};
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{
    DeviceSpec, FleetSettings, ProbeSettings, ProbeSlot, Probes, RestartPolicy, default_slots,
};
use infrastructor_actors::events::EventKind;
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::probes::{PollContext, Probe, ProbeError};
use ractor::Actor;

fn spec(dev: &SimDevice, port: u16, known_hosts: std::path::PathBuf) -> DeviceSpec {
    let probes = Probes {
        containers: every(500),
        metrics: every(1000),
        drives: every(2000),
        ..Probes::disabled()
    };
    DeviceSpec { port, known_hosts, ..harness::device_spec(dev, probes) }
}

fn settings() -> FleetSettings {
    FleetSettings {
        connect_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(1),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        restart: RestartPolicy {
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_millis(200),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn count(app: &TestServer, ty: &str) -> usize {
    app.recorded.lock().unwrap().iter().filter(|e| e.type_name() == ty).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_link_takes_the_device_offline_and_it_recovers() {
    let dev = SimDevice::start("hotel");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let proxy = FaultProxy::start(dev.sshd().addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let line =
        format!("[127.0.0.1]:{} {}\n", proxy.addr().port(), dev.sshd().host_public_key_line());
    std::fs::write(&kh, line).unwrap();
    let app = serve_with(vec![spec(&dev, proxy.addr().port(), kh)], settings()).await;
    let within = Duration::from_secs(40);
    wait_until(within, "online through the proxy", || count(&app, "ContainerStatsSampled") >= 1)
        .await;

    proxy.stall().await;
    wait_until(within, "offline after the link stalls", || count(&app, "DeviceOffline") == 1).await;
    let samples = count(&app, "ContainerStatsSampled");

    proxy.restore().await;
    wait_until(within, "online again", || count(&app, "DeviceOnline") == 2).await;
    wait_until(within, "polling again", || count(&app, "ContainerStatsSampled") > samples).await;
    app.shutdown().await;
}

/// Panics on its first `panics` polls, then samples nothing.
struct Crashy {
    panics: Arc<AtomicU32>,
}

#[async_trait::async_trait]
impl Probe for Crashy {
    fn name(&self) -> &'static str {
        "crashy"
    }
    fn required_tool(&self) -> Option<&'static str> {
        Some("docker")
    }
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        ctx.run_ok(&infrastructor_actors::bench_support::command::docker_ps()).await?;
        if self.panics.load(Ordering::SeqCst) > 0 {
            self.panics.fetch_sub(1, Ordering::SeqCst);
            panic!("crashy probe blew up");
        }
        Ok(vec![EventKind::ProbeSkipped { probe: "crashy".into(), reason: "healthy now".into() }])
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_poller_is_restarted_while_the_others_keep_polling() {
    let dev = SimDevice::start("india");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let spec = spec(&dev, dev.sshd().port(), dev.sshd().known_hosts_path());
    let bus = Bus::new();
    let mut rx = bus.subscribe_lossless("test", 10_000);
    let panics = Arc::new(AtomicU32::new(2));
    let mut args = FleetArgs::new(settings(), bus, vec![spec]);
    let p = panics.clone();
    args.slots = Arc::new(move |spec| {
        let mut slots = default_slots(spec);
        let p = p.clone();
        slots.push(ProbeSlot {
            name: "crashy",
            required_tool: Some("docker"),
            settings: ProbeSettings { enabled: true, interval: Duration::from_millis(300) },
            make: Arc::new(move || Box::new(Crashy { panics: p.clone() })),
        });
        slots
    });
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.unwrap();
    let mut restarts = Vec::new();
    let (mut recovered, mut samples) = (false, 0);
    let collect = async {
        while let Some(ev) = rx.recv().await {
            match &ev.kind {
                EventKind::PollerRestarted { probe, restarts_in_window, reason } => {
                    assert_eq!(probe, "crashy");
                    assert!(reason.contains("crashy probe blew up"), "{reason}");
                    restarts.push(*restarts_in_window);
                }
                EventKind::ContainerStatsSampled { .. } => samples += 1,
                EventKind::ProbeSkipped { reason, .. } if reason == "healthy now" => {
                    recovered = true
                }
                _ => {}
            }
            if recovered && restarts.len() == 2 && samples >= 3 {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), collect).await.expect("restarted and recovered");
    assert_eq!(restarts, vec![1, 2]);
    assert_eq!(panics.load(Ordering::SeqCst), 0);
    fleet.stop(None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_rechecks_host_key_and_tools() {
    let mut dev = SimDevice::start("juliet");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::copy(dev.sshd().known_hosts_path(), &kh).unwrap();
    let app = serve_with(vec![spec(&dev, dev.sshd().port(), kh.clone())], settings()).await;
    let within = Duration::from_secs(30);
    wait_until(within, "online", || count(&app, "ContainerStatsSampled") >= 1).await;

    // The device is "reinstalled": a different host key is recorded, and docker is gone.
    dev.sshd().write_mismatched_known_hosts(&kh);
    dev.remove_tool("docker");
    dev.go_offline();
    dev.come_online();
    wait_until(within, "offline with the host-key reason", || count(&app, "DeviceOffline") == 1)
        .await;
    let reason = app.snapshot().await.devices["juliet"].offline_reason.clone().unwrap();
    assert!(reason.contains("host key") && reason.contains("does NOT match"), "{reason}");

    // The operator accepts the key: the device comes back, its missing tool is noticed, and
    // the containers poller is retired without being mistaken for a crash.
    std::fs::copy(dev.sshd().known_hosts_path(), &kh).unwrap();
    wait_until(within, "online again", || count(&app, "DeviceOnline") == 2).await;
    wait_until(within, "containers probe skipped", || {
        app.projection.snapshot().devices["juliet"].skipped.contains_key("containers")
    })
    .await;
    assert_eq!(count(&app, "PollerRestarted"), 0);
    app.shutdown().await;
}
