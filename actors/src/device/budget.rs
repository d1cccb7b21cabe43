//! The pollers' channel budget on one device: hung tools cannot hold more than their share of
//! channels, and quick reads keep a channel of their own.
//!
//! A device has `max_channels` channels. Probes whose last poll hung (a tool killed at its
//! deadline, a stale NFS `df`) are *suspect*: together they hold at most `max_channels - 1`
//! (at least one), so healthy probes always find a channel. Quick reads (`/proc` files,
//! capability detection) never queue behind tool commands: one channel beyond the cap is
//! reserved for them. The wait for a permit is not part of a command's deadline: the
//! deadline counts from when the command runs.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::command::Command;
use crate::transport::{Output, Transport, TransportError};

/// Catalogue commands that only read a file or print a line and finish in milliseconds.
const QUICK: &[&str] = &["noop", "capabilities", "arrays"];

/// Channel permits shared by the pollers of one device.
#[derive(Debug)]
pub struct ChannelBudget {
    /// Every tool command takes one of these (`max_channels`).
    all: Semaphore,
    /// Suspect probes take one of these first (`max_channels - 1`, at least 1).
    suspect: Semaphore,
    /// Quick reads take this one reserved channel.
    quick: Semaphore,
}

impl ChannelBudget {
    /// A budget for a device allowing `max_channels` concurrent tool commands.
    pub fn new(max_channels: usize) -> Self {
        let max = max_channels.max(1);
        Self {
            all: Semaphore::new(max),
            suspect: Semaphore::new(max.saturating_sub(1).max(1)),
            quick: Semaphore::new(1),
        }
    }

    /// Runs `command` on `transport` once a permit is free: the quick channel for quick
    /// reads, else a shared one (after a suspect permit when `suspect`).
    pub async fn run(
        &self,
        transport: &dyn Transport,
        command: &Command,
        suspect: bool,
    ) -> Result<Output, TransportError> {
        if QUICK.contains(&command.name) {
            let _quick = self.quick.acquire().await.expect("budget semaphores are never closed");
            return transport.run(command).await;
        }
        let _suspect = match suspect {
            true => Some(self.suspect.acquire().await.expect("never closed")),
            false => None,
        };
        let _all = self.all.acquire().await.expect("never closed");
        transport.run(command).await
    }
}

/// A device's transport as one poller sees it: every command goes through the budget.
pub struct Budgeted {
    /// The device's transport.
    pub inner: Arc<dyn Transport>,
    /// The device's budget.
    pub budget: Arc<ChannelBudget>,
    /// Whether this probe's last poll hung.
    pub suspect: bool,
}

#[async_trait::async_trait]
impl Transport for Budgeted {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        self.budget.run(self.inner.as_ref(), command, self.suspect).await
    }

    async fn connect(&self) -> Result<(), TransportError> {
        self.inner.connect().await
    }

    async fn disconnect(&self) {
        self.inner.disconnect().await
    }

    async fn ping(&self, within: Duration) -> Result<(), TransportError> {
        self.inner.ping(within).await
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ReplayTransport;

    fn cmd(name: &'static str) -> Command {
        Command { name, line: name.into(), timeout: Duration::from_secs(1), nonce: None }
    }

    /// A transport whose `hang` commands never finish.
    fn hanging() -> Arc<dyn Transport> {
        Arc::new(ReplayTransport::new(|c| {
            if c.name == "hang" {
                Err(TransportError::Timeout { command: "hang".into(), after: Duration::MAX })
            } else {
                Ok(ReplayTransport::ok("ok"))
            }
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn suspect_probes_leave_a_channel_for_healthy_ones_and_quick_reads_never_queue() {
        struct Hang;
        #[async_trait::async_trait]
        impl Transport for Hang {
            async fn run(&self, c: &Command) -> Result<Output, TransportError> {
                if c.name == "hang" {
                    std::future::pending::<()>().await;
                }
                Ok(ReplayTransport::ok("ok"))
            }
            async fn connect(&self) -> Result<(), TransportError> {
                Ok(())
            }
            async fn disconnect(&self) {}
            fn describe(&self) -> String {
                "hang".into()
            }
        }
        let budget = Arc::new(ChannelBudget::new(2));
        let t: Arc<dyn Transport> = Arc::new(Hang);
        // Five suspect probes hang at once.
        for _ in 0..5 {
            let (b, t) = (budget.clone(), t.clone());
            tokio::spawn(async move { b.run(t.as_ref(), &cmd("hang"), true).await });
        }
        tokio::task::yield_now().await;
        let within = Duration::from_secs(1);
        let df = cmd("df");
        let healthy = tokio::time::timeout(within, budget.run(t.as_ref(), &df, false));
        assert!(healthy.await.is_ok(), "a healthy probe found no channel");
        let arrays = cmd("arrays");
        let quick = tokio::time::timeout(within, budget.run(t.as_ref(), &arrays, true));
        assert!(quick.await.is_ok(), "a quick read queued behind hung tools");
    }

    #[tokio::test(start_paused = true)]
    async fn a_single_channel_device_still_runs_suspect_probes() {
        let budget = ChannelBudget::new(1);
        let t = hanging();
        assert!(budget.run(t.as_ref(), &cmd("df"), true).await.is_ok());
    }
}
