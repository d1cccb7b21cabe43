//! Tests of the logs probe: the patterns, one scan's parsing (journald 252 and docker 28.2
//! outputs), windows that follow each other, resuming, and the quoting of the patterns.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::model::alerts::Severity;
use crate::model::logs::LogSource;
use crate::probes::sections;
use crate::testing::Scripted;

const JOURNAL: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/journalctl/journal.jsonl"
));

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 52, 0).unwrap()
}

fn scan_output(window: &str, containers: &str) -> String {
    format!("@@clock\n{window}\n@@journal\n{JOURNAL}{containers}")
}

fn parse(output: &str) -> Scan {
    let marked = sections::mark(output, "n");
    let (_, secs) = sections::split(&marked, "n");
    parse_scan(&secs, &LogPatterns::defaults(), at())
}

#[test]
fn the_defaults_compile_and_bad_patterns_are_refused_by_name() {
    let d = LogPatterns::defaults();
    let names: Vec<&str> = d.list().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["oom", "io_error", "segfault", "fs_error"]);
    let p = |name: &str, regex: &str| LogPattern {
        name: name.into(),
        regex: regex.into(),
        severity: Severity::Warning,
        journal: true,
        containers: false,
    };
    let err = LogPatterns::new(vec![p("bad", "(unclosed")]).unwrap_err();
    assert!(err.starts_with("log pattern 'bad': the regex does not compile"), "{err}");
    let err = LogPatterns::new(vec![p("Caps", "x")]).unwrap_err();
    assert!(err.contains("must be 1 to 64 of a-z"), "{err}");
    let err = LogPatterns::new(vec![p("a", "x"), p("a", "y")]).unwrap_err();
    assert_eq!(err, "log pattern 'a' is defined twice");
    let err = LogPatterns::new(vec![p("a", "x\ny")]).unwrap_err();
    assert!(err.contains("one line"), "{err}");
    let only_journal = LogPatterns::new(vec![p("a", "x"), p("b", "y")]).unwrap();
    assert_eq!(only_journal.combined(true).as_deref(), Some("(?:x)|(?:y)"));
    assert_eq!(only_journal.combined(false), None);
}

#[test]
fn a_scan_keeps_only_lines_a_pattern_matches_with_the_lines_as_evidence() {
    let docker = "\n@@container:web\n\
        2026-11-23T13:51:09.530109105Z java.lang.OutOfMemoryError: Java heap space\n\
        2026-11-23T13:51:09.731790140Z harmless line the device filter let through\n\
        2026-11-23T13:51:10.100000000Z Segmentation fault (core dumped)\n\
        @@container:db\n\
        Error response from daemon: can not get logs from container which is dead or marked for removal\n";
    let scan = parse(&scan_output("1795441700 1795441800", docker));
    assert_eq!(scan.window, Some((1795441700, 1795441800)));
    assert_eq!(scan.sources, ["journal", "container:web", "container:db"]);
    let found: Vec<String> = scan
        .matches
        .iter()
        .map(|m| format!("{} {} {} {:?}", m.pattern, m.source.label(), m.count, m.lines))
        .collect();
    assert_eq!(
        found,
        [
            "fs_error journal 1 [\"kernel-like: EXT4-fs error (device sdb1): bad block\"]",
            "oom container:web 1 [\"java.lang.OutOfMemoryError: Java heap space\"]",
            "segfault container:web 1 [\"Segmentation fault (core dumped)\"]",
        ]
    );
    let fs = &scan.matches[0];
    assert_eq!((fs.source.clone(), fs.severity), (LogSource::Journal, Severity::Critical));
    assert_eq!(
        scan.errors,
        [
            "container:db: Error response from daemon: can not get logs from container which is dead or marked for removal"
        ]
    );
}

#[test]
fn a_journal_that_cannot_be_read_is_an_error_of_that_source() {
    let out = "@@clock\n10 20\n@@journal\nFailed to open journal: Permission denied\n";
    let scan = parse(out);
    assert_eq!(scan.errors, ["journal: Failed to open journal: Permission denied"]);
    assert!(scan.matches.is_empty());
}

