//! Integration tests of `infrastructor devices import-ssh-config`: OpenSSH client configs with
//! `Include`, multi-pattern `Host`, wildcards and first-match overrides.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use infrastructor::config::{self, env::from_pairs, ssh_import};
use infrastructor_actors::device::Auth;

/// Parses a written config file without `load`'s file checks (its keys are not on this machine).
fn parse_file(path: &Path, vars: &[(&str, &str)]) -> config::Config {
    let text = std::fs::read_to_string(path).unwrap();
    config::parse_str(&text, path, &from_pairs(vars)).unwrap()
}

/// Writes an ssh config tree: main file with Include (relative + glob), multi-pattern Host,
/// wildcards, negation, Match and first-match overrides.
fn ssh_tree(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::write(
        dir.join("conf.d/10-lab.conf"),
        "Host lab1 lab2\n  HostName %h.lab.example\n  User labuser\nHost lab2\n  Port 2202\n",
    )
    .unwrap();
    std::fs::write(dir.join("conf.d/20-empty.conf"), "# nothing\n").unwrap();
    std::fs::write(dir.join("conf.d/.hidden.conf"), "Host hidden\n").unwrap();
    std::fs::write(dir.join("extra"), "Port 2020\n").unwrap();
    let main = dir.join("config");
    std::fs::write(
        &main,
        "# top\n\
         Host web1 web2 db-*\n    HostName 10.0.0.%h\n    User deploy\n\
         Host web1\n    Port 2222\n    User ignored-because-first-match-wins\n\
         Host gw\n    Include extra\n    User gwuser\n\
         Include conf.d/*.conf\n\
         Match host nas\n    User matched\n\
         Host nas !web?\n    HostName=192.168.1.10\n    IdentityFile ~/.ssh/id_nas\n\
         Host * !nas\n    User fallback\n    Port 22\n\
         Host ?ild*\n    User never\n",
    )
    .unwrap();
    main
}

#[test]
fn ssh_import_discovers_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let main = ssh_tree(dir.path());
    let devices = ssh_import::discover(&main).unwrap();
    let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["web1", "web2", "gw", "lab1", "lab2", "nas"]);
    let get = |n: &str| devices.iter().find(|d| d.name == n).unwrap();
    // first match wins: web1's User comes from the first block, Port from the second
    assert_eq!((get("web1").user.as_deref(), get("web1").port), (Some("deploy"), Some(2222)));
    assert_eq!(get("web1").host, "10.0.0.web1");
    assert_eq!((get("web2").user.as_deref(), get("web2").port), (Some("deploy"), Some(22)));
    // Include inside a Host block applies to it, and the block continues afterwards
    assert_eq!((get("gw").user.as_deref(), get("gw").port), (Some("gwuser"), Some(2020)));
    // included glob files, %h expansion, multi-pattern Host, later block adds Port
    assert_eq!(get("lab1").host, "lab1.lab.example");
    assert_eq!((get("lab1").user.as_deref(), get("lab1").port), (Some("labuser"), Some(22)));
    assert_eq!(get("lab2").port, Some(2202));
    // Match blocks are ignored; negated `Host * !nas` does not apply to nas
    assert_eq!(get("nas").host, "192.168.1.10");
    assert_eq!(get("nas").user, None);
    assert!(get("nas").identity_file.as_ref().unwrap().ends_with(".ssh/id_nas"));
}

#[test]
fn ssh_import_appends_and_result_parses() {
    let dir = tempfile::tempdir().unwrap();
    let main = ssh_tree(&dir.path().join("ssh"));
    let cfg_path = dir.path().join("infrastructor.toml");
    std::fs::write(&cfg_path, "[[devices]]\nname = \"web2\"\nhost = \"mine\"").unwrap();

    let mut out = Vec::new();
    ssh_import::run_import(&main, &cfg_path, true, &mut out).unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert!(printed.contains("would add 5 device(s)"), "{printed}");
    assert!(
        printed.contains("name = \"web1\"") && !printed.contains("name = \"web2\""),
        "{printed}"
    );
    let untouched = std::fs::read_to_string(&cfg_path).unwrap();
    assert_eq!(
        untouched, "[[devices]]\nname = \"web2\"\nhost = \"mine\"",
        "dry run writes nothing"
    );

    let mut out = Vec::new();
    ssh_import::run_import(&main, &cfg_path, false, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("added 5 device(s)"));
    let cfg = parse_file(&cfg_path, &[("HOME", "/home/t")]);
    let names: Vec<&str> = cfg.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["web2", "web1", "gw", "lab1", "lab2", "nas"]);
    assert_eq!(cfg.devices[0].host, "mine", "existing device kept");
    assert_eq!((cfg.devices[1].port, cfg.devices[1].user.as_str()), (2222, "deploy"));
    assert!(
        matches!(&cfg.devices[5].auth, Auth::KeyFile { path, .. } if path.ends_with(".ssh/id_nas"))
    );

    // Importing again adds nothing.
    let mut out = Vec::new();
    ssh_import::run_import(&main, &cfg_path, false, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("nothing to import"));

    // A fresh config file is created.
    let fresh = dir.path().join("new.toml");
    ssh_import::run_import(&main, &fresh, false, &mut Vec::new()).unwrap();
    assert_eq!(parse_file(&fresh, &[]).devices.len(), 6);
    let rendered = ssh_import::render_toml(
        &ssh_import::discover(&main).unwrap(),
        &HashSet::from(["nas".to_owned()]),
    );
    assert_eq!(rendered.matches("[[devices]]").count(), 5);
}
