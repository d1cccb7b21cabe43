//! The device-side wrapper of every catalogue command: a hard remote deadline that kills the
//! whole process group, and an end marker carrying the exit status, so that a hung tool, a
//! truncated output and a command killed by a signal are each told apart from a success.
//!
//! The executed line is
//!
//! ```text
//! timeout -s KILL <secs> sh -c '<line>'; printf '\n@@end:<nonce> %d\n' $?
//! ```
//!
//! `timeout -s KILL` signals its whole process group at the deadline, so a tool that ignores
//! SIGTERM (or a child that the inner `sh` left behind) cannot outlive it; `timeout -k` would
//! never send its KILL because the inner `sh` exits on the TERM and `timeout` with it. The
//! nonce is fresh per run, so device data cannot forge the end marker, and the marker always
//! starts on its own line.

use std::time::Duration;

use super::Command;
use crate::transport::{Output, TransportError};

/// How much longer than the remote deadline the local side waits before it gives up on the
/// channel (at most; a quarter of the deadline, at least 1 s): the remote kill normally
/// answers first, with status 137.
pub const LOCAL_GRACE: Duration = Duration::from_secs(5);

/// Exit statuses of `timeout` when it ended the command at its deadline: 124 (TERM), 137
/// (KILL, which also ends `timeout` itself, so the shell reports 128 + 9).
const TIMED_OUT: [i32; 2] = [124, 137];

/// A command ready to execute: the device-side line and the end marker to look for.
#[derive(Debug, Clone)]
pub struct Wrapped {
    /// The line to execute on the device.
    pub line: String,
    /// Catalogue name, for errors.
    name: &'static str,
    /// The remote deadline.
    timeout: Duration,
    /// `@@end:<nonce> `: what the last line of stdout starts with.
    marker: String,
    /// When the line was built (just before it is executed): a status of 137 before the
    /// deadline is a kill by someone else, not our timeout.
    started: std::time::Instant,
}

impl Command {
    /// The command as it runs on a device, with a fresh end-marker nonce.
    pub(crate) fn wrapped(&self) -> Wrapped {
        let secs = self.timeout.as_secs().max(1);
        let quoted = shlex::try_quote(&self.line).expect("catalogue lines contain no NUL bytes");
        let nonce = super::new_nonce();
        Wrapped {
            line: format!(
                "timeout -s KILL {secs} sh -c {quoted}; printf '\\n@@end:{nonce} %d\\n' $?"
            ),
            name: self.name,
            timeout: self.timeout,
            marker: format!("@@end:{nonce} "),
            started: std::time::Instant::now(),
        }
    }

    /// The local deadline of a run: the remote deadline plus a grace of a quarter of it,
    /// between 1 s and [`LOCAL_GRACE`].
    pub(crate) fn local_deadline(&self) -> Duration {
        let remote = self.timeout.max(Duration::from_secs(1));
        remote + (remote / 4).clamp(Duration::from_secs(1), LOCAL_GRACE)
    }
}

/// How the channel itself ended, as the transport saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelEnd {
    /// An `exit-status` (or a local process exit code).
    Status(i32),
    /// Ended by a signal (an `exit-signal` message, or a local process killed), with its name.
    Signal(String),
}

impl Wrapped {
    /// Checks what came back: the end marker must be the last line of stdout. Returns the
    /// tool's output without the marker and with the tool's own exit status.
    ///
    /// - no marker (output truncated in transit, cut by the output cap, or the shell was
    ///   killed) → [`TransportError::Incomplete`];
    /// - the channel ended by a signal → [`TransportError::Incomplete`], never a success;
    /// - status 124/137 from `timeout` at the deadline → [`TransportError::Hung`]: the device
    ///   answered, the tool did not finish and was killed there;
    /// - any other status is the tool's, with the signal's name when it is 128 + a signal.
    pub fn finish(
        &self,
        stdout: &[u8],
        stderr: &[u8],
        end: ChannelEnd,
        capped: bool,
    ) -> Result<Output, TransportError> {
        let incomplete = |detail: String| TransportError::Incomplete { command: self.name, detail };
        if let ChannelEnd::Signal(sig) = &end {
            return Err(incomplete(format!("ended by signal {sig}")));
        }
        if capped {
            return Err(incomplete("output exceeded the size cap".into()));
        }
        let Some((body, status)) = self.split_marker(stdout) else {
            let how = match end {
                ChannelEnd::Status(s) => format!("exit status {s}"),
                ChannelEnd::Signal(s) => format!("signal {s}"),
            };
            return Err(incomplete(format!("output ended without its end marker ({how})")));
        };
        let at_deadline = self.started.elapsed() + Duration::from_millis(250) >= self.timeout;
        if TIMED_OUT.contains(&status) && at_deadline {
            return Err(TransportError::Hung { command: self.name, after: self.timeout });
        }
        Ok(Output {
            stdout: String::from_utf8_lossy(body).into_owned(),
            stderr: String::from_utf8_lossy(stderr).into_owned(),
            status,
            truncated: false,
            signal: (129..160).contains(&status).then(|| signal_name(status - 128)),
        })
    }

