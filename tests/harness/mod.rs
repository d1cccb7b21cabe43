//! Reusable system-test harness: real sshd "devices", throwaway databases, a fault proxy.
//!
//! Include it from an integration test with `mod harness;`. Nothing here sleeps as
//! synchronisation: waits poll a condition until a deadline ([`wait_until`]).
#![allow(dead_code, unused_imports)]

pub mod device;
pub mod docker_engine;
pub mod gotify;
pub mod journald;
pub mod mcp;
pub mod postgres;
pub mod proxy;
pub mod rest;
pub mod server;
pub mod shims;
pub mod specs;
pub mod sshd;

use std::future::{Future, Ready, ready};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use device::{SimDevice, SimFleet};
pub use postgres::TestDb;
pub use proxy::FaultProxy;
pub use specs::{device_spec, ssh_options, ssh_options_via};
pub use sshd::Sshd;

/// How often waits re-check their condition.
const POLL: Duration = Duration::from_millis(20);

/// Marker for a synchronous condition (`FnMut() -> bool`).
pub struct SyncCond;
/// Marker for an asynchronous condition (`FnMut() -> impl Future<Output = bool>`).
pub struct AsyncCond;

/// A condition [`wait_until`] can poll: a closure returning `bool` or a future of `bool`.
pub trait Condition<M> {
    /// The future one check produces.
    type Check: Future<Output = bool>;
    /// Evaluate the condition once.
    fn check(&mut self) -> Self::Check;
}

impl<F: FnMut() -> bool> Condition<SyncCond> for F {
    type Check = Ready<bool>;
    fn check(&mut self) -> Ready<bool> {
        ready(self())
    }
}

impl<F, Fut> Condition<AsyncCond> for F
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    type Check = Fut;
    fn check(&mut self) -> Fut {
        self()
    }
}

/// Polls `cond` (sync or async closure) until it is true; panics naming `what` after `within`.
pub async fn wait_until<M>(within: Duration, what: &str, mut cond: impl Condition<M>) {
    let deadline = Instant::now() + within;
    loop {
        if cond.check().await {
            return;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {within:?} waiting until {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls `probe` until it yields `Some`; panics naming `what` after `within`.
pub async fn wait_for<T, F, Fut>(within: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {within:?} waiting for {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Blocking twin of [`wait_until`] for sync contexts (constructors, `Drop`).
pub fn wait_until_blocking(within: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    loop {
        if cond() {
            return;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {within:?} waiting until {what}");
        }
        std::thread::sleep(POLL);
    }
}

/// Path of `tests/fixtures/<path>`.
pub fn fixture_path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path)
}

/// Contents of `tests/fixtures/<path>`; panics with the path if it cannot be read.
pub fn fixture(path: &str) -> String {
    let full = fixture_path(path);
    std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", full.display()))
}

/// Sends `tracing` output to the test's captured output (`RUST_LOG` filters, default `info`).
/// Safe to call from every test: only the first call installs the subscriber.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// True when the test process runs as root (uid 0).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// A device replaying docker 20.10's captures (13 containers in every state) and, with
/// `services`, systemd 252's failed units (4).
pub fn docker_device(name: &str, services: bool) -> SimDevice {
    let dev = SimDevice::start(name);
    dev.set_docker_ps(&fixture("docker/client-20.10/ps.jsonl"));
    dev.set_docker_stats(&fixture("docker/client-20.10/stats.jsonl"));
    dev.set_docker_inspect(&fixture("docker/client-20.10/inspect.json"));
    if services {
        dev.install_tool("systemctl", shims::SYSTEMCTL);
        dev.set("systemctl/failed", &fixture("systemd/failed-252.txt"));
    }
    dev
}

/// `docker ps` JSON lines with container `name` in `state` / `status` (a running one also
/// gets exit code 0, as the engine reports it).
pub fn ps_with_state(ps: &str, name: &str, state: &str, status: &str) -> String {
    let lines: Vec<String> = ps
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["Names"] == name {
                v["State"] = state.into();
                v["Status"] = status.into();
                if state == "running" {
                    v["ExitCode"] = 0.into();
                }
            }
            v.to_string()
        })
        .collect();
    lines.join("\n") + "\n"
}
