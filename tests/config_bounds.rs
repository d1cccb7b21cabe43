//! Integration tests of the bounds of every duration and number in the config: out of range is
//! an error with file:line, values too big to represent are errors too, never a panic.

use std::time::Duration;

use infrastructor::config::bounds;

mod config_support;
use config_support::{DEV, accept, check};

/// Every duration field: the table it lives in, its key, its bounds and its dotted name.
fn duration_fields() -> Vec<(String, &'static str, bounds::Span, String)> {
    let mut fields = vec![
        ("[fleet]".to_owned(), "connect_timeout", bounds::CONNECT_TIMEOUT),
        ("[fleet]".to_owned(), "command_timeout", bounds::COMMAND_TIMEOUT),
        ("[fleet]".to_owned(), "keepalive", bounds::KEEPALIVE),
        ("[fleet]".to_owned(), "reconnect_min", bounds::RECONNECT_MIN),
        ("[fleet]".to_owned(), "reconnect_max", bounds::RECONNECT_MAX),
        ("[fleet.restart]".to_owned(), "window", bounds::RESTART_WINDOW),
        ("[fleet.restart]".to_owned(), "backoff_min", bounds::RESTART_BACKOFF),
        ("[fleet.restart]".to_owned(), "backoff_max", bounds::RESTART_BACKOFF),
        ("[retention]".to_owned(), "sample_events", bounds::RETENTION_SAMPLE_EVENTS),
        ("[retention]".to_owned(), "change_events", bounds::RETENTION),
        ("[retention]".to_owned(), "raw_samples", bounds::RETENTION),
        ("[retention]".to_owned(), "rollups", bounds::RETENTION),
        ("[retention]".to_owned(), "health", bounds::RETENTION),
    ];
    for probe in ["containers", "metrics", "drives", "zfs", "arrays", "vms", "services", "updates"]
    {
        let table = format!("[defaults.probes.{probe}]");
        fields.push((table, "interval", bounds::PROBE_INTERVAL));
    }
    fields
        .into_iter()
        .map(|(table, key, span)| {
            let name = format!("{}.{key}", table.trim_matches(['[', ']']));
            (table, key, span, name)
        })
        .collect()
}

#[test]
fn documented_bounds() {
    let s = |a, b| bounds::Span { min: Duration::from_secs(a), max: Duration::from_secs(b) };
    assert_eq!(bounds::CONNECT_TIMEOUT, s(1, 3600));
    assert_eq!(bounds::COMMAND_TIMEOUT, s(1, 3600));
    assert_eq!(bounds::KEEPALIVE, s(1, 3600));
    assert_eq!(bounds::PROBE_INTERVAL, s(1, 7 * 86_400));
    assert_eq!(bounds::OFFLINE_AFTER, (1, 100));
    assert_eq!(bounds::MAX_CHANNELS, (1, 8));
}

#[test]
fn durations_out_of_range_are_errors_with_location() {
    for (table, key, span, name) in duration_fields() {
        let text = |v: &str| format!("{table}\n{key} = \"{v}\"\n");
        let col = key.len() + 4;
        let min = infrastructor::config::format_duration(span.min);
        let max = infrastructor::config::format_duration(span.max);
        check(&text("0s"), &format!("config/x.toml:2:{col}: {name}: must be more than zero"));
        check(
            &text("500ms"),
            &format!(
                "config/x.toml:2:{col}: {name}: must be between {min} and {max}, got \"500ms\""
            ),
        );
        let over = infrastructor::config::format_duration(span.max + Duration::from_secs(1));
        check(&text(&over), &format!("{name}: must be between {min} and {max}, got \"{over}\""));
        // Too long for a Duration, or just absurd: errors, never a panic or a wrap-around.
        for huge in [
            "99999999999999h",
            "5000000000000000h",
            "99999999999999999999s",
            "9d9999999999999999999d",
        ] {
            check(&text(huge), &format!("config/x.toml:2:{col}: {name}: must be"));
        }
        check(
            &text("18446744073709551615h"),
            &format!("{name}: must be at most {max}, got \"18446744073709551615h\""),
        );
    }
}

#[test]
fn durations_at_the_bounds_are_accepted() {
    for (table, key, span, _) in duration_fields() {
        for d in [span.min, span.max] {
            let v = infrastructor::config::format_duration(d);
            // backoff_min/reconnect_min must not exceed their max: set both to the same value.
            let pair = match key {
                "reconnect_min" => format!("reconnect_max = \"{v}\"\n"),
                "backoff_min" => format!("backoff_max = \"{v}\"\n"),
                _ => String::new(),
            };
            accept(&format!("{table}\n{key} = \"{v}\"\n{pair}"));
        }
    }
    let cfg = accept(&format!("{DEV}[devices.probes.updates]\ninterval = \"7d\"\n"));
    assert_eq!(cfg.devices[0].probes.updates.interval, Duration::from_secs(7 * 86_400));
    check(
        &format!("{DEV}[devices.probes.updates]\ninterval = \"8d\"\n"),
        "config/x.toml:5:12: devices[0].probes.updates.interval: must be between 1s and 7d, got \"8d\"",
    );
}

