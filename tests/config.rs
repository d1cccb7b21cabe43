//! Integration tests of config loading, environment overrides, validation and the example.

use std::path::{Path, PathBuf};
use std::time::Duration;

use infrastructor::config::{self, ConfigError, env::from_pairs};
use infrastructor_actors::device::{Auth, TransportKind};

mod config_support;
use config_support::{DEV, FILE, check, check_env};

#[test]
fn bad_configs() {
    // unknown field: names file, line, column, field and table
    check(
        &format!("{DEV}[[devices]]\nname = \"db\"\nhots = \"x\"\n"),
        "config/x.toml:6:1: unknown field `hots` in devices[1], expected one of",
    );
    check("lisen = \"x\"\n", "config/x.toml:1:1: unknown field `lisen` at top level");
    check("[fleet]\nmax_chanels = 2\n", "config/x.toml:2:1: unknown field `max_chanels` in fleet");
    check(
        &format!("{DEV}[devices.probes.metrics]\nintervall = \"1s\"\n"),
        "x.toml:5:1: unknown field `intervall` in devices[0].probes.metrics",
    );
    // wrong type: names the field
    check(
        &format!("{DEV}port = \"22\"\n"),
        "config/x.toml:4:8: devices[0].port: invalid type: string \"22\"",
    );
    check(
        "[fleet]\noffline_after = true\n",
        "config/x.toml:2:17: fleet.offline_after: invalid type: boolean",
    );
    check(
        &format!("{DEV}auth = \"password\"\n"),
        "devices[0].auth: unknown variant `password`, expected `key` or `agent`",
    );
    check(&format!("{DEV}transport = \"telnet\"\n"), "unknown variant `telnet`");
    check("[[devices]]\nhost = \"h\"\n", "missing field `name`");
    // duplicate device names
    check(
        &format!("{DEV}\n{DEV}"),
        "config/x.toml:6:8: devices[1].name: duplicate device name \"web\" (first defined at line 2)",
    );
    // bad intervals and durations
    check(
        &format!("{DEV}[devices.probes.metrics]\ninterval = \"0s\"\n"),
        "config/x.toml:5:12: devices[0].probes.metrics.interval: must be more than zero",
    );
    check(
        &format!("{DEV}[devices.probes.drives]\ninterval = \"abc\"\n"),
        "devices[0].probes.drives.interval: invalid duration \"abc\"",
    );
    check(
        "[defaults.probes.containers]\ninterval = \"5\"\n",
        "config/x.toml:2:12: defaults.probes.containers.interval: invalid duration \"5\"",
    );
    check("[fleet]\nkeepalive = \"10 parsecs\"\n", "fleet.keepalive: invalid duration");
    check("[fleet.restart]\nwindow = \"0ms\"\n", "fleet.restart.window: must be more than zero");
    check(
        "[fleet]\nreconnect_min = \"10m\"\n",
        "fleet.reconnect_min: must not be longer than fleet.reconnect_max",
    );
    // invalid device names
    check(
        "[[devices]]\nname = \"-web\"\nhost = \"h\"\n",
        "config/x.toml:2:8: devices[0].name: invalid device name \"-web\"",
    );
    check("[[devices]]\nname = \"a b\"\nhost = \"h\"\n", "invalid device name \"a b\"");
    check(
        &format!("[[devices]]\nname = \"{}\"\nhost = \"h\"\n", "x".repeat(64)),
        "invalid device name",
    );
    // ports and channels
    check(
        &format!("{DEV}port = 0\n"),
        "config/x.toml:4:8: devices[0].port: port must be between 1 and 65535",
    );
    check(&format!("{DEV}port = 70000\n"), "devices[0].port: invalid value: integer `70000`");
    check(
        "[defaults]\nport = 0\n[[devices]]\nname = \"a\"\nhost = \"h\"\n",
        "config/x.toml:2:8: defaults.port: port must be between 1",
    );
    check(
        "[fleet]\nmax_channels = 0\n",
        "config/x.toml:2:16: fleet.max_channels: must be between 1 and 8",
    );
    check(
        "[fleet]\nmax_channels = 11\n",
        "fleet.max_channels: must be between 1 and 8 (one more is reserved for quick reads and one for liveness checks; OpenSSH's MaxSessions is 10), got 11",
    );
    // missing host for ssh
    check(
        "[[devices]]\nname = \"web\"\n",
        "config/x.toml:2:8: devices[0].host: missing host for device \"web\" (required when transport = \"ssh\")",
    );
    check(
        "[[devices]]\nname = \"web\"\ntransport = \"ssh\"\nhost = \"  \"\n",
        "devices[0].host: must not be empty",
    );
    // auth combinations
    check(
        "[[devices]]\nname = \"a\"\nhost = \"h\"\nauth = \"key\"\n",
        "devices[0].identity_file: auth = \"key\" needs identity_file",
    );
    check(
        &format!("{DEV}passphrase = \"s3cret\"\n"),
        "devices[0].passphrase: only used with auth = \"key\"",
    );
    check(
        &format!("{DEV}identity_file = \"/k\"\npassphrase = \"a\"\npassphrase_file = \"/p\"\n"),
        "set either passphrase or passphrase_file",
    );
    check(
        &format!("{DEV}identity_file = \"/k\"\npassphrase_file = \"/nonexistent/pp\"\n"),
        "config/x.toml:5:19: devices[0].passphrase_file: cannot read /nonexistent/pp: no such file",
    );
    check(
        "database_url = \"postgres://a\"\ndatabase_url_file = \"/x\"\n",
        "config/x.toml:2:21: database_url_file: set either",
    );
    // listen
    check(
        "listen = \"localhost\"\n",
        "config/x.toml:1:10: listen: invalid socket address \"localhost\"",
    );
    // syntax error
    check("[[devices]\nname = 1\n", "config/x.toml:1:");
    check("x = \n", "config/x.toml:1:5: x: invalid string; expected");
}

