//! `SimDevice`: a simulated Linux machine = a private sshd + shim tools replaying state files.
//!
//! Layout of the device's temp dir: `bin/` holds the shims (POSIX sh, first on `PATH`),
//! `sys/` holds symlinks to everything in the system bin dirs *except* the tools the monitor
//! probes for (so a real `/usr/bin/docker` can never leak in), `state/` holds what the shims
//! replay and `state/log` records one line per shim call. Tests change `state/` at run time.
//!
//! Shim conventions (`<S>` = `$INFRA_SIM_STATE`):
//! - `docker <sub> ...` for `sub` in ps, stats, inspect, version: prints `<S>/docker/<sub>`,
//!   stderr from `<S>/docker/<sub>.stderr`, exit code from `<S>/docker/<sub>.exit` (default 0);
//!   any other subcommand: message on stderr, exit 1.
//! - `smartctl --scan-open -j` prints `<S>/smartctl/scan` (+ `.exit`/`.stderr`);
//!   `smartctl ... /dev/X` prints `<S>/smartctl/info-X`, exit code from `info-X.exit`; an
//!   unknown drive prints a smartctl-style JSON error and exits 2.
//! - `sudo [-n] cmd ...` runs `cmd ...` (password-less sudo).
//! - While `<S>/hang/<tool>` exists the tool blocks (then proceeds normally once the switch is
//!   cleared, or gives up when the device is dropped; at most one hour) — no process outlives
//!   the device for long even when the ssh client went away.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use super::sshd::{SYSTEM_PATH, Sshd};

/// Tools hidden from the system `PATH` of every device: exactly the ones the monitor's
/// capability detection looks for, so a simulated device has only the shims a test installs.
pub const HIDDEN_TOOLS: &[&str] = infrastructor_actors::capabilities::KNOWN_TOOLS;
/// Tools with a built-in shim, installed at start.
pub const SHIMMED_TOOLS: &[&str] = &["docker", "smartctl", "sudo"];

const PRELUDE: &str = r#"S="$INFRA_SIM_STATE"
printf '%s\n' "$TOOL $*" >> "$S/log"
i=0
while [ -e "$S/hang/$TOOL" ] && [ -d "$S" ] && [ "$i" -lt 36000 ]; do sleep 0.1; i=$((i+1)); done
# replay FILE: stderr from FILE.stderr, stdout from FILE, exit code from FILE.exit.
replay() {
  [ -f "$1.stderr" ] && cat "$1.stderr" >&2
  [ -f "$1" ] && cat "$1"
  code=0
  [ -f "$1.exit" ] && code=$(cat "$1.exit")
  exit "$code"
}
"#;

const DOCKER: &str = r#"case "${1:-}" in
  ps|stats|inspect|version) replay "$S/docker/$1" ;;
  *) echo "docker (simulated): unsupported command: $*" >&2; exit 1 ;;
esac
"#;

const SMARTCTL: &str = r#"for a in "$@"; do
  case "$a" in --scan-open|--scan) replay "$S/smartctl/scan" ;; esac
done
for a in "$@"; do dev="$a"; done
case "${dev:-}" in
  /dev/*)
    f="$S/smartctl/info-${dev##*/}"
    [ -f "$f" ] && replay "$f"
    printf '{"smartctl":{"exit_status":2,"messages":[{"string":"%s: Unable to detect device type","severity":"error"}]}}\n' "$dev"
    exit 2 ;;
esac
echo "smartctl (simulated): unsupported arguments: $*" >&2
exit 1
"#;

const SUDO: &str = r#"[ "${1:-}" = "-n" ] && shift
exec "$@"
"#;

/// A simulated device reachable over real SSH. Stops its sshd and deletes its files on drop.
pub struct SimDevice {
    name: String,
    // Declared before `dir` so sshd (and every session) dies before the files vanish.
    sshd: Sshd,
    dir: tempfile::TempDir,
}

