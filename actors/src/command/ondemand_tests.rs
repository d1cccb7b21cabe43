//! Validation table for on-demand command arguments, injection attempts included.

use chrono::{TimeZone, Utc};

use super::*;

const HOSTILE: &[&str] = &[
    "x; rm -rf /",
    "$(id)",
    "`id`",
    "a\nid",
    "a|id",
    "a&&id",
    "'quoted'",
    "\"dq\"",
    "a b",
    "-v",
    "--since=1h",
    "../etc",
    "",
    "a\0b",
    "ä",
];

#[test]
fn container_names_and_ids() {
    for ok in ["web", "stack-web-1", "a.b_c-d", "0123abcdef", &"f".repeat(64), "W3b"] {
        assert_eq!(validate_container(ok), Ok(()), "{ok:?}");
        let c = docker_logs(ok, 100, None).unwrap();
        assert!(c.line.ends_with(&format!(" {ok}")), "{}", c.line);
    }
    for bad in HOSTILE.iter().copied().chain(["_x", ".x", "-x", &"a".repeat(129)]) {
        let err = docker_logs(bad, 100, None).unwrap_err();
        assert_eq!(err.argument, "container", "{bad:?}");
        assert!(err.to_string().starts_with("invalid argument `container`: must be"), "{err}");
    }
}

#[test]
fn unit_names() {
    for ok in ["nginx.service", "getty@tty1.service", "sys-fs-fuse-connections.mount", "a:b"] {
        let c = journalctl(Some(ok), None, None, 10).unwrap();
        assert!(c.line.ends_with(&format!("-u {ok}")), "{}", c.line);
    }
    for bad in HOSTILE.iter().copied().chain(["--all", "-x", "a/b", "a=b"]) {
        let err = journalctl(Some(bad), None, None, 10).unwrap_err();
        assert_eq!(err.argument, "unit", "{bad:?}");
    }
}

#[test]
fn counts() {
    assert!(docker_logs("web", 1, None).is_ok());
    assert!(docker_logs("web", 10_000, None).is_ok());
    for bad in [0, 10_001, u32::MAX] {
        let err = docker_logs("web", bad, None).unwrap_err();
        assert_eq!(err.to_string(), "invalid argument `tail`: must be between 1 and 10000");
        let err = journalctl(None, None, None, bad).unwrap_err();
        assert_eq!(err.to_string(), "invalid argument `lines`: must be between 1 and 10000");
    }
}

#[test]
fn since_forms() {
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 16, 13, 14).unwrap();
    let table: &[(&str, Since)] = &[
        ("15m", Since::Ago(Duration::from_secs(900))),
        ("2h", Since::Ago(Duration::from_secs(7200))),
        ("30s", Since::Ago(Duration::from_secs(30))),
        ("7d", Since::Ago(Duration::from_secs(7 * 86_400))),
        ("366d", Since::Ago(Duration::from_secs(366 * 86_400))),
        ("2026-11-22T16:13:14Z", Since::At(at)),
        ("2026-11-22T17:13:14+01:00", Since::At(at)),
    ];
    for (input, expected) in table {
        assert_eq!(parse_since(input), Ok(*expected), "{input:?}");
    }
    for bad in HOSTILE.iter().copied().chain([
        "0m",
        "367d",
        "15",
        "m",
        "-15m",
        "15 m",
        "1.5h",
        "15min",
        "9999999999s",
        "2026-11-22",
        "2026-11-22 16:13:14",
        "yesterday",
    ]) {
        let err = parse_since(bad).unwrap_err();
        assert_eq!(err.argument, "since", "{bad:?}");
    }
}

#[test]
fn since_is_rendered_by_us_per_tool() {
    let at = Since::At(Utc.with_ymd_and_hms(2026, 11, 22, 16, 13, 14).unwrap());
    let ago = Since::Ago(Duration::from_secs(900));
    assert_eq!(
        docker_logs("web", 5, Some(at)).unwrap().line,
        "docker logs --timestamps --tail 5 --since 2026-11-22T16:13:14Z web"
    );
    assert_eq!(
        docker_logs("web", 5, Some(ago)).unwrap().line,
        "docker logs --timestamps --tail 5 --since 900s web"
    );
    assert_eq!(
        journalctl(Some("ssh.service"), Some(at), Some(3), 50).unwrap().line,
        "journalctl -o json --no-pager -n 50 -u ssh.service --since '2026-11-22 16:13:14 UTC' -p 3"
    );
    assert_eq!(
        journalctl(None, Some(ago), None, 50).unwrap().line,
        "journalctl -o json --no-pager -n 50 --since -900s"
    );
}

#[test]
fn priorities() {
    for (input, level) in
        [("0", 0), ("7", 7), ("emerg", 0), ("ERR", 3), ("error", 3), ("warning", 4), ("debug", 7)]
    {
        assert_eq!(parse_priority(input), Ok(level), "{input:?}");
    }
    for bad in HOSTILE.iter().copied().chain(["8", "-1", "255", "256", "3 ", "critical"]) {
        let err = parse_priority(bad).unwrap_err();
        assert_eq!(err.argument, "priority", "{bad:?}");
    }
    assert_eq!(journalctl(None, None, Some(8), 5).unwrap_err().argument, "priority");
}

#[test]
fn grep_is_literal_and_stays_local() {
    // Shell metacharacters are fine in a local filter: the text never reaches a command line.
    for ok in ["x; rm -rf /", "$(id)", "`id`", "error: 'x'", "a|b"] {
        assert_eq!(validate_grep(ok), Ok(()), "{ok:?}");
    }
    for bad in ["", "a\nb", "a\rb", "a\0b", &"x".repeat(1025)] {
        assert_eq!(validate_grep(bad).unwrap_err().argument, "grep", "{bad:?}");
    }
}

#[test]
fn wrapped_lines_stay_one_shell_word() {
    let c = journalctl(Some("a@b:c.service"), None, Some(0), 1).unwrap();
    let wrapped = c.wrapped().line;
    let words = shlex::split(&wrapped).unwrap();
    assert_eq!(words[..5], ["timeout", "-s", "KILL", "20", "sh"]);
    assert_eq!(words[6], format!("{};", c.line));
    assert_eq!(docker_network_ls().line, "docker network ls --no-trunc --format '{{json .}}'");
}

#[test]
fn device_side_caps_keep_the_newest_bytes_of_each_stream_and_the_status() {
    let line =
        "i=0; while [ $i -lt 5000 ]; do echo out-$i; echo err-$i >&2; i=$((i+1)); done; exit 3";
    let c = Command {
        name: "t",
        line: line.into(),
        timeout: std::time::Duration::from_secs(10),
        nonce: None,
    };
    let capped = cap_on_device(c, 1000);
    let out = std::process::Command::new("sh").arg("-c").arg(&capped.line).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!((out.stdout.len(), out.stderr.len()), (1000, 1000));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("out-4999\n"));
    assert!(String::from_utf8_lossy(&out.stderr).ends_with("err-4999\n"));
    // Small outputs pass whole.
    let c = Command {
        name: "t",
        line: "echo hi; echo no >&2".into(),
        timeout: std::time::Duration::from_secs(10),
        nonce: None,
    };
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&cap_on_device(c, 1000).line)
        .output()
        .unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.stderr.as_slice(), out.status.code()),
        (&b"hi\n"[..], &b"no\n"[..], Some(0))
    );
}