    /// `(tool output, status)` when stdout ends with `\n@@end:<nonce> <status>\n`.
    fn split_marker<'a>(&self, stdout: &'a [u8]) -> Option<(&'a [u8], i32)> {
        let trimmed = stdout.strip_suffix(b"\n")?;
        let start = trimmed.iter().rposition(|&b| b == b'\n')?;
        let last = std::str::from_utf8(&trimmed[start + 1..]).ok()?;
        let status = last.strip_prefix(&self.marker)?.parse().ok()?;
        Some((&stdout[..start], status))
    }
}

/// The SSH name (`KILL`) of Linux signal `number` (RFC 4254 6.10), or the number itself.
pub fn signal_name(number: i32) -> String {
    SIGNALS
        .iter()
        .find(|(_, n)| *n == number)
        .map_or(number.to_string(), |(name, _)| name.to_string())
}

/// Signals SSH names (RFC 4254 6.10) and their Linux numbers.
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("ABRT", 6),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str, secs: u64) -> Command {
        Command { name: "t", line: line.into(), timeout: Duration::from_secs(secs), nonce: None }
    }

    /// Runs the wrapped line with the machine's `sh`, as sshd would.
    fn run_sh(w: &Wrapped) -> (Vec<u8>, Vec<u8>, ChannelEnd) {
        let out = std::process::Command::new("sh").arg("-c").arg(&w.line).output().unwrap();
        let end = match out.status.code() {
            Some(c) => ChannelEnd::Status(c),
            None => ChannelEnd::Signal("KILL".into()),
        };
        (out.stdout, out.stderr, end)
    }

    fn check(line: &str, secs: u64) -> Result<Output, TransportError> {
        let w = cmd(line, secs).wrapped();
        let (o, e, end) = run_sh(&w);
        w.finish(&o, &e, end, false)
    }

    #[test]
    fn the_tool_output_and_status_come_back_exactly() {
        let out = check("printf 'a\\nb\\n'; echo err >&2; exit 3", 5).unwrap();
        assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.status), ("a\nb\n", "err\n", 3));
        // Output without a final newline, and no output at all.
        assert_eq!(check("printf abc", 5).unwrap().stdout, "abc");
        assert_eq!(check("true", 5).unwrap().stdout, "");
    }

    #[test]
    fn a_tool_killed_before_its_deadline_is_its_own_failure_not_a_hang() {
        let out = check("kill -9 $$", 30).unwrap();
        assert_eq!((out.status, out.signal.as_deref()), (137, Some("KILL")));
        assert!(!out.success());
        assert_eq!((signal_name(15), signal_name(28)), ("TERM".to_string(), "28".to_string()));
    }

    #[test]
    fn a_forged_marker_in_device_data_is_just_data() {
        let out = check("echo '@@end:0000000000000000 0'; exit 2", 5).unwrap();
        assert_eq!(out.status, 2);
        assert!(out.stdout.contains("@@end:"));
    }

    #[test]
    fn missing_or_truncated_markers_are_incomplete() {
        let w = cmd("true", 5).wrapped();
        let (o, e, end) = run_sh(&w);
        for cut in [0, 1, o.len() / 2, o.len() - 1] {
            let r = w.finish(&o[..cut], &e, end.clone(), false);
            assert!(matches!(r, Err(TransportError::Incomplete { .. })), "cut {cut}: {r:?}");
        }
        let r = w.finish(&o, &e, end.clone(), true);
        assert!(matches!(r, Err(TransportError::Incomplete { .. })), "{r:?}");
        let r = w.finish(&o, &e, ChannelEnd::Signal("KILL".into()), false);
        assert!(matches!(r, Err(TransportError::Incomplete { .. })), "{r:?}");
        // Another run's marker does not count.
        let other = cmd("true", 5).wrapped();
        assert!(other.finish(&o, &e, end, false).is_err());
    }

    #[test]
    fn a_tool_ignoring_sigterm_is_killed_at_the_deadline_with_its_children() {
        let started = std::time::Instant::now();
        let pidfile = std::env::temp_dir().join(format!("wrap-test-{}", fastrand::u64(..)));
        let line = format!(
            "trap '' TERM; sh -c 'trap \"\" TERM; echo $$ > {}; sleep 30' & wait",
            pidfile.display()
        );
        let r = check(&line, 1);
        assert!(matches!(r, Err(TransportError::Hung { .. })), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let _ = std::fs::remove_file(&pidfile);
        // The grandchild that ignored TERM is gone too (or a zombie being reaped). A KILL is
        // delivered asynchronously: on a loaded machine the process may take a moment to die.
        let alive = || {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .is_ok_and(|s| !s.contains(") Z "))
        };
        let killed = std::time::Instant::now();
        while alive() {
            assert!(
                killed.elapsed() < Duration::from_secs(5),
                "process {pid} outlived its deadline"
            );
            std::thread::yield_now();
        }
    }
}