#[test]
fn numbers_out_of_range_are_errors_with_location() {
    for (text, expect) in [
        (
            "[fleet]\nmax_channels = 10000\n",
            "config/x.toml:2:16: fleet.max_channels: must be between 1 and 8 (one more is reserved for quick reads and one for liveness checks; OpenSSH's MaxSessions is 10), got 10000",
        ),
        ("[fleet]\nmax_channels = -1\n", "fleet.max_channels: must be between 1 and 8"),
        (
            "[fleet]\noffline_after = 0\n",
            "config/x.toml:2:17: fleet.offline_after: must be between 1 and 100 consecutive failed polls, got 0",
        ),
        (
            "[fleet]\noffline_after = 99999999999\n",
            "fleet.offline_after: must be between 1 and 100 consecutive failed polls, got 99999999999",
        ),
        ("[fleet]\noffline_after = -5\n", "fleet.offline_after: must be between 1 and 100"),
        (
            "[fleet.restart]\nmax_restarts = 4294967296\n",
            "config/x.toml:2:16: fleet.restart.max_restarts: must be between 0 and 100, got 4294967296",
        ),
        (
            "[fleet.restart]\nmax_restarts = -1\n",
            "fleet.restart.max_restarts: must be between 0 and 100, got -1",
        ),
        // Beyond i64: the TOML itself does not parse; still file:line, no panic.
        ("[fleet]\noffline_after = 99999999999999999999\n", "config/x.toml:2:17:"),
        (
            "[defaults]\nport = 99999999999\n",
            "config/x.toml:2:8: defaults.port: invalid value: integer `99999999999`",
        ),
    ] {
        check(text, expect);
    }
    let cfg = accept(
        "[fleet]\noffline_after = 100\nmax_channels = 8\n[fleet.restart]\nmax_restarts = 0\n",
    );
    assert_eq!((cfg.fleet.offline_after, cfg.fleet.max_channels), (100, 8));
    assert_eq!(cfg.fleet.restart.max_restarts, 0);
}

#[test]
fn empty_user_is_an_error() {
    check(&format!("{DEV}user = \" \"\n"), "config/x.toml:4:8: devices[0].user: must not be empty");
    check(
        &format!("[defaults]\nuser = \"\"\n{DEV}"),
        "config/x.toml:2:8: defaults.user: must not be empty",
    );
}

#[test]
fn example_config_documents_every_bound() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/infrastructor.example.toml");
    let example = std::fs::read_to_string(path).unwrap();
    let fmt = infrastructor::config::format_duration;
    let lines: Vec<&str> = example.lines().collect();
    for (_, key, span, name) in duration_fields() {
        let range = format!("{}..{}", fmt(span.min), fmt(span.max));
        // The comment block above `# key = ...` (or `key = ...`) names the range.
        let at =
            lines.iter().position(|l| l.trim_start_matches("# ").starts_with(&format!("{key} =")));
        let at = at.unwrap_or_else(|| panic!("{name}: {key} not in the example"));
        let above = lines[at.saturating_sub(5)..at].join("\n");
        let documented =
            if name.contains("probes") { example.contains(&range) } else { above.contains(&range) };
        assert!(documented, "{name}: {range} not documented above {key}:\n{above}");
    }
    for (lo, hi) in [bounds::OFFLINE_AFTER, bounds::MAX_CHANNELS, bounds::MAX_RESTARTS] {
        assert!(example.contains(&format!("{lo}..{hi}")), "{lo}..{hi} not documented");
    }
}

#[test]
fn retention_settings_reach_the_config_and_default_when_absent() {
    let cfg = accept("[retention]\nraw_samples = \"10d\"\nsample_events = \"6h\"\n");
    assert_eq!(cfg.retention.raw_samples, Duration::from_secs(10 * 86_400));
    assert_eq!(cfg.retention.sample_events, Duration::from_secs(6 * 3600));
    let d = infrastructor_actors::store::Retention::default();
    assert_eq!(cfg.retention.rollups, d.rollups);
    assert_eq!(accept("").retention, d);
    check("[retention]\nforever = \"1d\"\n", "unknown field `forever`");
}
