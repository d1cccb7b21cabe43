//! The command catalogue: every command line sent to a device is built here, and only here.
//!
//! No user-supplied string is interpolated into a shell line without validation and quoting.

pub(crate) mod backups;
mod docker;
mod host;
pub(crate) mod images;
pub(crate) mod logs;
pub(crate) mod ondemand;
mod storage;
mod wrap;

use std::time::Duration;

pub use backups::{valid_backup_argument, valid_backup_path};
pub(crate) use docker::{MAX_BATCH, MAX_BATCH_BYTES, docker_inspect, valid_container_id};
pub(crate) use host::*;
pub use ondemand::{ContainerVerb, InvalidArgument, validate_unit};
pub(crate) use storage::{arrays, virsh_dominfo, virsh_list, zfs};
pub(crate) use wrap::{ChannelEnd, Wrapped, signal_name};

/// One command to run on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Stable catalogue name, used in errors and metrics (e.g. `docker_ps`).
    pub name: &'static str,
    /// The POSIX `sh` command line.
    pub line: String,
    /// Local deadline; the remote side is wrapped in `timeout` with the same value.
    pub timeout: Duration,
    /// For a sectioned command, the random nonce of its section marker lines
    /// (`@@<nonce>:<section>`), new each time the command is built, so device data cannot
    /// fake a marker; `None` for a command whose output has no sections.
    pub nonce: Option<String>,
}

impl Command {
    fn new(name: &'static str, line: impl Into<String>, timeout: Duration) -> Self {
        Self { name, line: line.into(), timeout, nonce: None }
    }

    /// A sectioned command: `body` prints each section's marker with the shell function
    /// `section <name>` (defined by [`SECTION_PRELUDE`]), which prints
    /// `\n@@<nonce>:<name>\n`, so a marker starts its own line even after output without a
    /// final newline.
    fn sectioned(name: &'static str, body: &str, timeout: Duration) -> Self {
        let nonce = new_nonce();
        let line = format!("N={nonce}; {SECTION_PRELUDE}{body}");
        Self { name, line, timeout, nonce: Some(nonce) }
    }

    /// The nonce of this command's section markers; empty for an unsectioned command.
    pub fn section_nonce(&self) -> &str {
        self.nonce.as_deref().unwrap_or_default()
    }
}

/// Defines `section <name>`, the marker printer of sectioned commands (after `N=<nonce>; `).
pub(crate) const SECTION_PRELUDE: &str = "section() { printf '\\n@@%s:%s\\n' \"$N\" \"$1\"; }; ";

/// A new random nonce (of section markers, and of the end marker): 16 lowercase hex digits.
fn new_nonce() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// Default deadline for a probe command.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// `true`: the cheapest round trip, used to test a session.
pub fn noop() -> Command {
    Command::new("noop", "true", Duration::from_secs(10))
}

/// Capability detection: kernel name and which of `tools` exist, then which of `files` exist
/// as `(capability, path)`, one `<name> yes|no` line each. Both lists are the detector's own
/// constants (`capabilities::KNOWN_TOOLS`, `KNOWN_FILES`), never device or user input.
pub(crate) fn capabilities(
    tools: &[&'static str],
    files: &[(&'static str, &'static str)],
) -> Command {
    let tools = tools.join(" ");
    let mut line = format!(
        "uname -sr; for t in {tools}; do if command -v \"$t\" >/dev/null 2>&1; then echo \"$t yes\"; else echo \"$t no\"; fi; done"
    );
    for (cap, path) in files {
        line.push_str(&format!(
            "; if [ -e {path} ]; then echo '{cap} yes'; else echo '{cap} no'; fi"
        ));
    }
    Command::new("capabilities", line, Duration::from_secs(10))
}

/// `docker ps -a` as one JSON object per line.
pub(crate) fn docker_ps() -> Command {
    Command::new("docker_ps", "docker ps -a --no-trunc --format '{{json .}}'", DEFAULT_TIMEOUT)
}

/// One `docker stats` snapshot for every running container.
pub(crate) fn docker_stats() -> Command {
    Command::new(
        "docker_stats",
        "docker stats --no-stream --no-trunc --format '{{json .}}'",
        DEFAULT_TIMEOUT,
    )
}

/// `smartctl --scan-open -j`: every drive smartctl can open.
pub(crate) fn smartctl_scan(sudo: bool) -> Command {
    Command::new(
        "smartctl_scan",
        format!("{}smartctl --scan-open -j", sudo_prefix(sudo)),
        DEFAULT_TIMEOUT,
    )
}

/// `smartctl -j -a -n standby <device>`: health of one drive without waking it.
///
/// Returns `None` when `device` is not a plain `/dev/...` path (it comes from device output).
pub(crate) fn smartctl_info(sudo: bool, device: &str, dev_type: Option<&str>) -> Option<Command> {
    if !valid_device_path(device) || dev_type.is_some_and(|t| !valid_word(t)) {
        return None;
    }
    let dev = shlex::try_quote(device).ok()?;
    let ty = dev_type.map(|t| format!(" -d {t}")).unwrap_or_default();
    Some(Command::new(
        "smartctl_info",
        format!("{}smartctl -j -a -n standby{ty} {dev}", sudo_prefix(sudo)),
        DEFAULT_TIMEOUT,
    ))
}

fn sudo_prefix(sudo: bool) -> &'static str {
    if sudo { "sudo -n " } else { "" }
}

/// `/dev/` followed by `[A-Za-z0-9_./-]`, no `..`.
fn valid_device_path(s: &str) -> bool {
    s.starts_with("/dev/")
        && s.len() < 256
        && !s.contains("..")
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_./-".contains(&b))
}

/// A smartctl `-d` type such as `sat`, `nvme`, `megaraid,0`.
fn valid_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b",_+-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_paths_are_validated() {
        assert!(smartctl_info(false, "/dev/sda", None).is_some());
        assert!(smartctl_info(true, "/dev/bus/0", Some("megaraid,0")).is_some());
        assert!(smartctl_info(false, "/dev/sda; rm -rf /", None).is_none());
        assert!(smartctl_info(false, "/dev/../etc/passwd", None).is_none());
        assert!(smartctl_info(false, "/dev/sda", Some("sat;id")).is_none());
    }

    #[test]
    fn wrapped_line_quotes_the_inner_command() {
        let c = docker_ps();
        assert_eq!(
            c.wrapped().line.split("; printf").next().unwrap(),
            // shlex 1.3 double-quotes a line holding single quotes and nothing that double
            // quotes would expand (`$`, `` ` ``, `\`, `!`); the inner `sh` sees the same words.
            "timeout -s KILL 20 sh -c \"docker ps -a --no-trunc --format '{{json .}}'\""
        );
    }
}
