//! `Sshd`: a private OpenSSH server on 127.0.0.1 with fresh keys, never the system service.
//!
//! Commands run through a `ForceCommand` wrapper that sets `PATH` and `INFRA_SIM_STATE` and
//! runs the command with `/bin/sh -c`: `SetEnv` alone is not enough because the login user's
//! shell (bash reads `~/.bashrc` over ssh) may prepend directories to `PATH`. `SetEnv SHLVL=1`
//! stops bash from reading `~/.bashrc` at all (it only does so for a top-level shell), so a
//! noisy or slow `.bashrc` of the test user cannot leak into device output.

use std::fs::{self, File};
use std::io::{ErrorKind, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{is_root, wait_until_blocking};

/// The only sshd binary the harness runs.
pub const SSHD: &str = "/usr/sbin/sshd";
const INSTALL_HINT: &str = "apt-get install -y openssh-server";
/// Directories searched by default (no `/usr/local`: it may hold a real docker).
pub const SYSTEM_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";
const READY_WITHIN: Duration = Duration::from_secs(10);

/// A running (or stopped) private sshd. Killed, with every session it spawned, on drop.
pub struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    user: String,
    child: Option<Child>,
    /// `(source dir, target dir)` bind mounts private to this sshd and its sessions.
    mounts: Vec<(PathBuf, PathBuf)>,
}

impl Sshd {
    /// Starts sshd whose sessions see `PATH=<bin_dir>:/usr/sbin:/usr/bin:/sbin:/bin` and
    /// `INFRA_SIM_STATE=<state_dir>`.
    pub fn start(bin_dir: &Path, state_dir: &Path) -> Sshd {
        Self::start_with_path(&format!("{}:{SYSTEM_PATH}", bin_dir.display()), state_dir)
    }

    /// Starts sshd whose sessions see exactly `PATH=<path>` and `INFRA_SIM_STATE=<state_dir>`.
    pub fn start_with_path(path: &str, state_dir: &Path) -> Sshd {
        Self::start_with_mounts(path, state_dir, Vec::new())
    }

    /// Like [`Sshd::start_with_path`], and sessions see each `(source, target)` directory
    /// bind-mounted at `target` in a mount namespace of this sshd's own (root only). The
    /// target's parent is covered by an empty tmpfs first, so it may not exist on the host
    /// (e.g. `/var/local/emhttp` of an Unraid server); its siblings are hidden.
    pub fn start_with_mounts(
        path: &str,
        state_dir: &Path,
        mounts: Vec<(PathBuf, PathBuf)>,
    ) -> Sshd {
        assert!(mounts.is_empty() || is_root(), "private mounts need root");
        assert!(Path::new(SSHD).exists(), "{SSHD} is missing: install it with `{INSTALL_HINT}`");
        if is_root() && !Path::new("/run/sshd").exists() {
            // Privilege-separation directory sshd insists on when started as root.
            fs::create_dir_all("/run/sshd").expect("create /run/sshd");
            fs::set_permissions("/run/sshd", fs::Permissions::from_mode(0o755))
                .expect("chmod /run/sshd");
        }
        let dir = tempfile::Builder::new().prefix("infra-sshd-").tempdir().expect("temp dir");
        let d = dir.path();
        keygen(&d.join("host_ed25519"));
        keygen(&d.join("client_ed25519"));
        fs::copy(d.join("client_ed25519.pub"), d.join("authorized_keys")).expect("authorized_keys");
        let wrapper = d.join("session");
        let state = state_dir.display().to_string();
        fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\n# Runs every ssh command with the simulated environment.\n\
                 PATH={path}; export PATH\nINFRA_SIM_STATE={state}; export INFRA_SIM_STATE\n\
                 if [ -n \"${{SSH_ORIGINAL_COMMAND:-}}\" ]; then\n\
                 \x20 exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\nfi\nexec /bin/sh\n",
                path = sh_quote(path),
                state = sh_quote(&state),
            ),
        )
        .expect("write session wrapper");
        fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod wrapper");

