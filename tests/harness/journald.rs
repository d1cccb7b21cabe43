//! A real `systemd-journald` in a private journal namespace (no systemd as PID 1 needed),
//! for tests that write lines into a real journal and read them back with the real
//! `journalctl --namespace`. Needs root; the daemon and its files go when dropped.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const JOURNALD: &str = "/lib/systemd/systemd-journald";

/// A running private journald.
pub struct Journald {
    namespace: String,
    child: Child,
}

impl Journald {
    /// Starts one, or says why it cannot (not root, no journald) and gives `None`: the caller
    /// skips its test with that message.
    pub fn start() -> Option<Self> {
        if !Path::new(JOURNALD).exists() || !Path::new("/usr/bin/journalctl").exists() {
            eprintln!("SKIPPED: {JOURNALD} or journalctl is missing (Debian package systemd)");
            return None;
        }
        // journald writes under /run/systemd and /var/log/journal: root only.
        let uid = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(String::from))
        });
        if uid.as_deref() != Some("0") {
            eprintln!("SKIPPED: a private journald needs root");
            return None;
        }
        let namespace = format!("infra{}x{}", std::process::id(), fastrand::u32(..));
        let child = Command::new(JOURNALD)
            .arg(&namespace)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start systemd-journald");
        let j = Self { namespace, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !j.socket().exists() {
            assert!(Instant::now() < deadline, "journald did not open {}", j.socket().display());
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(j)
    }

    /// The namespace (for `journalctl --namespace`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn socket(&self) -> PathBuf {
        PathBuf::from(format!("/run/systemd/journal.{}/socket", self.namespace))
    }

    /// Writes one entry through journald's native protocol, as a program would.
    pub fn log(&self, identifier: &str, priority: u8, message: &str) {
        assert!(!message.contains('\n') && !identifier.contains('\n'));
        let entry =
            format!("MESSAGE={message}\nPRIORITY={priority}\nSYSLOG_IDENTIFIER={identifier}\n");
        let s = UnixDatagram::unbound().expect("datagram socket");
        s.send_to(entry.as_bytes(), self.socket()).expect("send to journald");
    }

    /// A device shim body that runs the real `journalctl` on this namespace.
    pub fn shim(&self) -> String {
        format!("exec /usr/bin/journalctl --namespace={} \"$@\"\n", self.namespace)
    }
}

impl Drop for Journald {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(format!("/run/systemd/journal.{}", self.namespace));
        if let Ok(id) = std::fs::read_to_string("/etc/machine-id") {
            for base in ["/var/log/journal", "/run/log/journal"] {
                let _ = std::fs::remove_dir_all(format!("{base}/{}.{}", id.trim(), self.namespace));
            }
        }
    }
}