impl SimDevice {
    /// Starts a device: shims for docker/smartctl/sudo, no containers, no drives.
    pub fn start(name: &str) -> SimDevice {
        Self::start_with_mounts(name, &[])
    }

    /// Like [`SimDevice::start`], and the device sees `state/<dir>` at each absolute `target`
    /// (e.g. `("emhttp", "/var/local/emhttp")`), so files a monitor reads directly can be
    /// simulated too. Root only: the mounts live in the device sshd's own mount namespace.
    pub fn start_with_mounts(name: &str, mounts: &[(&str, &str)]) -> SimDevice {
        let dir = tempfile::Builder::new().prefix("infra-dev-").tempdir().expect("temp dir");
        let (bin, sys, state) =
            (dir.path().join("bin"), dir.path().join("sys"), dir.path().join("state"));
        for d in [&bin, &sys, &state] {
            fs::create_dir_all(d).expect("create device dir");
        }
        link_system_tools(&sys, HIDDEN_TOOLS);
        let path = format!("{}:{}", bin.display(), sys.display());
        let mounts = mounts
            .iter()
            .map(|(src, target)| {
                let src = state.join(src);
                fs::create_dir_all(&src).expect("create mount source");
                (src, PathBuf::from(target))
            })
            .collect();
        let sshd = Sshd::start_with_mounts(&path, &state, mounts);
        let dev = SimDevice { name: name.to_string(), sshd, dir };
        for tool in SHIMMED_TOOLS {
            dev.restore_tool(tool);
        }
        dev.set("log", "");
        dev.set_docker_ps("");
        dev.set_docker_stats("");
        dev.set_smartctl_scan(r#"{"devices":[]}"#);
        dev
    }

    /// The name given at start.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device's sshd (port, user, keys, known_hosts).
    pub fn sshd(&self) -> &Sshd {
        &self.sshd
    }

    /// Mutable access to the device's sshd.
    pub fn sshd_mut(&mut self) -> &mut Sshd {
        &mut self.sshd
    }

    /// Directory of the shim tools (first on the sessions' `PATH`).
    pub fn bin_dir(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// The state directory (`$INFRA_SIM_STATE`).
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Atomically writes `contents` to `state/<path>`, creating parent dirs.
    pub fn set(&self, path: &str, contents: &str) {
        write_atomic(&self.state_dir().join(path), contents, 0o644);
    }

    /// Deletes `state/<path>` if it exists.
    pub fn unset(&self, path: &str) {
        let _ = fs::remove_file(self.state_dir().join(path));
    }

    /// Reads `state/<path>` (empty if missing).
    pub fn get(&self, path: &str) -> String {
        fs::read_to_string(self.state_dir().join(path)).unwrap_or_default()
    }

    /// Output of `docker ps ...`.
    pub fn set_docker_ps(&self, out: &str) {
        self.set("docker/ps", out);
    }

    /// Output of `docker stats ...`.
    pub fn set_docker_stats(&self, out: &str) {
        self.set("docker/stats", out);
    }

    /// Output of `docker inspect ...`.
    pub fn set_docker_inspect(&self, out: &str) {
        self.set("docker/inspect", out);
    }

    /// Output of `docker version ...`.
    pub fn set_docker_version(&self, out: &str) {
        self.set("docker/version", out);
    }

    /// Makes `docker <sub>` print `stderr` and exit with `exit` (0 and "" restore success).
    pub fn set_docker_failure(&self, sub: &str, exit: i32, stderr: &str) {
        self.set(&format!("docker/{sub}.exit"), &exit.to_string());
        self.set(&format!("docker/{sub}.stderr"), stderr);
    }

    /// Output of `smartctl --scan-open -j`.
    pub fn set_smartctl_scan(&self, json: &str) {
        self.set("smartctl/scan", json);
    }

    /// Output and exit code of `smartctl -j -a -n standby [-d T] <dev>` (`/dev/sda` or `sda`).
    pub fn set_smartctl_info(&self, dev: &str, json: &str, exit: i32) {
        let base = dev.rsplit('/').next().unwrap_or(dev);
        self.set(&format!("smartctl/info-{base}"), json);
        self.set(&format!("smartctl/info-{base}.exit"), &exit.to_string());
    }

    /// Turns the hang switch of `tool` on (calls block) or off (blocked calls resume).
    pub fn hang(&self, tool: &str, on: bool) {
        if on {
            self.set(&format!("hang/{tool}"), "");
        } else {
            self.unset(&format!("hang/{tool}"));
        }
    }

    /// Deletes the tool's shim so `command -v <tool>` fails on the device.
    pub fn remove_tool(&self, tool: &str) {
        let _ = fs::remove_file(self.bin_dir().join(tool));
    }

    /// Reinstalls the built-in shim of `tool` (docker, smartctl or sudo).
    pub fn restore_tool(&self, tool: &str) {
        let body = match tool {
            "docker" => DOCKER,
            "smartctl" => SMARTCTL,
            "sudo" => SUDO,
            other => panic!("no built-in shim for {other:?}; use install_tool"),
        };
        self.install_tool(tool, body);
    }

    /// Installs a custom shim: `body` is POSIX sh run after the common prelude, which sets
    /// `$S` (state dir), logs the call, honours `hang/<tool>` and defines `replay FILE`.
    pub fn install_tool(&self, tool: &str, body: &str) {
        let script = format!("#!/bin/sh\n# Simulated {tool}.\nTOOL={tool}\n{PRELUDE}{body}");
        write_atomic(&self.bin_dir().join(tool), &script, 0o755);
    }

    /// Stops sshd (and kills live sessions): connections are refused until `come_online`.
    pub fn go_offline(&mut self) {
        self.sshd.stop();
    }

    /// Starts sshd again on the same port with the same host key.
    pub fn come_online(&mut self) {
        self.sshd.start_again();
    }

    /// Every shim call so far, one `tool args...` line each.
    pub fn call_log(&self) -> Vec<String> {
        self.get("log").lines().map(str::to_string).collect()
    }

    /// How many shim calls start with `prefix` (e.g. `"docker stats"`).
    pub fn calls(&self, prefix: &str) -> usize {
        self.call_log().iter().filter(|line| line.starts_with(prefix)).count()
    }
}

fn write_atomic(path: &Path, contents: &str, mode: u32) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create state dir");
    }
    let name = path.file_name().expect("file name").to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    fs::write(&tmp, contents).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).expect("chmod");
    fs::rename(&tmp, path).unwrap_or_else(|e| panic!("rename to {}: {e}", path.display()));
}

