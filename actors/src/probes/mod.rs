//! Probes: each is a catalogue command plus a pure parser, run by a poller actor.
//!
//! Parsers are `parse(output, observed_at) -> (T, Vec<Warning>)`: no I/O, never panic, and one
//! bad line never fails a whole batch.

pub(crate) mod arrays;
pub mod backups;
pub(crate) mod containers;
pub(crate) mod drives;
pub mod images;
pub mod logs;
pub(crate) mod metrics;
pub(crate) mod sane;
pub(crate) mod sections;
pub(crate) mod services;
pub(crate) mod summary;
pub(crate) mod updates;
pub(crate) mod vms;
pub(crate) mod zfs;

#[cfg(test)]
mod garbage_tests;
#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod review_tests;

use chrono::{DateTime, Utc};

pub(crate) use summary::PollWarnings;

use crate::command::Command;
use crate::events::EventKind;
use crate::transport::{Output, Transport, TransportError};

/// The newest sample event of another probe of the same device, by probe name (`zfs`),
/// read live at each call (the projection's current state).
pub type SampleReader =
    std::sync::Arc<dyn Fn(&str) -> Option<std::sync::Arc<crate::events::Event>> + Send + Sync>;

/// What a probe may know of its device besides its own polls ([`Probe::attach`]).
#[derive(Clone)]
pub struct DeviceFacts {
    /// The tools detected on the device's current connection, if detection ran.
    pub capabilities: Option<crate::model::capabilities::Capabilities>,
    /// The other probes' newest samples.
    pub samples: SampleReader,
}

/// Something a parser skipped or could not read, kept so a bad line is visible but not fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line number in the command output, when the problem has one.
    pub line: Option<usize>,
    /// What was wrong.
    pub message: String,
}

impl Warning {
    /// A warning about line `line` (1-based).
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Self { line: Some(line), message: message.into() }
    }

    /// A warning about the output as a whole.
    pub fn general(message: impl Into<String>) -> Self {
        Self { line: None, message: message.into() }
    }
}

/// Why a poll produced no sample.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProbeError {
    /// The device could not be reached; counts towards `DeviceOffline`.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The command ran but failed.
    #[error("`{command}` exited with status {status}: {stderr}")]
    Command {
        /// Catalogue name.
        command: &'static str,
        /// Exit status.
        status: i32,
        /// First line of stderr, trimmed.
        stderr: String,
    },
    /// The output could not be used at all.
    #[error("unreadable output from `{command}`: {detail}")]
    Output {
        /// Catalogue name.
        command: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl ProbeError {
    /// Whether this failure means the device cannot be reached (as opposed to a tool failing).
    ///
    /// A timeout alone is ambiguous (a hung tool or a dead link): the poller settles it with
    /// a liveness check, see [`ProbeError::is_timeout`].
    ///
    /// A refused host key or credentials count too: the device cannot be monitored until an
    /// operator acts, and the `DeviceOffline` event carries the reason.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Transport(e)
            if !matches!(e, TransportError::Timeout { .. }) && !e.device_answered())
    }

    /// Whether a command timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Transport(TransportError::Timeout { .. }))
    }
}

/// What a poll has to work with.
pub struct PollContext<'a> {
    /// The device's transport.
    pub transport: &'a dyn Transport,
    /// Timestamp given to every event of this poll.
    pub observed_at: DateTime<Utc>,
    /// Whether privileged tools are run through `sudo -n`.
    pub sudo: bool,
    /// Deadline of every command of the poll (`fleet.command_timeout`), local and remote.
    pub command_timeout: std::time::Duration,
}

impl PollContext<'_> {
    /// Runs `command` with the poll's deadline.
    pub async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let command = Command { timeout: self.command_timeout, ..command.clone() };
        self.transport.run(&command).await
    }

    /// Runs `command` with its own deadline when that is longer than the poll's (a long
    /// check, bounded by the catalogue), else with the poll's.
    pub async fn run_long(&self, command: &Command) -> Result<Output, TransportError> {
        let timeout = command.timeout.max(self.command_timeout);
        self.transport.run(&Command { timeout, ..command.clone() }).await
    }

    /// Runs `command` with the poll's deadline and returns its output if it exited with 0.
    pub async fn run_ok(&self, command: &Command) -> Result<Output, ProbeError> {
        let out = self.run(command).await?;
        if out.success() {
            Ok(out)
        } else {
            Err(ProbeError::Command {
                command: command.name,
                status: out.status,
                stderr: first_line(&out.stderr),
            })
        }
    }
}

/// The first non-empty line of `s`, [printable](printable), trimmed and capped at 200
/// characters.
pub(crate) fn first_line(s: &str) -> String {
    let line = s.lines().map(|l| printable(l).trim().to_owned()).find(|l| !l.is_empty());
    line.unwrap_or_default().chars().take(200).collect()
}

/// `s` without terminal escape sequences (`ESC [ … letter`, as restic prints even into a
/// pipe) and other control characters (a tab becomes a space): device text for evidence.
pub(crate) fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            break;
                        }
                    }
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[test]
fn escapes_and_controls_are_dropped() {
    assert_eq!(
        printable("\x1b[2Ksignal interrupt received, cleaning up"),
        "signal interrupt received, cleaning up"
    );
    assert_eq!(first_line("\n\x07 a\tb\r\n"), "a b");
}

/// One kind of observation on a device, polled on an interval by its own poller actor.
///
/// A probe keeps the previous snapshot it needs for diffing and rate computation.
#[async_trait::async_trait]
pub trait Probe: Send + 'static {
    /// Stable name (`containers`, `metrics`, `drives`), used in config, events and metrics.
    fn name(&self) -> &'static str;

    /// The tool that must exist on the device for this probe to run, if any.
    fn required_tool(&self) -> Option<&'static str>;

    /// Seeds the probe's diff state from `last`, the newest sample event it published before
    /// (stored across a server restart, kept in the projection across a poller restart), so
    /// the next poll reports only what changed since then. An event of another probe is
    /// ignored. The default does nothing: a probe without diff state (or whose state needs
    /// raw counters a sample does not hold, such as rates) starts afresh.
    fn resume(&mut self, _last: &crate::events::Event) {}

    /// Told what is known of the device besides its own polls (its tools, the other probes'
    /// newest samples) when its poller starts, after [`Probe::resume`]. The default ignores it.
    fn attach(&mut self, _device: &DeviceFacts) {}

    /// Runs one poll and returns the events it produced (samples and changes).
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError>;
}
