//! Fixture tests for on-demand parsers and queries: real docker 20.10/28.2 and journald 252
//! captures.

use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::transport::{LocalTransport, Output, Transport, TransportError};

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/", $path))
    };
}

const MIXED_OUT_20: &str = fixture!("docker-logs/client-20.10/mixed.stdout");
const MIXED_ERR_20: &str = fixture!("docker-logs/client-20.10/mixed.stderr");
const MIXED_OUT_28: &str = fixture!("docker-logs/client-28.2/mixed.stdout");
const MIXED_ERR_28: &str = fixture!("docker-logs/client-28.2/mixed.stderr");
const TICKER_28: &str = fixture!("docker-logs/client-28.2/ticker-tail3.stdout");
const NET_20: &str = fixture!("docker-logs/client-20.10/network-ls.jsonl");
const NET_28: &str = fixture!("docker-logs/client-28.2/network-ls.jsonl");
const MISSING_28: &str = fixture!("docker-logs/client-28.2/logs-missing.stderr");
const JOURNAL: &str = fixture!("journalctl/journal.jsonl");
const JOURNAL_ERR: &str = fixture!("journalctl/journal-p-err.jsonl");

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn ts(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%H:%M:%S%.6f").to_string()).unwrap_or_else(|| "-".into())
}

/// Renders parsed output one item per line and compares it with `expected`; warnings too.
fn check<T>(
    parsed: (Vec<T>, Vec<crate::probes::Warning>),
    render: fn(&T) -> String,
    expected: &str,
) {
    let (items, warnings) = parsed;
    let mut lines: Vec<String> = items.iter().map(render).collect();
    lines.extend(warnings.iter().map(|w| format!("warning {:?}: {}", w.line, w.message)));
    assert_eq!(lines.join("\n"), expected.trim(), "\n{}", lines.join("\n"));
}

fn log_line(l: &LogLine) -> String {
    format!("{} {:?} {:?}", ts(l.at), l.stream, l.text)
}

fn entry(e: &LogEntry) -> String {
    let p = e.priority.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
    format!("{} p{p} {} {:?}", ts(e.at), e.unit.as_deref().unwrap_or("-"), e.message)
}

const MIXED_MERGED: &str = r#"
13:51:09.530109 Stdout "out 1"
13:51:09.530162 Stderr "err 1: warning"
13:51:09.731790 Stdout "out 2"
13:51:09.731817 Stderr "err 2: warning"
13:51:09.934890 Stderr "err 3: warning"
13:51:09.934908 Stdout "out 3"
13:51:10.134782 Stderr "err 4: warning"
13:51:10.134832 Stdout "out 4"
13:51:10.336285 Stdout "out 5"
13:51:10.336380 Stderr "err 5: warning"
13:51:10.542947 Stdout "out 6"
13:51:10.543046 Stderr "err 6: warning"
13:51:10.744484 Stdout ""
13:51:10.744698 Stderr "fatal: giving up"
13:51:10.744723 Stdout "crlf line"
13:51:10.744725 Stdout "température élevée"
"#;

#[test]
fn docker_logs_both_clients_merge_streams_in_time_order() {
    check(parse_docker_logs(MIXED_OUT_20, MIXED_ERR_20, at()), log_line, MIXED_MERGED);
    check(parse_docker_logs(MIXED_OUT_28, MIXED_ERR_28, at()), log_line, MIXED_MERGED);
    check(
        parse_docker_logs(TICKER_28, "", at()),
        log_line,
        r#"
13:51:11.951082 Stdout "tick 1795441871"
13:51:12.459036 Stdout "tick 1795441872"
13:51:12.968227 Stdout "tick 1795441872"
"#,
    );
}

