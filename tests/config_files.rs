//! Integration tests of the files a config names: identity files and known_hosts must exist and
//! be readable when the config is loaded (as `serve`, `check` and `config validate` do), and
//! device names are unique ignoring case.

use std::path::{Path, PathBuf};

use infrastructor::config::{self, env::from_pairs};

mod config_support;
use config_support::{DEV, accept, assert_message, check};

/// A temp dir with an empty `known_hosts` and an `id` key file; `c.toml` is written by `load`.
struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("known_hosts"), "").unwrap();
        std::fs::write(dir.path().join("id"), "key").unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `c.toml` and loads it with `HOME` set to the temp dir.
    fn load(&self, text: &str) -> Result<config::Config, String> {
        let file = self.path("c.toml");
        std::fs::write(&file, text).unwrap();
        let home = self.dir.path().to_str().unwrap();
        config::load(Some(&file), &from_pairs(&[("HOME", home)])).map_err(|e| e.to_string())
    }

    /// Like `load`, and asserts the error contains each of `parts` (`{dir}` is the temp dir).
    fn load_err(&self, text: &str, parts: &[&str]) -> String {
        let err = match self.load(text) {
            Ok(cfg) => panic!("expected an error, got {cfg:?}"),
            Err(e) => e,
        };
        let dir = self.dir.path().display().to_string();
        for p in parts {
            assert_message(&err, &p.replace("{dir}", &dir));
        }
        err
    }
}

const KH: &str = "known_hosts = \"known_hosts\"\n";

#[test]
fn missing_identity_file_names_device_field_path_and_reason() {
    let d = Dir::new();
    d.load_err(
        &format!("{DEV}{KH}identity_file = \"missing-key\"\n"),
        &[
            "{dir}/c.toml:5:17: devices[0].identity_file: device \"web\": cannot read identity file {dir}/missing-key: no such file or directory (os error 2)",
        ],
    );
    // From [defaults]: the field and line are those of [defaults].
    d.load_err(
        &format!("[defaults]\nidentity_file = \"~/nope\"\n{DEV}{KH}"),
        &["c.toml:2:17: defaults.identity_file: device \"web\": cannot read identity file {dir}/nope"],
    );
    // A directory is not a key file.
    std::fs::create_dir(d.path("keys")).unwrap();
    d.load_err(
        &format!("{DEV}{KH}identity_file = \"keys\"\n"),
        &["devices[0].identity_file: device \"web\": cannot read identity file {dir}/keys: is a directory"],
    );
    // With auth = "agent" the key file is not used, so not checked.
    let cfg = d.load(&format!("[defaults]\nidentity_file = \"nope\"\n{DEV}{KH}auth = \"agent\"\n"));
    assert!(cfg.is_ok(), "{cfg:?}");
}

#[test]
fn missing_known_hosts_is_an_error() {
    let d = Dir::new();
    d.load_err(
        &format!("{DEV}known_hosts = \"/nonexistent/kh\"\nidentity_file = \"id\"\n"),
        &[
            "c.toml:4:15: devices[0].known_hosts: device \"web\": cannot read known_hosts file /nonexistent/kh: no such file or directory",
            "create it with `ssh-keyscan -p 22 10.0.0.1 >> /nonexistent/kh` after checking the fingerprint",
        ],
    );
    d.load_err(
        &format!("[defaults]\nport = 2222\nknown_hosts = \"elsewhere\"\n{DEV}"),
        &["c.toml:3:15: defaults.known_hosts: device \"web\": cannot read known_hosts file {dir}/elsewhere", "ssh-keyscan -p 2222 10.0.0.1"],
    );
    // The built-in default ~/.ssh/known_hosts: host keys are always verified, so a missing one
    // is an error too, pointing at the device.
    let err = d.load_err(
        DEV,
        &[
            "c.toml:2:8: devices[0].known_hosts: device \"web\": cannot read known_hosts file {dir}/.ssh/known_hosts (the default; host keys are always verified): no such file or directory",
            "or set known_hosts",
        ],
    );
    assert!(!err.contains(":3:"), "{err}");
    std::fs::create_dir(d.path(".ssh")).unwrap();
    std::fs::write(d.path(".ssh/known_hosts"), "").unwrap();
    assert!(d.load(DEV).is_ok());
}

#[test]
fn local_devices_need_no_files() {
    let d = Dir::new();
    // No ~/.ssh/known_hosts in HOME, a key that does not exist in [defaults]: not needed.
    let cfg = d.load(
        "[defaults]\nidentity_file = \"nope\"\n[[devices]]\nname = \"me\"\ntransport = \"local\"\n",
    );
    assert!(cfg.is_ok(), "{cfg:?}");
    // The built-in defaults (no file at all) are one local device too.
    assert!(!Path::new(config::DEFAULT_FILE).exists());
    assert!(config::load(None, &from_pairs(&[("HOME", "/nonexistent")])).is_ok());
}

#[test]
fn good_files_load_and_validate_reports_bad_ones() {
    let d = Dir::new();
    let cfg = d.load(&format!("{DEV}{KH}identity_file = \"id\"\n")).unwrap();
    assert_eq!(cfg.devices.len(), 1);
    // `config validate` goes through `load`, so it reports the same error.
    std::fs::write(d.path("v.toml"), format!("{DEV}{KH}identity_file = \"gone\"\n")).unwrap();
    let err =
        config::validate::run_validate(Some(&d.path("v.toml")), &from_pairs(&[]), &mut Vec::new())
            .unwrap_err()
            .to_string();
    assert!(err.contains("v.toml:5:17: devices[0].identity_file: device \"web\""), "{err}");
    // `parse_str` only records the files: a config for another machine can still be read.
    let cfg = config::parse_str(
        &format!("{DEV}identity_file = \"/k\"\n"),
        Path::new("x.toml"),
        &from_pairs(&[]),
    );
    let err = cfg.unwrap().check_files().unwrap_err().to_string();
    assert!(
        err.starts_with(
            "x.toml:4:17: devices[0].identity_file: device \"web\": cannot read identity file /k"
        ),
        "{err}"
    );
}

#[test]
fn device_names_are_unique_ignoring_case() {
    check(
        "[[devices]]\nname = \"Tower\"\ntransport = \"local\"\n\n[[devices]]\nname = \"tower\"\nhost = \"h\"\n",
        "config/x.toml:6:8: devices[1].name: duplicate device name \"tower\": \"Tower\" is defined at line 2 (names are compared ignoring case)",
    );
    check(
        &format!("{DEV}[[devices]]\nname = \"WEB\"\nhost = \"h\"\n"),
        "config/x.toml:5:8: devices[1].name: duplicate device name \"WEB\"",
    );
    let cfg = accept(
        "[[devices]]\nname = \"tower\"\ntransport = \"local\"\n[[devices]]\nname = \"tower2\"\ntransport = \"local\"\n",
    );
    assert_eq!(cfg.devices.len(), 2);
}
