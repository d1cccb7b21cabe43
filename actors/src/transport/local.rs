//! Local transport: runs catalogue commands on the server's own host with `sh -c`, reading
//! stdout and stderr as they come (capped like SSH) and killing the whole process tree on a
//! timeout.

use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command as Process;
use tokio::sync::Semaphore;

use super::{OUTPUT_CAP, Output, Transport, TransportError};
use crate::command::{ChannelEnd, Command};

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

/// Kills a command's process group and every descendant when dropped, unless the command
/// finished. GNU `timeout` moves itself into a group of its own, hence the descendants.
struct Tree(Option<u32>);

impl Drop for Tree {
    fn drop(&mut self) {
        if let Some(root) = self.0 {
            kill_tree(root);
        }
    }
}

fn session_err(detail: String) -> TransportError {
    TransportError::Session { target: "localhost".into(), detail }
}

#[async_trait::async_trait]
impl Transport for LocalTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let _permit = self.slots.acquire().await.expect("semaphore is never closed");
        let wrapped = command.wrapped();
        let mut child = Process::new("sh")
            .arg("-c")
            .arg(&wrapped.line)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| session_err(format!("cannot spawn sh: {e}")))?;
        let mut tree = Tree(child.id());
        let (mut stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
        let work = async {
            let (out, err, status) = tokio::join!(
                read_capped(stdout.as_mut()),
                read_capped(stderr.as_mut()),
                child.wait()
            );
            Ok::<_, std::io::Error>((out?, err?, status?))
        };
        let deadline = command.local_deadline();
        match tokio::time::timeout(deadline, work).await {
            Ok(Ok(((out, cut_out), (err, cut_err), status))) => {
                tree.0 = None;
                use std::os::unix::process::ExitStatusExt;
                let end = match (status.code(), status.signal()) {
                    (Some(code), _) => ChannelEnd::Status(code),
                    (None, sig) => ChannelEnd::Signal(
                        sig.map(crate::command::signal_name).unwrap_or_else(|| "unknown".into()),
                    ),
                };
                wrapped.finish(&out, &err, end, cut_out || cut_err)
            }
            Ok(Err(e)) => Err(session_err(format!("running `{}`: {e}", command.name))),
            Err(_) => {
                Err(TransportError::Timeout { command: command.name.to_string(), after: deadline })
            }
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

/// Reads `pipe` to its end, keeping the first [`OUTPUT_CAP`] bytes and discarding the rest
/// (still reading, so the child never blocks on a full pipe). Returns whether it cut.
async fn read_capped<R: AsyncRead + Unpin>(
    pipe: Option<&mut R>,
) -> std::io::Result<(Vec<u8>, bool)> {
    let Some(pipe) = pipe else { return Ok((Vec::new(), false)) };
    let mut kept = Vec::new();
    (&mut *pipe).take(OUTPUT_CAP as u64).read_to_end(&mut kept).await?;
    let rest = tokio::io::copy(pipe, &mut tokio::io::sink()).await?;
    Ok((kept, rest > 0))
}

/// SIGKILLs the process group `root` and every descendant of `root` (from `/proc`).
fn kill_tree(root: u32) {
    let mut procs = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // After the parenthesised command name: state, ppid, pgrp, ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let mut fields = rest.split_whitespace().skip(1).map(|f| f.parse::<u32>().unwrap_or(0));
        let (ppid, pgrp) = (fields.next().unwrap_or(0), fields.next().unwrap_or(0));
        procs.push((pid, ppid, pgrp));
    }
    let mut doomed: Vec<u32> = procs.iter().filter(|p| p.2 == root).map(|p| p.0).collect();
    doomed.push(root);
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i];
        for (pid, ..) in procs.iter().filter(|p| p.1 == parent) {
            if !doomed.contains(pid) {
                doomed.push(*pid);
            }
        }
        i += 1;
    }
    let _ = std::process::Command::new("kill")
        .args(["-s", "KILL", "--"])
        .args(doomed.iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