#[test]
fn docker_log_lines_without_timestamp_keep_their_place() {
    let out = "2026-11-23T13:00:00Z a\nno timestamp here\n2026-11-23T13:00:02Z c\n";
    let err = "2026-11-23T13:00:01Z b\n";
    check(
        parse_docker_logs(out, err, at()),
        log_line,
        r#"
13:00:00.000000 Stdout "a"
- Stdout "no timestamp here"
13:00:01.000000 Stderr "b"
13:00:02.000000 Stdout "c"
warning Some(2): stdout line without a timestamp
"#,
    );
}

const JOURNAL_ENTRIES: &str = r#"
13:49:02.118590 p6 systemd-journald "Journal started"
13:49:02.118688 p6 systemd-journald "System Journal (/var/log/journal/3d1219c7c4c5404aaa1f6d2a48adfda4.infracapture) is 8.0M, max 4.0G, 3.9G free."
13:49:02.173492 p4 nginx "upstream timed out (110: Connection timed out)"
13:49:02.176314 p6 nginx "GET /health 200"
13:49:02.184518 p5 sshd "Accepted publickey for admin from 192.0.2.7 port 50122 ssh2"
13:49:02.188198 p3 kernel-like "EXT4-fs error (device sdb1): bad block"
13:49:02.190401 p7 cron "(root) CMD (run-parts /etc/cron.hourly; echo $(id))"
13:49:02.510232 p3 hddtemp "disk /dev/sdb temperature 61C exceeds limit"
13:49:02.510488 p5 blobby "binary �� payload"
13:49:02.510505 p6 multiline "line one\nline two"
13:49:02.510567 p4 twomsg "first value\nsecond value"
13:49:02.510593 p6 nomessage ""
13:49:02.510602 p2 app "unit-attributed entry"
13:49:02.718656 p3 worker "job 42 failed: exit status 2"
13:49:02.718656 p6 worker "plain stdout line"
"#;

#[test]
fn journal_entries_from_a_real_journald() {
    check(parse_journal(JOURNAL, at()), entry, JOURNAL_ENTRIES);
    let (err_only, warnings) = parse_journal(JOURNAL_ERR, at());
    assert!(warnings.is_empty());
    let priorities: Vec<_> = err_only.iter().map(|e| e.priority).collect();
    assert_eq!(priorities, [Some(3), Some(3), Some(2), Some(3)]);
}

#[test]
fn journal_field_shapes() {
    // `_SYSTEMD_UNIT` wins over SYSLOG_IDENTIFIER; a multi-value unit takes its first value;
    // null or odd values fall back; notices and garbage lines are skipped.
    let input = concat!(
        r#"{"__REALTIME_TIMESTAMP":"1795441742118590","_SYSTEMD_UNIT":"nginx.service","SYSLOG_IDENTIFIER":"nginx","PRIORITY":"3","MESSAGE":"x"}"#,
        "\n",
        r#"{"__REALTIME_TIMESTAMP":["1795441742118590","1"],"_SYSTEMD_UNIT":["a.service","b.service"],"PRIORITY":"9","MESSAGE":null}"#,
        "\n-- No entries --\nnot json\n",
        r#"{"__REALTIME_TIMESTAMP":"soon","_COMM":"sh","PRIORITY":7,"MESSAGE":[["x"],[104,105],"s"]}"#,
        "\n",
    );
    check(
        parse_journal(input, at()),
        entry,
        r#"
13:49:02.118590 p3 nginx.service "x"
13:49:02.118590 p- a.service ""
- p7 sh "hi\ns"
warning Some(4): not a journal entry: expected ident at line 1 column 2
"#,
    );
}

#[test]
fn networks_both_clients() {
    let render = |n: &Network| {
        format!(
            "{} {} {} {} internal={:?} ipv6={:?}",
            &n.id[..12],
            n.name,
            n.driver,
            n.scope,
            n.internal,
            n.ipv6
        )
    };
    let expected = r#"
e3b0cc09a84c appnet bridge local internal=Some(true) ipv6=Some(false)
9ed934e58546 host host local internal=Some(false) ipv6=Some(false)
82a02a178f17 none null local internal=Some(false) ipv6=Some(false)
"#;
    check(parse_network_ls(NET_20, at()), render, expected);
    check(parse_network_ls(NET_28, at()), render, expected);
    let (nets, warnings) = parse_network_ls("{\"Name\":\"x\"}\n[]\n", at());
    assert!(nets.is_empty());
    assert_eq!(warnings.len(), 2);
}

