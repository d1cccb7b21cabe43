//! Fixture tests for the metrics probe: two real captures of the `metrics` command, and
//! `sensors -j` outputs.

use chrono::{DateTime, TimeZone, Utc};

use super::parse::ParsedMetrics;
use super::*;
use crate::probes::PollContext;
use crate::testing::Scripted;

const FIRST: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/metrics/metrics-1.txt"));
const SECOND: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/metrics/metrics-2.txt"));

const SENSORS_MULTICHIP: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/metrics/sensors-multichip.json"
));
const SENSORS_UNCONNECTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/metrics/sensors-unconnected-inputs.json"
));
const SENSORS_NONE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/metrics/sensors-none.json"
));

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()
}

fn round(v: Option<f64>) -> Option<f64> {
    v.map(|c| (c * 100.0).round() / 100.0)
}

/// Parses a fixture written with `@@<name>` markers, as printed with a nonce.
fn marked(input: &str) -> (ParsedMetrics, Vec<crate::probes::Warning>) {
    parse_metrics(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at())
}

/// `key=value` on the first line, then cores, interfaces, disks and filesystems.
fn render(s: &MetricsSample) -> String {
    let mut out = format!(
        "cpu={:?} mem={:?}/{:?} swap={:?}/{:?}/{:?} load={:?},{:?},{:?} uptime={:?} procs={:?}",
        round(s.cpu_percent),
        s.mem_available_bytes,
        s.mem_total_bytes,
        s.swap_used_bytes,
        s.swap_free_bytes,
        s.swap_total_bytes,
        s.load1,
        s.load5,
        s.load15,
        s.uptime_secs,
        s.process_count,
    );
    for c in &s.cpu_cores {
        out += &format!("\ncore {} {:?}", c.core, round(Some(c.percent)));
    }
    for i in &s.network {
        out += &format!(
            "\nnet {} rx={} tx={} rx/s={:?} tx/s={:?}",
            i.name,
            i.rx_bytes,
            i.tx_bytes,
            round(i.rx_bytes_per_sec),
            round(i.tx_bytes_per_sec)
        );
    }
    for d in &s.disks {
        out += &format!(
            "\ndisk {} r={}/{} w={}/{} r/s={:?} w/s={:?} riops={:?} wiops={:?}",
            d.name,
            d.read_bytes,
            d.reads,
            d.write_bytes,
            d.writes,
            round(d.read_bytes_per_sec),
            round(d.write_bytes_per_sec),
            round(d.read_iops),
            round(d.write_iops)
        );
    }
    for fs in &s.filesystems {
        out += &format!(
            "\n{} {} {} {} {}",
            fs.source, fs.mount, fs.size_bytes, fs.used_bytes, fs.avail_bytes
        );
    }
    out
}

fn check(output: &str, expected: &str) {
    let (parsed, warnings) = marked(output);
    assert_eq!(warnings, vec![]);
    assert_eq!(render(&parsed.sample), expected.trim());
}

#[test]
fn real_capture() {
    check(
        FIRST,
        "
cpu=None mem=Some(23793586176)/Some(25276510208) swap=Some(0)/Some(0)/Some(0) load=Some(5.83),Some(6.69),Some(4.19) uptime=Some(5347) procs=Some(103)
net ifb0 rx=0 tx=0 rx/s=None tx/s=None
net ifb1 rx=0 tx=0 rx/s=None tx/s=None
net eth0 rx=248114126 tx=383140 rx/s=None tx/s=None
disk vda r=21139321856/464528 w=31885471744/110106 r/s=None w/s=None riops=None wiops=None
/dev/vda / 270553174016 29327515648 68245233664",
    );
}

#[test]
fn cpu_percent_from_two_captures() {
    let (a, _) = marked(FIRST);
    let (b, _) = marked(SECOND);
    let (a, b) = (a.cpu.unwrap(), b.cpu.unwrap());
    assert_eq!(
        b.percent_since(&a).map(|c| (c * 1000.0).round() / 1000.0),
        Some(100.0),
        "busy machine"
    );
    assert_eq!(a.percent_since(&b), None, "counters going backwards (reboot) give no value");
    assert_eq!(a.percent_since(&a), None, "no time passed");
    let partial = CpuTimes { busy: 100 + 56 + 26, idle: 1000 + 117 };
    let base = CpuTimes { busy: 100, idle: 1000 };
    assert_eq!(partial.percent_since(&base).map(|c| (c * 1000.0).round() / 1000.0), Some(41.206));
}

