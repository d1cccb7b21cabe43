//! Local transport: runs catalogue commands on the server's own host with `sh -c`.

use std::process::Stdio;

use tokio::process::Command as Process;
use tokio::sync::Semaphore;

use super::{Output, Transport, TransportError};
use crate::command::Command;

/// Runs commands on this machine, so the default config monitors the host it runs on.
pub struct LocalTransport {
    /// Caps concurrently running commands, like the SSH channel cap.
    slots: Semaphore,
}

impl LocalTransport {
    /// A local transport running at most `max_concurrent` commands at once.
    pub fn new(max_concurrent: usize) -> Self {
        Self { slots: Semaphore::new(max_concurrent.max(1)) }
    }
}

#[async_trait::async_trait]
impl Transport for LocalTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let _permit = self.slots.acquire().await.expect("semaphore is never closed");
        let child = Process::new("sh")
            .arg("-c")
            .arg(command.wrapped_line())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| TransportError::Session {
                target: "localhost".into(),
                detail: format!("cannot spawn sh: {e}"),
            })?;
        match tokio::time::timeout(command.timeout, child.wait_with_output()).await {
            Ok(Ok(out)) => Ok(Output {
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                status: out.status.code().unwrap_or(-1),
                ..Default::default()
            }),
            Ok(Err(e)) => Err(TransportError::Session {
                target: "localhost".into(),
                detail: format!("waiting for `{}`: {e}", command.name),
            }),
            Err(_) => Err(TransportError::Timeout {
                command: command.name.to_string(),
                after: command.timeout,
            }),
        }
    }

    async fn connect(&self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn disconnect(&self) {}

    fn describe(&self) -> String {
        "local".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_a_command_and_reports_status_and_both_streams() {
        let t = LocalTransport::new(2);
        let c = crate::command::Command {
            name: "test",
            line: "echo out; echo err >&2; exit 3".into(),
            timeout: std::time::Duration::from_secs(5),
        };
        let out = t.run(&c).await.unwrap();
        assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.status), ("out\n", "err\n", 3));
    }

    #[tokio::test]
    async fn a_hanging_command_times_out() {
        let t = LocalTransport::new(1);
        let c = crate::command::Command {
            name: "hang",
            line: "sleep 30".into(),
            timeout: std::time::Duration::from_millis(300),
        };
        assert!(matches!(t.run(&c).await, Err(TransportError::Timeout { .. })));
    }
}
