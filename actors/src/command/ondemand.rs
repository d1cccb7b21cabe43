//! On-demand commands (container logs, system logs, docker networks) and the validation of
//! every argument that reaches them.
//!
//! Arguments come from API and MCP callers. Each one is checked against a strict rule here and
//! re-rendered by us (numbers, normalised times) or shell-quoted; a value that breaks its rule
//! is refused with an [`InvalidArgument`] that names the argument and the rule, so bad input
//! never reaches a shell.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Command, DEFAULT_TIMEOUT};

/// An argument that broke its rule. The message is shown to API and MCP callers as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid argument `{argument}`: {rule}")]
pub struct InvalidArgument {
    /// The argument's name as callers spell it (`container`, `tail`, `since`, …).
    pub argument: &'static str,
    /// The rule it broke, in lowercase words.
    pub rule: String,
}

impl InvalidArgument {
    pub(crate) fn new(argument: &'static str, rule: impl Into<String>) -> Self {
        Self { argument, rule: rule.into() }
    }
}

/// Largest `tail` / `lines` a caller may ask for.
pub const MAX_LINES_ARG: u32 = 10_000;

/// Longest relative `since` accepted (one year).
const MAX_SINCE_AGO: Duration = Duration::from_secs(366 * 24 * 3600);

/// A validated start time for a logs query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// An absolute instant (given as an RFC 3339 timestamp).
    At(DateTime<Utc>),
    /// A span before now (given as `15m`, `2h`, `30s` or `7d`).
    Ago(Duration),
}

/// Parses `since`: an RFC 3339 timestamp (`2026-11-22T16:13:14Z`) or a positive number
/// followed by `s`, `m`, `h` or `d` (at most one year).
pub fn parse_since(s: &str) -> Result<Since, InvalidArgument> {
    let rule = "must be an rfc 3339 timestamp (2026-01-31T12:00:00Z) or a relative duration \
                like 30s, 15m, 2h or 7d (at most 366d)";
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return Ok(Since::At(at.with_timezone(&Utc)));
    }
    if !s.is_ascii() {
        return Err(InvalidArgument::new("since", rule));
    }
    let (digits, unit) = s.split_at(s.len().saturating_sub(1));
    let per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(InvalidArgument::new("since", rule)),
    };
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidArgument::new("since", rule));
    }
    let n: u64 = digits.parse().map_err(|_| InvalidArgument::new("since", rule))?;
    let ago = Duration::from_secs(n.saturating_mul(per_unit));
    if n == 0 || ago > MAX_SINCE_AGO {
        return Err(InvalidArgument::new("since", rule));
    }
    Ok(Since::Ago(ago))
}

/// Checks a container reference: a name `[A-Za-z0-9][A-Za-z0-9_.-]*` or a hex id, at most
/// 128 characters.
pub fn validate_container(s: &str) -> Result<(), InvalidArgument> {
    let ok = s.len() <= 128
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InvalidArgument::new(
            "container",
            "must be a container name matching [A-Za-z0-9][A-Za-z0-9_.-]* or a hex id \
             (at most 128 characters)",
        ))
    }
}

/// Checks a systemd unit name: `[A-Za-z0-9@._:-]+`, not starting with `-`, at most 256
/// characters.
pub fn validate_unit(s: &str) -> Result<(), InvalidArgument> {
    let ok = !s.is_empty()
        && s.len() <= 256
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"@._:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InvalidArgument::new(
            "unit",
            "must be a unit name matching [A-Za-z0-9@._:-]+, not starting with '-' \
             (at most 256 characters)",
        ))
    }
}

/// Checks a line count argument (`tail`, `lines`): 1..=10000.
pub fn validate_count(argument: &'static str, n: u32) -> Result<u32, InvalidArgument> {
    if (1..=MAX_LINES_ARG).contains(&n) {
        Ok(n)
    } else {
        Err(InvalidArgument::new(argument, format!("must be between 1 and {MAX_LINES_ARG}")))
    }
}

/// Syslog priority names, index = level.
pub const PRIORITY_NAMES: [&str; 8] =
    ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

/// Parses a journal priority: `0`..=`7` or a name `emerg` … `debug`.
pub fn parse_priority(s: &str) -> Result<u8, InvalidArgument> {
    let lower = s.to_ascii_lowercase();
    if let Some(i) = PRIORITY_NAMES.iter().position(|n| *n == lower) {
        return Ok(i as u8);
    }
    match lower.as_str() {
        "error" => return Ok(3),
        "warn" => return Ok(4),
        _ => {}
    }
    match s.parse::<u8>() {
        Ok(n) if n <= 7 => Ok(n),
        _ => Err(InvalidArgument::new(
            "priority",
            "must be 0..=7 or one of emerg, alert, crit, err, warning, notice, info, debug",
        )),
    }
}