#[test]
fn damaged_and_old_formats() {
    let input = "junk\n@@stat\ncpu  1 2 3\n@@meminfo\nMemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\n\
                 Cached: 20 kB\n@@loadavg\n0.5 x\n@@nope\nwhatever\n@@uptime\n-1\n@@df\n/dev/sda1 1 2\n";
    let (parsed, warnings) = marked(input);
    assert_eq!(parsed.sample.mem_available_bytes, Some(35 * 1024), "pre-3.14 fallback");
    assert_eq!(parsed.sample.load1, Some(0.5));
    assert_eq!(parsed.cpu, None);
    let lines: Vec<_> = warnings.iter().map(|w| w.line.unwrap_or(0)).collect();
    assert_eq!(lines, [1, 3, 10, 11, 14, 16]);
    assert_eq!(parsed.sections, 5);
}

#[test]
fn damaged_new_sections() {
    let input = "@@stat\ncpu  1 0 1 8 0 0 0 0\ncpu0 1 0 1 8\ncpuX 1 2 3 4\ncpu1 1 x\n@@netdev\n\
                 Inter-|   Receive\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\neth0: 5\n\
                 wg0: 7 0 0 0 0 0 0 0 9 0 0 0 0 0 0 0\n@@diskstats\n 8 0 sda 1 0 2 0 3 0 4 0 0 0 0\n\
                 8 1 sda1 1 0 2 0 3 0 4 0 0 0 0\nbad\n@@procs\nmany\n@@meminfo\nSwapTotal: 10 kB\n\
                 SwapFree: 4 kB\n";
    let (parsed, warnings) = marked(input);
    let lines: Vec<_> = warnings.iter().map(|w| w.line.unwrap_or(0)).collect();
    assert_eq!(lines, [4, 5, 9, 14, 16]);
    assert_eq!(parsed.cores.iter().map(|(c, _)| *c).collect::<Vec<_>>(), [0]);
    let names = |v: Vec<String>| v.join(",");
    assert_eq!(names(parsed.sample.network.iter().map(|i| i.name.clone()).collect()), "wg0");
    assert_eq!(names(parsed.sample.disks.iter().map(|d| d.name.clone()).collect()), "sda");
    assert_eq!(parsed.sample.disks[0].write_bytes, 4 * 512);
    assert_eq!(parsed.sample.process_count, None);
    assert_eq!(parsed.sample.swap_used_bytes, Some(6 * 1024));
}

/// Negative or non-finite load averages and names with control bytes are not stored.
#[test]
fn hostile_values_and_names() {
    let input = "@@loadavg\nNaN -1.5 inf 1/100 1\n@@netdev\n\
                 e\u{1b}th0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n\
                 eth1: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n@@diskstats\n 8 0 s\u{0}da 1 0 2 0 3 0 4 0 0 0 0\n";
    let (parsed, warnings) =
        parse_metrics(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at());
    let s = &parsed.sample;
    assert_eq!((s.load1, s.load5, s.load15), (None, None, None));
    assert_eq!(s.network.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["eth1"]);
    assert_eq!(s.disks, vec![]);
    let lines: Vec<_> = warnings.iter().map(|w| w.line.unwrap_or(0)).collect();
    assert_eq!(lines, [2, 4, 7]);
}

fn ctx(transport: &Scripted) -> PollContext<'_> {
    PollContext {
        transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    }
}