#[test]
fn bad_environment() {
    check_env(
        DEV,
        &[("INFRASTRUCTOR_LISTEN", "nope:port")],
        "environment variable INFRASTRUCTOR_LISTEN: invalid socket address \"nope:port\"",
    );
    check_env(
        DEV,
        &[("INFRASTRUCTOR_DATABASE_URL", "")],
        "environment variable INFRASTRUCTOR_DATABASE_URL: must not be empty",
    );
}

#[test]
fn secrets_never_appear_in_errors() {
    let secret = "hunter2-very-secret";
    for text in [
        format!("{DEV}passphrase = \"{secret}\"\n"),
        format!("{DEV}passphrase = {{ x = \"{secret}\" }}\n"),
        format!("database_url = [\"{secret}\"]\n"),
        format!("database_url = \"postgres://u:{secret}@h/db\"\n{DEV}port = 0\n"),
    ] {
        let err =
            config::parse_str(&text, Path::new(FILE), &from_pairs(&[])).unwrap_err().to_string();
        assert!(!err.contains(secret), "{err}");
        assert!(err.starts_with("config/x.toml:"), "{err}");
    }
    let env = from_pairs(&[("INFRASTRUCTOR_DATABASE_URL", "mysql://u:hunter2@h")]);
    let err = config::parse_str(DEV, Path::new(FILE), &env).unwrap_err().to_string();
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn defaults_and_overrides_apply() {
    let text = r#"
listen = "0.0.0.0:9200"
database_url = "postgres://u:pw@db/infra"

[fleet]
max_channels = 8
connect_timeout = "2500ms"

[fleet.restart]
max_restarts = 2

[defaults]
user = "ops"
port = 2200
identity_file = "~/.ssh/id_fleet"
sudo = true

[defaults.probes.drives]
enabled = false

[[devices]]
name = "web"
host = "10.0.0.1"
tags = ["prod"]

[devices.probes.metrics]
interval = "1m"

[[devices]]
name = "nas"
host = "nas.lan"
port = 22
user = "root"
auth = "agent"
known_hosts = "/etc/ssh/ssh_known_hosts"
[devices.probes.drives]
enabled = true

[[devices]]
name = "self"
transport = "local"
"#;
    let env = from_pairs(&[("HOME", "/home/t"), ("INFRASTRUCTOR_LISTEN", "127.0.0.1:1")]);
    let cfg = config::parse_str(text, Path::new("/etc/infra/infrastructor.toml"), &env).unwrap();
    assert_eq!(cfg.listen, "127.0.0.1:1".parse().unwrap(), "env overrides file");
    assert_eq!(cfg.database_url.as_ref().map(|s| s.expose()), Some("postgres://u:pw@db/infra"));
    assert_eq!(cfg.fleet.max_channels, 8);
    assert_eq!(cfg.fleet.connect_timeout, Duration::from_millis(2500));
    assert_eq!(cfg.fleet.command_timeout, Duration::from_secs(20));
    assert_eq!(cfg.fleet.restart.max_restarts, 2);
    assert_eq!(cfg.fleet.restart.window, Duration::from_secs(60));
    let [web, nas, me] = &cfg.devices[..] else { panic!("3 devices") };
    assert_eq!((web.user.as_str(), web.port, web.sudo), ("ops", 2200, true));
    assert_eq!(web.auth, Auth::KeyFile { path: "/home/t/.ssh/id_fleet".into(), passphrase: None });
    assert_eq!(web.known_hosts, PathBuf::from("/home/t/.ssh/known_hosts"));
    assert_eq!(web.tags, vec!["prod"]);
    assert_eq!(web.probes.metrics.interval, Duration::from_secs(60));
    assert_eq!(web.probes.containers.interval, Duration::from_secs(30));
    assert!(!web.probes.drives.enabled);
    assert_eq!(web.probes.drives.interval, Duration::from_secs(3600));
    assert_eq!((nas.user.as_str(), nas.port, &nas.auth), ("root", 22, &Auth::Agent));
    assert_eq!(nas.known_hosts, PathBuf::from("/etc/ssh/ssh_known_hosts"));
    assert!(nas.probes.drives.enabled);
    assert_eq!((me.transport, me.host.as_str()), (TransportKind::Local, "localhost"));
    assert_eq!(cfg.source.as_deref(), Some(Path::new("/etc/infra/infrastructor.toml")));
}

#[test]
fn load_precedence_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(dir.path().join("known_hosts"), "").unwrap();
    let kh = "known_hosts = \"known_hosts\"\n";
    std::fs::write(&a, format!("[[devices]]\nname = \"from-a\"\nhost = \"h\"\n{kh}")).unwrap();
    std::fs::write(
        &b,
        format!("database_url = \"postgres://u:pw@h/db\"\n[[devices]]\nname = \"from-b\"\nhost = \"h\"\n{kh}"),
    )
    .unwrap();
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o644)).unwrap();
    let b_str = b.to_str().unwrap();
    let env = from_pairs(&[("INFRASTRUCTOR_CONFIG", b_str)]);

    let explicit = config::load(Some(&a), &env).unwrap();
    assert_eq!(explicit.devices[0].name, "from-a");
    assert!(explicit.warnings.is_empty(), "no secret, no warning: {:?}", explicit.warnings);

    let from_env = config::load(None, &env).unwrap();
    assert_eq!(from_env.devices[0].name, "from-b");
    assert_eq!(from_env.warnings.len(), 1, "{:?}", from_env.warnings);
    assert!(from_env.warnings[0].contains("chmod 600") && !from_env.warnings[0].contains("pw@"));

    std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(config::load(None, &env).unwrap().warnings.is_empty());

    let missing = from_pairs(&[("INFRASTRUCTOR_CONFIG", "/nonexistent/infra.toml")]);
    let err = config::load(None, &missing).unwrap_err().to_string();
    assert!(err.contains("INFRASTRUCTOR_CONFIG"), "{err}");
    let err = config::load(Some(Path::new("/nonexistent/x.toml")), &from_pairs(&[])).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }) && !err.is_transient(), "{err}");
}