/// Checks a `grep` filter: a literal substring, applied locally (never sent to the device),
/// one line of at most 1024 bytes.
pub fn validate_grep(s: &str) -> Result<(), InvalidArgument> {
    if s.is_empty() || s.len() > 1024 || s.contains(['\n', '\r', '\0']) {
        Err(InvalidArgument::new(
            "grep",
            "must be a non-empty literal text of at most 1024 bytes on one line",
        ))
    } else {
        Ok(())
    }
}

/// `docker logs --timestamps --tail <n> [--since <t>] <container>`.
///
/// Timestamps are always requested: they are what merges stdout and stderr back into order.
pub fn docker_logs(
    container: &str,
    tail: u32,
    since: Option<Since>,
) -> Result<Command, InvalidArgument> {
    validate_container(container)?;
    let tail = validate_count("tail", tail)?;
    let since = match since {
        None => String::new(),
        Some(Since::At(at)) => {
            format!(" --since {}", at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        Some(Since::Ago(d)) => format!(" --since {}s", d.as_secs()),
    };
    let name = quote("container", container)?;
    Ok(Command::new(
        "docker_logs",
        format!("docker logs --timestamps --tail {tail}{since} {name}"),
        DEFAULT_TIMEOUT,
    ))
}

/// `journalctl -o json --no-pager -n <lines> [-u <unit>] [--since <t>] [-p <priority>]`.
pub fn journalctl(
    unit: Option<&str>,
    since: Option<Since>,
    priority: Option<u8>,
    lines: u32,
) -> Result<Command, InvalidArgument> {
    let lines = validate_count("lines", lines)?;
    let mut line = format!("journalctl -o json --no-pager -n {lines}");
    if let Some(unit) = unit {
        validate_unit(unit)?;
        line.push_str(" -u ");
        line.push_str(&quote("unit", unit)?);
    }
    match since {
        None => {}
        // systemd 252 does not read `T`/`Z` RFC 3339; this form works on every version.
        Some(Since::At(at)) => {
            line.push_str(&format!(" --since '{}'", at.format("%Y-%m-%d %H:%M:%S UTC")))
        }
        Some(Since::Ago(d)) => line.push_str(&format!(" --since -{}s", d.as_secs())),
    }
    if let Some(p) = priority {
        if p > 7 {
            return Err(InvalidArgument::new("priority", "must be 0..=7"));
        }
        line.push_str(&format!(" -p {p}"));
    }
    Ok(Command::new("journalctl", line, DEFAULT_TIMEOUT))
}

/// `command` with each of its output streams cut to its last `bytes` bytes *on the device*
/// (`tail -c`, which reads everything and keeps only the end: the newest lines), so a huge
/// log never crosses the network. The command's own exit status is kept (carried out of the
/// pipelines on a spare descriptor).
pub fn cap_on_device(command: Command, bytes: usize) -> Command {
    let inner = &command.line;
    let line = format!(
        "exec 3>&1 4>&2; s=$( {{ {{ {{ ( {inner} ); echo $? >&5; }} | tail -c {bytes} >&3; }} 2>&1 \
         | tail -c {bytes} >&4; }} 5>&1 ); exit \"${{s:-1}}\""
    );
    Command { line, ..command }
}

/// What a container action does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ContainerVerb {
    /// `docker start`.
    Start,
    /// `docker stop` (the engine's grace period, then SIGKILL).
    Stop,
    /// `docker restart`.
    Restart,
}

impl ContainerVerb {
    /// `start`, `stop` or `restart`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
        }
    }
}

/// Deadline of a container action (`docker stop` waits 10 s before it kills).
pub const ACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// `docker start|stop|restart <container>`, the name validated and quoted.
pub fn docker_action(verb: ContainerVerb, container: &str) -> Result<Command, InvalidArgument> {
    validate_container(container)?;
    let line = format!("docker {} {}", verb.as_str(), quote("container", container)?);
    Ok(Command::new("docker_action", line, ACTION_TIMEOUT))
}

/// `docker network ls` as one JSON object per line.
pub fn docker_network_ls() -> Command {
    Command::new(
        "docker_network_ls",
        "docker network ls --no-trunc --format '{{json .}}'",
        DEFAULT_TIMEOUT,
    )
}

fn quote(argument: &'static str, s: &str) -> Result<String, InvalidArgument> {
    shlex::try_quote(s)
        .map(|q| q.into_owned())
        .map_err(|_| InvalidArgument::new(argument, "must not contain nul bytes"))
}

#[cfg(test)]
#[path = "ondemand_tests.rs"]
mod tests;