/// Every prefix of every fixture, and garbage, parses without panicking.
#[test]
fn parsers_never_panic() {
    let mut rng = fastrand::Rng::with_seed(11);
    let random: String = (0..50_000).map(|_| rng.char(..)).collect();
    let garbage = [
        "[".repeat(200_000),
        "{".repeat(100_000),
        format!("{} {}\n", "2026-11-23T13:51:09.530109105Z", "x".repeat(1_000_000)),
        r#"{"MESSAGE":[1e300,-1,999999999999999999999],"__REALTIME_TIMESTAMP":"99999999999999999999"}"#.into(),
        r#"{"__REALTIME_TIMESTAMP":"-9223372036854775808","PRIORITY":"-1","ID":1,"Name":[]}"#.into(),
        random,
    ];
    let fixtures = [MIXED_OUT_20, MIXED_ERR_28, TICKER_28, NET_20, NET_28, JOURNAL, JOURNAL_ERR];
    for input in fixtures {
        for (i, _) in input.char_indices() {
            let p = &input[..i];
            let _ =
                (parse_docker_logs(p, p, at()), parse_journal(p, at()), parse_network_ls(p, at()));
        }
    }
    for input in garbage.iter().map(String::as_str).chain(fixtures) {
        let _ = (parse_docker_logs(input, input, at()), parse_journal(input, at()));
        let _ = parse_network_ls(input, at());
    }
}

/// A transport that records command lines and answers with one canned output.
struct Canned {
    lines: Mutex<Vec<String>>,
    output: Output,
}

impl Canned {
    fn new(stdout: &str, stderr: &str, status: i32) -> Self {
        let output =
            Output { stdout: stdout.into(), stderr: stderr.into(), status, ..Default::default() };
        Self { lines: Mutex::new(Vec::new()), output }
    }
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Transport for Canned {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        self.lines.lock().unwrap().push(command.line.clone());
        Ok(self.output.clone())
    }
    async fn connect(&self) -> Result<(), TransportError> {
        Ok(())
    }
    async fn disconnect(&self) {}
    fn describe(&self) -> String {
        "canned".into()
    }
}

#[tokio::test]
async fn container_logs_filters_caps_and_drops_timestamps() {
    let t = Canned::new(MIXED_OUT_28, MIXED_ERR_28, 0);
    let q = ContainerLogsQuery {
        since: Some("15m".into()),
        grep: Some("warning".into()),
        timestamps: false,
        caps: OutputCaps { max_lines: 4, max_bytes: 1024 },
        ..ContainerLogsQuery::new("mixed")
    };
    let r = container_logs(&t, &q).await.unwrap();
    // Capped on the device: at most 4 lines' worth of bytes per stream cross the network.
    let line = &t.lines()[0];
    assert!(line.contains("( docker logs --timestamps --tail 100 --since 900s mixed )"), "{line}");
    assert!(line.contains(&format!("tail -c {}", q.caps.on_device())), "{line}");
    let texts: Vec<_> = r.lines.iter().map(|l| (l.at, l.stream, l.text.as_str())).collect();
    assert_eq!(
        texts,
        [3, 4, 5, 6].map(|i| (
            None,
            Stream::Stderr,
            ["", "", "", "err 3: warning", "err 4: warning", "err 5: warning", "err 6: warning"][i]
        )),
    );
    assert!(r.truncated);

    let all = container_logs(&t, &ContainerLogsQuery::new("mixed")).await.unwrap();
    assert_eq!((all.lines.len(), all.truncated), (16, false));
    assert!(all.lines.iter().all(|l| l.at.is_some()));
}