        let user = current_user();
        let mut sshd = Sshd { dir, port: 0, user, child: None, mounts };
        let mut last_error = String::new();
        for _ in 0..5 {
            sshd.port = free_port();
            sshd.write_config(path, &state);
            match sshd.spawn_and_wait() {
                Ok(()) => {
                    sshd.write_known_hosts();
                    return sshd;
                }
                // Another process took the port between probing and binding: try another.
                Err(log) if log.contains("Address already in use") => last_error = log,
                Err(log) => panic!("sshd on port {} failed to start:\n{log}", sshd.port),
            }
        }
        panic!("sshd could not bind a free port after 5 attempts:\n{last_error}");
    }

    /// TCP port sshd listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The user to log in as (the user running the tests).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Private key (ed25519, no passphrase) authorised to log in.
    pub fn client_key_path(&self) -> PathBuf {
        self.dir.path().join("client_ed25519")
    }

    /// A known_hosts file with the correct `[127.0.0.1]:PORT ssh-ed25519 ...` line.
    pub fn known_hosts_path(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// The host public key as `ssh-ed25519 AAAA...` (no comment).
    pub fn host_public_key_line(&self) -> String {
        pub_key_line(&self.dir.path().join("host_ed25519.pub"))
    }

    /// sshd's stderr log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Writes to `path` a known_hosts file for this host and port but with a different key.
    pub fn write_mismatched_known_hosts(&self, path: &Path) {
        let other = self.dir.path().join("other_ed25519");
        if !other.exists() {
            keygen(&other);
        }
        let line = pub_key_line(&other.with_extension("pub"));
        fs::write(path, format!("[127.0.0.1]:{} {line}\n", self.port)).expect("write known_hosts");
    }

    /// Kills sshd and every session it spawned, then waits until the port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_tree(child.id());
            let _ = child.wait();
        }
        let addr = self.addr();
        wait_until_blocking(
            Duration::from_secs(5),
            "the stopped sshd's port refuses",
            || matches!(TcpStream::connect(addr), Err(e) if e.kind() == ErrorKind::ConnectionRefused),
        );
    }

    /// Starts sshd again after [`Sshd::stop`]: same port, same host and client keys.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "sshd is already running");
        if let Err(log) = self.spawn_and_wait() {
            panic!("sshd failed to restart on port {}:\n{log}", self.port);
        }
    }

    /// Process id of the listening sshd, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether sshd is running (started and not stopped).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// A system `ssh` client command running `remote_cmd` on this server with strict host-key
    /// checking against [`Sshd::known_hosts_path`]; killed when dropped.
    pub fn ssh(&self, remote_cmd: &str) -> tokio::process::Command {
        self.ssh_with_known_hosts(&self.known_hosts_path(), remote_cmd)
    }

    /// Like [`Sshd::ssh`] but checking the host key against `known_hosts`.
    pub fn ssh_with_known_hosts(
        &self,
        known_hosts: &Path,
        remote_cmd: &str,
    ) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("ssh");
        cmd.arg("-F").arg("/dev/null").arg("-i").arg(self.client_key_path());
        for opt in [
            format!("UserKnownHostsFile={}", known_hosts.display()),
            "GlobalKnownHostsFile=/dev/null".to_string(),
            "StrictHostKeyChecking=yes".to_string(),
            "BatchMode=yes".to_string(),
            "IdentitiesOnly=yes".to_string(),
            "LogLevel=ERROR".to_string(),
            "ConnectTimeout=5".to_string(),
        ] {
            cmd.arg("-o").arg(opt);
        }
        cmd.arg("-p").arg(self.port.to_string());
        cmd.arg(format!("{}@127.0.0.1", self.user)).arg(remote_cmd);
        cmd.stdin(Stdio::null()).kill_on_drop(true);
        cmd
    }

    fn write_config(&self, path: &str, state: &str) {
        let d = self.dir.path().display();
        let config = format!(
            "ListenAddress 127.0.0.1:{port}\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nMaxSessions 10\n\
             LogLevel ERROR\nSetEnv PATH={path} INFRA_SIM_STATE={state} SHLVL=1\n\
             ForceCommand {d}/session\n",
            port = self.port,
        );
        fs::write(self.dir.path().join("sshd_config"), config).expect("write sshd_config");
    }

    /// Spawns sshd and waits for its banner; on failure returns its stderr log.
    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let d = self.dir.path();
        let log = File::create(d.join("sshd.log")).expect("create sshd.log");
        let config = d.join("sshd_config");
        let mut command = if self.mounts.is_empty() {
            let mut c = Command::new(SSHD);
            c.arg("-D").arg("-e").arg("-f").arg(&config);
            c
        } else {
            // `unshare` and `sh` exec into sshd: the pid stays the one we track.
            let mut script = String::from("set -e; ");
            for (src, target) in &self.mounts {
                let parent = target.parent().unwrap_or(Path::new("/"));
                script.push_str(&format!(
                    "mount -t tmpfs tmpfs {p}; mkdir -p {t}; mount --bind {s} {t}; ",
                    p = sh_quote(&parent.display().to_string()),
                    t = sh_quote(&target.display().to_string()),
                    s = sh_quote(&src.display().to_string()),
                ));
            }
            script.push_str(&format!(
                "exec {SSHD} -D -e -f {}",
                sh_quote(&config.display().to_string())
            ));
            let mut c = Command::new("unshare");
            c.args(["--mount", "--propagation", "private", "--", "/bin/sh", "-c", &script]);
            c
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {SSHD}: {e} (install: `{INSTALL_HINT}`)"));
        self.child = Some(child);
        let addr = self.addr();
        let deadline = Instant::now() + READY_WITHIN;
        let why = loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                break format!("sshd exited with {status}");
            }
            if banner(addr) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                break format!("no SSH banner on {addr} within {READY_WITHIN:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(mut child) = self.child.take() {
            kill_tree(child.id());
            let _ = child.wait();
        }
        Err(format!("{why}; sshd stderr:\n{}", self.log()))
    }

    fn write_known_hosts(&self) {
        let line = format!("[127.0.0.1]:{} {}\n", self.port, self.host_public_key_line());
        fs::write(self.known_hosts_path(), line).expect("write known_hosts");
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_tree(child.id());
            let _ = child.wait();
        }
    }
}

