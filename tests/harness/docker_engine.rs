//! A real Docker Engine (Debian's `docker.io`, on a private socket with vfs storage, no
//! iptables or bridge) and a real registry (Debian's `docker-registry`, plain HTTP on
//! loopback), for the image-update tests. Images are `docker import`s of busybox-static.
//!
//! Needs root and the three packages; [`DockerEngine::start`] says what is missing instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::wait_until_blocking;

const DOCKERD: &str = "/usr/sbin/dockerd";
const CLIENT: &str = "/usr/bin/docker";
const REGISTRY: &str = "/usr/bin/docker-registry";
const BUSYBOX: &str = "/bin/busybox";

/// A running engine and registry, stopped (containers removed) on drop.
pub struct DockerEngine {
    dir: tempfile::TempDir,
    dockerd: Child,
    registry: Child,
    /// `127.0.0.1:<port>` of the registry.
    pub registry_addr: String,
}

impl DockerEngine {
    /// Starts both, or returns why it cannot (printed by the caller as a skip).
    pub fn start() -> Result<DockerEngine, String> {
        if !super::is_root() {
            return Err("needs root (dockerd)".into());
        }
        for bin in [DOCKERD, CLIENT, REGISTRY, BUSYBOX] {
            if !Path::new(bin).exists() {
                return Err(format!(
                    "{bin} is missing (Debian packages docker.io, docker-registry, busybox-static)"
                ));
            }
        }
        let dir = tempfile::Builder::new().prefix("infra-docker").tempdir_in("/tmp").unwrap();
        let d = dir.path();
        for sub in ["data", "exec", "registry"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let log = |name: &str| std::fs::File::create(d.join(name)).unwrap();
        let sock = d.join("docker.sock");
        let dockerd = Command::new(DOCKERD)
            .args(["--iptables=false", "--ip-masq=false", "--bridge=none", "--storage-driver=vfs"])
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("dockerd.pid"))
            .arg("-H")
            .arg(format!("unix://{}", sock.display()))
            .stdout(log("dockerd.log"))
            .stderr(log("dockerd.err"))
            .spawn()
            .map_err(|e| format!("dockerd: {e}"))?;
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let registry_addr = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {registry_addr}\n",
            d.join("registry").display()
        );
        std::fs::write(d.join("registry.yml"), config).unwrap();
        let registry = spawn_registry(d)?;
        let engine = DockerEngine { dir, dockerd, registry, registry_addr };
        wait_until_blocking(Duration::from_secs(60), "dockerd answers", || {
            engine.docker_status(&["version"]).success()
        });
        wait_until_blocking(Duration::from_secs(30), "the registry answers", || {
            std::net::TcpStream::connect(&engine.registry_addr).is_ok()
        });
        Ok(engine)
    }

    /// Stops the registry (connections to it are refused until [`Self::start_registry`]).
    pub fn stop_registry(&mut self) {
        let _ = self.registry.kill();
        let _ = self.registry.wait();
    }

    /// Starts the registry again on the same port with the same storage.
    pub fn start_registry(&mut self) {
        self.registry = spawn_registry(self.dir.path()).unwrap();
        wait_until_blocking(Duration::from_secs(30), "the registry answers again", || {
            std::net::TcpStream::connect(&self.registry_addr).is_ok()
        });
    }

    /// `DOCKER_HOST` of the engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    /// A `docker` shim body for a simulated device: the real client on this engine.
    pub fn shim(&self) -> String {
        format!("DOCKER_HOST={}; export DOCKER_HOST\nexec {CLIENT} \"$@\"\n", self.host())
    }

    fn docker_status(&self, args: &[&str]) -> std::process::ExitStatus {
        Command::new(CLIENT)
            .args(args)
            .env("DOCKER_HOST", self.host())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
    }

    /// Runs the client with `args`; panics with its stderr on failure; returns stdout.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new(CLIENT).args(args).env("DOCKER_HOST", self.host()).output().unwrap();
        assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Imports a busybox rootfs whose `/etc/version` holds `version` as image `tag`.
    pub fn import(&self, tag: &str, version: &str) {
        let root = self.dir.path().join(format!("rootfs-{version}"));
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::copy(BUSYBOX, root.join("bin/busybox")).unwrap();
        for applet in ["sh", "sleep"] {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
        }
        std::fs::write(root.join("etc/version"), version).unwrap();
        let mut tar = Command::new("tar")
            .arg("-C")
            .arg(&root)
            .args(["-c", "."])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let ok = Command::new(CLIENT)
            .args(["import", "-c", "CMD [\"sh\"]", "-", tag])
            .env("DOCKER_HOST", self.host())
            .stdin(tar.stdout.take().unwrap())
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(tar.wait().unwrap().success(), "tar of {}", root.display());
        assert!(ok, "docker import {tag}");
    }

    /// The repo digest (`repo@sha256:…`) of image `tag`.
    pub fn repo_digest(&self, tag: &str) -> String {
        self.docker(&["image", "inspect", "--format", "{{index .RepoDigests 0}}", tag])
    }

    /// Where the engine's files live.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

fn spawn_registry(dir: &Path) -> Result<Child, String> {
    let log = |name: &str| {
        std::fs::OpenOptions::new().create(true).append(true).open(dir.join(name)).unwrap()
    };
    Command::new(REGISTRY)
        .arg("serve")
        .arg(dir.join("registry.yml"))
        .stdout(log("registry.log"))
        .stderr(log("registry.err"))
        .spawn()
        .map_err(|e| format!("docker-registry: {e}"))
}

impl Drop for DockerEngine {
    fn drop(&mut self) {
        // Containers first, so dockerd stops at once instead of stopping each of them.
        let ids = Command::new(CLIENT)
            .args(["ps", "-aq"])
            .env("DOCKER_HOST", self.host())
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if !ids.is_empty() {
            let mut args = vec!["rm".to_string(), "-f".into()];
            args.extend(ids);
            let _ = Command::new(CLIENT).args(&args).env("DOCKER_HOST", self.host()).output();
        }
        let _ = self.registry.kill();
        let _ = self.registry.wait();
        let _ = Command::new("kill").arg(self.dockerd.id().to_string()).status();
        let _ = self.dockerd.wait();
    }
}
