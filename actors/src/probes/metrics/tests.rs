//! Fixture tests for the metrics probe: two real captures of the `metrics` command.

use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::command::Command;
use crate::probes::PollContext;
use crate::transport::{Output, Transport, TransportError};

const FIRST: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/metrics/metrics-1.txt"));
const SECOND: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/metrics/metrics-2.txt"));

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()
}

/// `key=value` per line, filesystems last.
fn render(s: &MetricsSample) -> String {
    let mut out = format!(
        "cpu={:?} mem={:?}/{:?} swap={:?}/{:?} load={:?},{:?},{:?} uptime={:?}",
        s.cpu_percent.map(|c| (c * 100.0).round() / 100.0),
        s.mem_available_bytes,
        s.mem_total_bytes,
        s.swap_free_bytes,
        s.swap_total_bytes,
        s.load1,
        s.load5,
        s.load15,
        s.uptime_secs,
    );
    for fs in &s.filesystems {
        out += &format!(
            "\n{} {} {} {} {}",
            fs.source, fs.mount, fs.size_bytes, fs.used_bytes, fs.avail_bytes
        );
    }
    out
}

fn check(output: &str, expected: &str) {
    let (parsed, warnings) = parse_metrics(output, at());
    assert_eq!(warnings, vec![]);
    assert_eq!(render(&parsed.sample), expected.trim());
}

#[test]
fn real_capture() {
    check(
        FIRST,
        "
cpu=None mem=Some(24488402944)/Some(25276510208) swap=Some(0)/Some(0) load=Some(1.3),Some(0.82),Some(0.42) uptime=Some(2195)
/dev/vda / 270553174016 15278239744 82294509568",
    );
}

#[test]
fn cpu_percent_from_two_captures() {
    let (a, _) = parse_metrics(FIRST, at());
    let (b, _) = parse_metrics(SECOND, at());
    let (a, b) = (a.cpu.unwrap(), b.cpu.unwrap());
    // user +56, system +26, idle +117 ticks between the captures.
    assert_eq!(b.percent_since(&a).map(|c| (c * 1000.0).round() / 1000.0), Some(41.206));
    assert_eq!(a.percent_since(&b), None, "counters going backwards (reboot) give no value");
    assert_eq!(a.percent_since(&a), None, "no time passed");
}

#[test]
fn damaged_and_old_formats() {
    let input = "junk\n@@stat\ncpu  1 2 3\n@@meminfo\nMemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\n\
                 Cached: 20 kB\n@@loadavg\n0.5 x\n@@nope\nwhatever\n@@uptime\n-1\n@@df\n/dev/sda1 1 2\n";
    let (parsed, warnings) = parse_metrics(input, at());
    assert_eq!(parsed.sample.mem_available_bytes, Some(35 * 1024), "pre-3.14 fallback");
    assert_eq!(parsed.sample.load1, Some(0.5));
    assert_eq!(parsed.cpu, None);
    let lines: Vec<_> = warnings.iter().map(|w| w.line.unwrap_or(0)).collect();
    assert_eq!(lines, [1, 3, 10, 11, 14, 16]);
    assert_eq!(parsed.sections, 5);
}

/// Answers the `metrics` command with the given outputs, in order.
struct FakeTransport(Mutex<Vec<&'static str>>);

#[async_trait::async_trait]
impl Transport for FakeTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        assert_eq!(command.name, "metrics");
        let stdout = self.0.lock().unwrap().remove(0).to_string();
        Ok(Output { stdout, stderr: String::new(), status: 0 })
    }
    async fn connect(&self) -> Result<(), TransportError> {
        Ok(())
    }
    async fn disconnect(&self) {}
    fn describe(&self) -> String {
        "fake".into()
    }
}

#[tokio::test]
async fn probe_computes_cpu_from_the_previous_poll() {
    let transport = FakeTransport(Mutex::new(vec![FIRST, SECOND, "nothing useful"]));
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let mut probe = MetricsProbe::default();
    let cpu = |events: Vec<EventKind>| match events.as_slice() {
        [EventKind::MetricsSampled { sample }] => sample.cpu_percent.map(|c| c.round()),
        other => panic!("{other:?}"),
    };
    assert_eq!(cpu(probe.poll(&ctx).await.unwrap()), None);
    assert_eq!(cpu(probe.poll(&ctx).await.unwrap()), Some(41.0));
    let err = probe.poll(&ctx).await.unwrap_err();
    assert!(matches!(err, ProbeError::Output { command: "metrics", .. }), "{err}");
}

/// Every prefix of the fixtures, and some garbage, parses without panicking.
#[test]
fn parser_never_panics() {
    let mut rng = fastrand::Rng::with_seed(11);
    let garbage = [
        "@@stat\ncpu 99999999999999999999 18446744073709551615 18446744073709551615 1 1 1 1 1"
            .to_string(),
        "@@df\n".to_string() + &"x ".repeat(100_000),
        "@@df\n".to_string() + &"1 ".repeat(100_000),
        "@@uptime\n1e400 1\n@@loadavg\nNaN inf -inf\n@@meminfo\nMemTotal: 18446744073709551615 kB"
            .into(),
        (0..50_000).map(|_| rng.char(..)).collect(),
        (0..20_000)
            .map(|_| ["@@df\n", "@@stat\n", "cpu ", "1 ", "\n", "/ ", "1% "][rng.usize(..7)])
            .collect(),
    ];
    for input in [FIRST, SECOND] {
        for (i, _) in input.char_indices() {
            let _ = parse_metrics(&input[..i], at());
        }
    }
    for input in &garbage {
        let _ = parse_metrics(input, at());
        let _ = parse_metrics(input.get(..input.len() / 2).unwrap_or(""), at());
    }
}
