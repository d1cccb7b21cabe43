//! Replay transport: answers commands in-process from a function, for benches and tests of
//! the actors and bus without SSH.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{Output, Transport, TransportError};
use crate::command::Command;

type Responder = dyn Fn(&Command) -> Result<Output, TransportError> + Send + Sync;

/// Answers every command by calling a responder; can be switched "offline" at run time.
pub struct ReplayTransport {
    /// Produces the output of each command.
    respond: Arc<Responder>,
    /// When set, every call fails as unreachable (a device taken offline).
    offline: AtomicBool,
    /// `run` and `connect` calls so far.
    calls: AtomicU64,
}

impl ReplayTransport {
    /// A transport answering with `respond`.
    pub fn new(
        respond: impl Fn(&Command) -> Result<Output, TransportError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            respond: Arc::new(respond),
            offline: AtomicBool::new(false),
            calls: AtomicU64::new(0),
        }
    }

    /// Makes every later call fail as unreachable (`true`) or succeed again (`false`).
    pub fn set_offline(&self, offline: bool) {
        self.offline.store(offline, Ordering::SeqCst);
    }

    /// Number of `run` and `connect` calls so far (including failed ones).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// A successful output with `stdout`.
    pub fn ok(stdout: impl Into<String>) -> Output {
        Output { stdout: stdout.into(), stderr: String::new(), status: 0, ..Default::default() }
    }
}

#[async_trait::async_trait]
impl Transport for ReplayTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        self.connect().await?;
        (self.respond)(command)
    }

    async fn connect(&self) -> Result<(), TransportError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.offline.load(Ordering::SeqCst) {
            return Err(TransportError::Unreachable {
                target: "replay".into(),
                detail: "device is offline".into(),
            });
        }
        Ok(())
    }

    async fn disconnect(&self) {}

    fn describe(&self) -> String {
        "replay".into()
    }
}