#[tokio::test]
async fn each_window_starts_where_the_last_ended_and_a_resumed_probe_continues() {
    let t = Scripted::default();
    t.push("log_scan", 0, scan_output("1795441700 1795441800", ""));
    t.push("log_scan", 0, "@@clock\n1795441800 1795441860\n@@journal\n");
    let ctx = PollContext {
        transport: &t,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(5),
    };
    let mut probe = LogsProbe::new(Arc::new(LogPatterns::defaults()));
    let first = probe.poll(&ctx).await.unwrap();
    let types: Vec<&str> = first.iter().map(|e| e.type_name()).collect();
    assert_eq!(types, ["LogsScanned", "LogPatternMatched"]);
    let second = probe.poll(&ctx).await.unwrap();
    let lines = t.lines();
    assert!(lines[0].contains("s=$((u-600))"), "the first scan looks back 10 minutes");
    assert!(lines[1].contains("s=1795441800;"), "the second starts at the first's end");
    // Nothing new: only the sample, which still holds the earlier match.
    let EventKind::LogsScanned { recent, until, .. } = &second[0] else { panic!("{second:?}") };
    assert_eq!(second.len(), 1);
    assert_eq!(recent.len(), 1);
    assert_eq!(until.timestamp(), 1795441860);
    let mut resumed = LogsProbe::new(Arc::new(LogPatterns::defaults()));
    resumed.resume(&crate::events::Event::new("d", at(), second[0].clone()));
    t.push("log_scan", 0, "@@clock\n1795441860 1795441920\n");
    resumed.poll(&ctx).await.unwrap();
    assert!(t.lines()[2].contains("s=1795441860;"), "resumed from the stored window");
}

#[test]
fn recent_matches_fold_by_pattern_and_source_and_age_out() {
    let m = |count: u64, last: DateTime<Utc>| crate::model::logs::LogMatch {
        pattern: "oom".into(),
        source: LogSource::Journal,
        severity: Severity::Critical,
        count,
        first_at: last,
        last_at: last,
        lines: vec![format!("line {count}")],
    };
    let mut recent = Vec::new();
    fold(&mut recent, &[m(1, at())], at());
    fold(&mut recent, &[m(2, at() + chrono::Duration::minutes(1))], at());
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].count, 3);
    assert_eq!(recent[0].lines, ["line 1", "line 2"]);
    fold(&mut recent, &[], at() + chrono::Duration::hours(25));
    assert!(recent.is_empty(), "a day later the match is gone");
}

/// The built command run by a real `sh`, with stand-ins for `journalctl` and `docker` that
/// print their arguments: a pattern full of shell syntax arrives as one argument, verbatim.
#[test]
fn patterns_reach_the_tools_verbatim_whatever_they_contain() {
    let dir = std::env::temp_dir().join(format!("infra-logscan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tool = "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"arg:$a\"; done\n";
    for name in ["journalctl", "docker"] {
        let p = dir.join(name);
        std::fs::write(&p, tool).unwrap();
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&p, perm).unwrap();
    }
    let nasty = r#"it's $(touch /tmp/pwned) `id` "quoted" \d+; rm -rf /"#;
    let patterns = LogPatterns::new(vec![LogPattern {
        name: "nasty".into(),
        regex: regex::escape(nasty),
        severity: Severity::Warning,
        journal: true,
        containers: false,
    }])
    .unwrap();
    let journal = patterns.combined(true);
    let cmd = crate::command::logs::log_scan(Some(100), journal.as_deref(), None, false);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&cmd.line)
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let grep = stdout.lines().find_map(|l| l.strip_prefix("arg:--grep=")).expect("journalctl ran");
    assert_eq!(grep, format!("(?:{})", regex::escape(nasty)));
    assert!(!std::path::Path::new("/tmp/pwned").exists());
    let (_, secs) = sections::split(&stdout, cmd.section_nonce());
    let window = parse_scan(&secs, &patterns, at()).window.expect("a clock line");
    assert!(window.0 < window.1, "a window from 100 up to the clock: {window:?}");
    assert!(window.0 >= window.1 - crate::command::logs::MAX_WINDOW_SECS, "capped at a day");
    std::fs::remove_dir_all(&dir).unwrap();
}
