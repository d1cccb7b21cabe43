//! On-demand queries: container logs, system logs and docker networks, run when a tool (MCP or
//! REST) asks, never polled.
//!
//! Each query validates its arguments through the command catalogue
//! (`command/ondemand.rs`) before anything runs, runs one command, parses the output
//! with a pure parser, filters locally (`grep` is a literal substring test here, never sent to
//! the device) and caps what it returns (newest lines kept, `truncated` set).

mod caps;
pub(crate) mod journal;
pub(crate) mod logs;
mod networks;

#[cfg(test)]
mod tests;

pub use caps::{MAX_BYTES, MAX_LINES, OutputCaps};
pub use journal::LogEntry;
pub(crate) use journal::parse_journal;
pub(crate) use logs::parse_docker_logs;
pub use logs::{LogLine, Stream};
pub use networks::Network;
pub(crate) use networks::parse_network_ls;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::command::{self, Command, InvalidArgument};
use crate::probes::{Warning, first_line};
use crate::transport::{Output, Transport, TransportError};

/// Why an on-demand query produced no answer. Messages are lowercase and shown to callers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// An argument broke its rule; nothing was run.
    #[error(transparent)]
    InvalidArgument(#[from] InvalidArgument),
    /// The device could not be reached or the command timed out.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The query could not be routed (no such device, the device is being removed).
    #[error("{0}")]
    Unavailable(String),
    /// The command ran and failed (e.g. no such container).
    #[error("`{command}` exited with status {status}: {stderr}")]
    Command {
        /// Catalogue name of the command.
        command: &'static str,
        /// Exit status.
        status: i32,
        /// First line of stderr, trimmed.
        stderr: String,
    },
}

/// Arguments of a container logs query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContainerLogsQuery {
    /// Container name (`[A-Za-z0-9][A-Za-z0-9_.-]*`) or id.
    pub container: String,
    /// How many of the newest lines docker returns (both streams together), 1..=10000.
    pub tail: u32,
    /// Only lines since: an RFC 3339 timestamp or a relative duration (`15m`, `2h`).
    pub since: Option<String>,
    /// Keep only lines containing this literal text (applied after `tail`).
    pub grep: Option<String>,
    /// Whether each returned line carries its timestamp.
    pub timestamps: bool,
    /// Caps on what is returned.
    pub caps: OutputCaps,
}

impl ContainerLogsQuery {
    /// The last 100 lines of `container`, with timestamps, default caps.
    pub fn new(container: impl Into<String>) -> Self {
        Self {
            container: container.into(),
            tail: 100,
            since: None,
            grep: None,
            timestamps: true,
            caps: OutputCaps::default(),
        }
    }
}

/// Lines of a container's log, stdout and stderr merged in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LogsResult {
    /// The lines, oldest first.
    pub lines: Vec<LogLine>,
    /// Whether lines were dropped (or one cut) to respect the output caps.
    pub truncated: bool,
}

/// Runs `docker logs` for one container.
pub(crate) async fn container_logs(
    transport: &dyn Transport,
    q: &ContainerLogsQuery,
) -> Result<LogsResult, QueryError> {
    q.caps.validate()?;
    let since = q.since.as_deref().map(command::ondemand::parse_since).transpose()?;
    if let Some(g) = &q.grep {
        command::ondemand::validate_grep(g)?;
    }
    let cmd = command::ondemand::docker_logs(&q.container, q.tail, since)?;
    let cmd = command::ondemand::cap_on_device(cmd, q.caps.on_device());
    let out = run_ok(transport, &cmd).await?;
    let (mut lines, warnings) = parse_docker_logs(&out.stdout, &out.stderr, Utc::now());
    log_warnings(cmd.name, &warnings);
    if let Some(g) = &q.grep {
        lines.retain(|l| l.text.contains(g.as_str()));
    }
    if !q.timestamps {
        lines.iter_mut().for_each(|l| l.at = None);
    }
    let (lines, truncated) = q.caps.keep_newest(lines, |l| &mut l.text);
    Ok(LogsResult { lines, truncated })
}

/// Arguments of a system logs (journal) query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JournalQuery {
    /// Only this systemd unit (`[A-Za-z0-9@._:-]+`).
    pub unit: Option<String>,
    /// Only entries since: an RFC 3339 timestamp or a relative duration (`15m`, `2h`).
    pub since: Option<String>,
    /// Only this priority and more severe: `0`..=`7` or `emerg` … `debug`.
    pub priority: Option<String>,
    /// Keep only entries whose message contains this literal text (applied after `lines`).
    pub grep: Option<String>,
    /// How many of the newest entries journalctl returns, 1..=10000.
    pub lines: u32,
    /// Caps on what is returned.
    pub caps: OutputCaps,
}

impl Default for JournalQuery {
    /// The last 100 entries of every unit, default caps.
    fn default() -> Self {
        Self {
            unit: None,
            since: None,
            priority: None,
            grep: None,
            lines: 100,
            caps: OutputCaps::default(),
        }
    }
}

/// Journal entries, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JournalResult {
    /// The entries, oldest first.
    pub entries: Vec<LogEntry>,
    /// Whether entries were dropped (or a message cut) to respect the output caps.
    pub truncated: bool,
}

/// Runs `journalctl -o json` with the query's filters.
pub(crate) async fn journal(
    transport: &dyn Transport,
    q: &JournalQuery,
) -> Result<JournalResult, QueryError> {
    q.caps.validate()?;
    let since = q.since.as_deref().map(command::ondemand::parse_since).transpose()?;
    let priority = q.priority.as_deref().map(command::ondemand::parse_priority).transpose()?;
    if let Some(g) = &q.grep {
        command::ondemand::validate_grep(g)?;
    }
    let cmd = command::ondemand::journalctl(q.unit.as_deref(), since, priority, q.lines)?;
    let cmd = command::ondemand::cap_on_device(cmd, q.caps.on_device());
    let out = run_ok(transport, &cmd).await?;
    let (mut entries, warnings) = parse_journal(&out.stdout, Utc::now());
    log_warnings(cmd.name, &warnings);
    if let Some(g) = &q.grep {
        entries.retain(|e| e.message.contains(g.as_str()));
    }
    let (entries, truncated) = q.caps.keep_newest(entries, |e| &mut e.message);
    Ok(JournalResult { entries, truncated })
}

/// Starts, stops or restarts a container; the answer is docker's first output line.
pub(crate) async fn container_action(
    transport: &dyn Transport,
    verb: command::ondemand::ContainerVerb,
    container: &str,
) -> Result<String, QueryError> {
    let cmd = command::ondemand::docker_action(verb, container)?;
    let out = run_ok(transport, &cmd).await?;
    Ok(first_line(&out.stdout))
}

/// Lists the docker networks of a device.
pub(crate) async fn docker_networks(transport: &dyn Transport) -> Result<Vec<Network>, QueryError> {
    let cmd = command::ondemand::docker_network_ls();
    let out = run_ok(transport, &cmd).await?;
    let (networks, warnings) = parse_network_ls(&out.stdout, Utc::now());
    log_warnings(cmd.name, &warnings);
    Ok(networks)
}

async fn run_ok(transport: &dyn Transport, cmd: &Command) -> Result<Output, QueryError> {
    let out = transport.run(cmd).await?;
    if out.success() {
        Ok(out)
    } else {
        Err(QueryError::Command {
            command: cmd.name,
            status: out.status,
            stderr: first_line(&out.stderr),
        })
    }
}

fn log_warnings(command: &'static str, warnings: &[Warning]) {
    for w in warnings {
        tracing::warn!(query = command, line = w.line, message = %w.message, "skipped output");
    }
}
