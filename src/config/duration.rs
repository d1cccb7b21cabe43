//! Human durations in the config file ("250ms", "30s", "5m", "1h", "1d", "1h30m"): parse and print.

use std::time::Duration;

/// Parses a human duration: one or more `<integer><unit>` parts, units `ms`, `s`, `m`, `h`, `d`.
///
/// Returns a lowercase message (no location) on failure; zero is accepted here and rejected
/// by the caller where it makes no sense.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration \"{text}\" (expected e.g. \"250ms\", \"30s\", \"5m\", \"1h\")")
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Some(Duration::from_millis(value)),
            "s" => Some(Duration::from_secs(value)),
            "m" => value.checked_mul(60).map(Duration::from_secs),
            "h" => value.checked_mul(3600).map(Duration::from_secs),
            "d" => value.checked_mul(86_400).map(Duration::from_secs),
            _ => return Err(bad()),
        };
        total = part.and_then(|p| total.checked_add(p)).ok_or_else(bad)?;
    }
    Ok(total)
}

/// Prints a duration the way a user would write it in the config ("250ms", "30s", "5m", "1h30m").
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".to_owned();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut secs = d.as_secs();
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= len {
            out.push_str(&format!("{}{unit}", secs / len));
            secs %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Option<u64>) {
        let got = parse_duration(input).ok().map(|d| d.as_millis() as u64);
        assert_eq!(got, expect, "input {input:?}");
    }

    #[test]
    fn parses_human_durations() {
        check("250ms", Some(250));
        check("30s", Some(30_000));
        check("5m", Some(300_000));
        check("1h", Some(3_600_000));
        check("1d", Some(86_400_000));
        check("1h30m", Some(5_400_000));
        check(" 2s ", Some(2000));
        check("0s", Some(0));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "abc", "5", "s", "5x", "-5s", "1.5s", "5 s", "99999999999999999999s"] {
            check(bad, None);
        }
        check("18446744073709551615h", None);
    }

    #[test]
    fn error_names_the_input() {
        let err = parse_duration("abc").unwrap_err();
        assert!(err.contains("\"abc\""), "{err}");
    }

    #[test]
    fn formats_round_trip() {
        for s in ["250ms", "30s", "5m", "1h", "1h30m", "1d", "1500ms"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(format_duration(d), s);
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }
}