#[tokio::test]
async fn invalid_arguments_never_reach_the_transport() {
    let t = Canned::new("", "", 0);
    let bad_logs = [
        ContainerLogsQuery::new("x; rm -rf /"),
        ContainerLogsQuery::new("$(id)"),
        ContainerLogsQuery::new("`id`"),
        ContainerLogsQuery::new("web\nid"),
        ContainerLogsQuery { tail: 0, ..ContainerLogsQuery::new("web") },
        ContainerLogsQuery { since: Some("$(id)".into()), ..ContainerLogsQuery::new("web") },
        ContainerLogsQuery { grep: Some("a\nb".into()), ..ContainerLogsQuery::new("web") },
    ];
    for q in &bad_logs {
        let err = container_logs(&t, q).await.unwrap_err();
        assert!(matches!(err, QueryError::InvalidArgument(_)), "{q:?}: {err}");
        assert!(err.to_string().starts_with("invalid argument `"), "{err}");
    }
    let bad_journal = [
        JournalQuery { unit: Some("x; rm -rf /".into()), ..JournalQuery::default() },
        JournalQuery { unit: Some("`id`".into()), ..JournalQuery::default() },
        JournalQuery { priority: Some("$(id)".into()), ..JournalQuery::default() },
        JournalQuery { since: Some("1h; id".into()), ..JournalQuery::default() },
        JournalQuery { lines: 10_001, ..JournalQuery::default() },
    ];
    for q in &bad_journal {
        let err = journal(&t, q).await.unwrap_err();
        assert!(matches!(err, QueryError::InvalidArgument(_)), "{q:?}: {err}");
    }
    assert_eq!(t.lines(), Vec::<String>::new());
}

#[tokio::test]
async fn a_missing_container_is_a_command_error() {
    let t = Canned::new("", MISSING_28, 1);
    let err = container_logs(&t, &ContainerLogsQuery::new("nosuchcontainer")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "`docker_logs` exited with status 1: Error response from daemon: No such container: nosuchcontainer"
    );
}

#[tokio::test]
async fn journal_query_greps_messages_and_networks_parse() {
    let t = Canned::new(JOURNAL, "", 0);
    let q = JournalQuery {
        unit: Some("nginx.service".into()),
        priority: Some("warning".into()),
        grep: Some("timed out".into()),
        lines: 50,
        ..JournalQuery::default()
    };
    let r = journal(&t, &q).await.unwrap();
    let line = &t.lines()[0];
    assert!(
        line.contains("( journalctl -o json --no-pager -n 50 -u nginx.service -p 4 )"),
        "{line}"
    );
    let messages: Vec<_> = r.entries.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["upstream timed out (110: Connection timed out)"]);
    assert!(!r.truncated);

    let nets = docker_networks(&Canned::new(NET_28, "", 0)).await.unwrap();
    assert_eq!(
        nets.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(),
        ["appnet", "host", "none"]
    );
}

/// The real `journalctl` of this machine through the local transport: the command line the
/// catalogue builds is accepted, succeeds, and every line it prints parses.
#[tokio::test]
async fn real_journalctl_through_the_local_transport() {
    let t = LocalTransport::new(1);
    let q = JournalQuery {
        since: Some("1d".into()),
        priority: Some("debug".into()),
        lines: 20,
        ..JournalQuery::default()
    };
    let r = journal(&t, &q).await.expect("journalctl runs and exits 0");
    let cmd = crate::command::ondemand::journalctl(None, None, None, 20).unwrap();
    let raw = t.run(&cmd).await.unwrap();
    assert!(raw.success(), "{raw:?}");
    let printed = raw.stdout.lines().filter(|l| l.starts_with('{')).count();
    let (parsed, warnings) = parse_journal(&raw.stdout, at());
    assert_eq!((parsed.len(), warnings), (printed, vec![]));
    assert!(r.entries.len() <= 20);
    assert!(r.entries.iter().all(|e| e.at.is_some()));
}