/// Fills `sys` with symlinks to every entry of the [`SYSTEM_PATH`] dirs except `hidden`
/// (first directory wins, like `PATH` lookup).
pub fn link_system_tools(sys: &Path, hidden: &[&str]) {
    for dir in SYSTEM_PATH.split(':') {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if hidden.iter().any(|h| name == **h) {
                continue;
            }
            let link = sys.join(&name);
            if link.symlink_metadata().is_err() {
                let _ = symlink(entry.path(), link);
            }
        }
    }
}

/// Several independent devices (`dev-0`, `dev-1`, ...), each with its own sshd, started in
/// parallel.
pub struct SimFleet {
    devices: Vec<SimDevice>,
}

impl SimFleet {
    /// Starts `n` devices named `dev-<i>`.
    pub fn start(n: usize) -> SimFleet {
        let devices = std::thread::scope(|scope| {
            let starting: Vec<_> = (0..n)
                .map(|i| scope.spawn(move || SimDevice::start(&format!("dev-{i}"))))
                .collect();
            starting.into_iter().map(|t| t.join().expect("device failed to start")).collect()
        });
        SimFleet { devices }
    }

    /// The devices, in name order.
    pub fn devices(&self) -> &[SimDevice] {
        &self.devices
    }

    /// Mutable access (to take devices offline).
    pub fn devices_mut(&mut self) -> &mut [SimDevice] {
        &mut self.devices
    }

    /// Number of devices.
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// Whether the fleet has no devices.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }
}