fn sample(events: Vec<EventKind>) -> MetricsSample {
    match events.as_slice() {
        [EventKind::MetricsSampled { sample }] => sample.clone(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn probe_computes_cpu_and_rates_from_the_previous_poll() {
    let transport = Scripted::new([
        ("metrics", 0, FIRST),
        ("sensors", 0, SENSORS_MULTICHIP),
        ("metrics", 0, SECOND),
        ("sensors", 0, SENSORS_MULTICHIP),
        ("metrics", 0, "nothing useful"),
    ]);
    let mut probe = MetricsProbe::default();
    let first = sample(probe.poll(&ctx(&transport)).await.unwrap());
    assert_eq!((first.cpu_percent, first.cpu_cores.len()), (None, 0));
    assert_eq!(first.temperatures.len(), 8);
    let second = sample(probe.poll(&ctx(&transport)).await.unwrap());
    let rendered = render(&second);
    // The machine was fully busy (idle ticks unchanged); eth0 was quiet; vda read 12288 bytes
    // (2 reads) in the 1.04 s between the two `/proc/uptime` readings.
    let expected = "
core 0 Some(100.0)
core 1 Some(100.0)
net ifb0 rx=0 tx=0 rx/s=Some(0.0) tx/s=Some(0.0)
net ifb1 rx=0 tx=0 rx/s=Some(0.0) tx/s=Some(0.0)
net eth0 rx=248114126 tx=383140 rx/s=Some(0.0) tx/s=Some(0.0)
disk vda r=21139334144/464530 w=31902789632/110117 r/s=Some(11815.38) w/s=Some(16651815.38) riops=Some(1.92) wiops=Some(10.58)
/dev/vda / 270553174016 29331369984 68241379328";
    assert_eq!(rendered.split_once('\n').map(|(_, rest)| rest).unwrap_or(""), expected.trim());
    assert_eq!(second.cpu_percent, Some(100.0));
    let err = probe.poll(&ctx(&transport)).await.unwrap_err();
    assert!(matches!(err, ProbeError::Output { command: "metrics", .. }), "{err}");
}

#[tokio::test]
async fn missing_sensors_are_asked_again_only_now_and_then() {
    let mut replies = vec![("metrics", 0, FIRST), ("sensors", 127, "")];
    for i in 1..12 {
        replies.push(("metrics", 0, if i % 2 == 0 { FIRST } else { SECOND }));
    }
    // The twelfth poll after a "not installed" asks again: it was installed meanwhile.
    replies.extend([("metrics", 0, FIRST), ("sensors", 0, SENSORS_MULTICHIP)]);
    replies.extend([("metrics", 0, SECOND), ("sensors", 0, SENSORS_MULTICHIP)]);
    let transport = Scripted::new(replies);
    let mut probe = MetricsProbe::default();
    for _ in 0..12 {
        assert_eq!(sample(probe.poll(&ctx(&transport)).await.unwrap()).temperatures, vec![]);
    }
    assert_eq!(sample(probe.poll(&ctx(&transport)).await.unwrap()).temperatures.len(), 8);
    assert_eq!(sample(probe.poll(&ctx(&transport)).await.unwrap()).temperatures.len(), 8);
    assert_eq!(transport.unused(), 0);
}

#[tokio::test]
async fn missing_sensors_are_not_retried() {
    let transport = Scripted::new([
        ("metrics", 0, FIRST),
        ("sensors", 127, ""),
        ("metrics", 0, SECOND),
        ("metrics", 0, FIRST),
        ("sensors", 1, SENSORS_NONE),
        ("metrics", 0, SECOND),
    ]);
    let mut probe = MetricsProbe::default();
    for _ in 0..2 {
        assert_eq!(sample(probe.poll(&ctx(&transport)).await.unwrap()).temperatures, vec![]);
    }
    let mut probe = MetricsProbe::default();
    for _ in 0..2 {
        assert_eq!(sample(probe.poll(&ctx(&transport)).await.unwrap()).temperatures, vec![]);
    }
    assert_eq!(transport.unused(), 0, "sensors not run again on the next polls");
}

#[test]
fn sensors_multichip() {
    let (temps, warnings) = parse_sensors(SENSORS_MULTICHIP, at());
    assert_eq!(warnings, vec![]);
    let expected = "
acpitz-acpi-0 / temp1: 27.8 high=None crit=Some(105.0)
coretemp-isa-0000 / Core 0: 45 high=Some(80.0) crit=Some(100.0)
coretemp-isa-0000 / Core 1: 47 high=Some(80.0) crit=Some(100.0)
coretemp-isa-0000 / Package id 0: 48 high=Some(80.0) crit=Some(100.0)
nct6798-isa-0290 / AUXTIN0: -62 high=None crit=None suspect=outside -40…150 °C
nct6798-isa-0290 / SYSTIN: 31 high=Some(80.0) crit=None
nvme-pci-0100 / Composite: 38.85 high=Some(81.85) crit=Some(84.85)
nvme-pci-0100 / Sensor 1: 38.85 high=None crit=None";
    // AUXTIN0 (-62 °C, disconnected input) is marked; fans, voltages and intrusion are left out.
    assert_eq!(render_temps(&temps), expected.trim());
    assert_eq!(parse_sensors(SENSORS_NONE, at()), (vec![], vec![]));
    assert_eq!(parse_sensors("", at()), (vec![], vec![]));
    assert_eq!(parse_sensors("[1]", at()).1.len(), 1);
    assert_eq!(parse_sensors("{\"chip\": 3, \"ok\": {}}", at()).1.len(), 1);
}

fn render_temps(temps: &[Temperature]) -> String {
    let rendered: Vec<String> = temps
        .iter()
        .map(|t| {
            let suspect = t.suspect.as_ref().map(|s| format!(" suspect={s}")).unwrap_or_default();
            format!(
                "{} / {}: {} high={:?} crit={:?}{suspect}",
                t.chip, t.label, t.celsius, t.high, t.critical
            )
        })
        .collect();
    rendered.join("\n")
}

/// Unconnected and broken inputs are kept but never pass for real temperatures; a drive
/// really above its critical limit does.
#[test]
fn sensors_unconnected_inputs_are_suspect() {
    let (temps, warnings) = parse_sensors(SENSORS_UNCONNECTED, at());
    let expected = "
acpitz-acpi-0 / temp1: 27.8 high=None crit=Some(105.0)
it8728-isa-0a30 / temp1: 36 high=Some(70.0) crit=None
it8728-isa-0a30 / temp3: -128 high=Some(127.0) crit=None suspect=-128 °C is what an unconnected input reads
max6581-i2c-1-4d / temp2: 0 high=Some(127.0) crit=Some(127.0) suspect=the input reports a fault
nct6798-isa-0290 / AUXTIN0: 111 high=Some(80.0) crit=Some(100.0) suspect=above its own critical limit 100 °C with its alarm set: unconnected input
nct6798-isa-0290 / AUXTIN1: 127 high=Some(80.0) crit=None suspect=127 °C is what an unconnected input reads
nct6798-isa-0290 / AUXTIN2: -1 high=Some(80.0) crit=Some(100.0)
nct6798-isa-0290 / CPUTIN: 37 high=Some(80.0) crit=Some(100.0)
nct6798-isa-0290 / PCH_CHIP_TEMP: 0 high=None crit=None suspect=exactly 0 °C is what an unconnected input reads
nct6798-isa-0290 / SYSTIN: 120 high=Some(80.0) crit=Some(100.0) suspect=above its own critical limit 100 °C: unconnected input
nvme-pci-0400 / Composite: 86.85 high=Some(81.85) crit=Some(84.85)
nvme-pci-0400 / Sensor 2: -273.15 high=None crit=None suspect=absolute zero: no reading";
    assert_eq!(render_temps(&temps), expected.trim());
    let warnings: Vec<_> = warnings.into_iter().map(|w| w.message).collect();
    assert_eq!(warnings, ["acpitz-acpi-0 / temp2: reading 5000.0 is not a temperature"]);
    let real = temps.iter().filter(|t| t.suspect.is_none()).count();
    assert_eq!(real, 5, "only plausible readings count as temperatures");
}

#[test]
fn sensors_hostile_names_and_values() {
    let long = "x".repeat(5 << 20);
    let input = format!(
        r#"{{"chip\u0000x": {{"a": {{"temp1_input": 40.0}}}},
            "ok-isa-0": {{"{long}": {{"temp1_input": 40.0}}, "b\u001b[2J": {{"temp1_input": 41.0}},
                          "c": {{"temp1_input": -1e300}}, "d": {{"temp1_input": 42.0}}}}}}"#
    );
    let (temps, warnings) = parse_sensors(&input, at());
    assert_eq!(render_temps(&temps), "ok-isa-0 / d: 42 high=None crit=None");
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.message.len() < 300));
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
        (0..20_000)
            .map(|_| {
                ["@@netdev\n", "@@diskstats\n", "@@procs\n", "cpu7 ", "eth0:", "sda ", "1 ", "\n"]
                    [rng.usize(..8)]
            })
            .collect(),
        "{\"c\":{\"l\":{\"temp1_input\":1e999,\"temp_input\":5,\"temp1_max\":\"x\"}}}".into(),
        "[".repeat(100_000),
    ];
    for input in [FIRST, SECOND] {
        for (i, _) in input.char_indices() {
            let _ = marked(&input[..i]);
        }
    }
    for input in [SENSORS_MULTICHIP, SENSORS_NONE, SENSORS_UNCONNECTED] {
        for (i, _) in input.char_indices() {
            let _ = parse_sensors(&input[..i], at());
        }
    }
    for input in &garbage {
        let _ = marked(input);
        let _ = parse_sensors(input, at());
        let _ = marked(input.get(..input.len() / 2).unwrap_or(""));
    }
}