/// Whether `addr` accepts a connection and greets with an `SSH-2.0` banner.
fn banner(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 7];
    stream.read_exact(&mut buf).is_ok() && &buf == b"SSH-2.0"
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "infra-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run ssh-keygen: {e} (install: `{INSTALL_HINT}`)"));
    assert!(out.status.success(), "ssh-keygen failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// `type base64` of an OpenSSH public key file.
fn pub_key_line(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("read public key");
    text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// The user running the tests: `whoami`, falling back to `$USER`.
pub fn current_user() -> String {
    let from_whoami = Command::new("whoami")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|u| !u.is_empty());
    from_whoami.or_else(|| std::env::var("USER").ok()).expect("cannot determine current user")
}

/// Single-quotes `s` for POSIX sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// SIGKILLs `root` and all its descendants (sshd detaches each connection with `setsid`, so a
/// process-group kill would miss live sessions). Freezes the tree first so nothing escapes.
pub fn kill_tree(root: u32) {
    let mut seen = vec![root];
    signal("-STOP", &seen);
    loop {
        let fresh: Vec<u32> =
            descendants(root).into_iter().filter(|pid| !seen.contains(pid)).collect();
        if fresh.is_empty() {
            break;
        }
        signal("-STOP", &fresh);
        seen.extend(fresh);
    }
    signal("-KILL", &seen);
}

fn signal(sig: &str, pids: &[u32]) {
    let _ = Command::new("kill")
        .arg(sig)
        .arg("--")
        .args(pids.iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

/// Every live descendant of `root`, from `/proc/*/stat`.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else { continue };
        // Fields after the parenthesised command name: state, ppid, ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parent_of.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}