#[test]
fn builtin_defaults_monitor_this_machine() {
    // The working directory of integration tests is the package root, which has no infrastructor.toml.
    assert!(!Path::new(config::DEFAULT_FILE).exists());
    let cfg = config::load(None, &from_pairs(&[("HOME", "/home/t")])).unwrap();
    assert_eq!(cfg.source, None);
    assert_eq!(cfg.listen, "127.0.0.1:9101".parse().unwrap());
    assert!(cfg.database_url.is_none());
    assert_eq!(cfg.devices.len(), 1);
    assert_eq!(cfg.devices[0].transport, TransportKind::Local);
    assert!(config::is_valid_device_name(&cfg.devices[0].name));
    assert_eq!(cfg.devices[0].known_hosts, PathBuf::from("/home/t/.ssh/known_hosts"));
}

#[test]
fn secret_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("db.secret"), "postgres://u:pw@h/db\n").unwrap();
    std::fs::write(dir.path().join("key.pass"), "kp\n").unwrap();
    let text = "database_url_file = \"db.secret\"\n[[devices]]\nname = \"a\"\nhost = \"h\"\nidentity_file = \"id\"\npassphrase_file = \"key.pass\"\n";
    let cfg = config::parse_str(text, &dir.path().join("c.toml"), &from_pairs(&[])).unwrap();
    assert_eq!(cfg.database_url.unwrap().expose(), "postgres://u:pw@h/db");
    assert_eq!(
        cfg.devices[0].auth,
        Auth::KeyFile { path: dir.path().join("id"), passphrase: Some("kp".into()) }
    );
}

#[test]
fn example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/infrastructor.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cfg = config::parse_str(&text, &path, &from_pairs(&[("HOME", "/home/t")])).unwrap();
    assert!(cfg.devices.len() >= 2, "{cfg:?}");
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
}

#[test]
fn validate_prints_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(dir.path().join("known_hosts"), "").unwrap();
    std::fs::write(&path, "database_url = \"postgres://u:pw@h/db\"\n[[devices]]\nname = \"web\"\nhost = \"h\"\nuser = \"u\"\nknown_hosts = \"known_hosts\"\n").unwrap();
    let mut out = Vec::new();
    config::validate::run_validate(Some(&path), &from_pairs(&[]), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("database: configured") && !out.contains("pw@"), "{out}");
    assert!(
        out.contains("web   ssh        u@h:22  agent  containers/30s metrics/5m drives/1h"),
        "{out}"
    );
    let err = config::validate::run_validate(
        Some(&dir.path().join("none.toml")),
        &from_pairs(&[]),
        &mut Vec::new(),
    );
    assert!(err.unwrap_err().to_string().contains("none.toml"));
}
