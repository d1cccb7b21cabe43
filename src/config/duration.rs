//! Human durations in the config file ("250ms", "30s", "5m", "1h", "1d", "1h30m"): parse and print.

use std::time::Duration;

/// Why a duration did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not of the form `<integer><unit>...`.
    Invalid,
    /// Well-formed, but longer than a `Duration` can hold (about 584 billion years).
    TooLong,
}

/// Parses a human duration: one or more `<integer><unit>` parts, units `ms`, `s`, `m`, `h`, `d`.
///
/// Returns a lowercase message (no location) on failure; zero is accepted here and rejected
/// by the caller where it makes no sense.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    parse(text).map_err(|e| match e {
        DurationError::Invalid => format!(
            "invalid duration \"{text}\" (expected e.g. \"250ms\", \"30s\", \"5m\", \"1h\")"
        ),
        DurationError::TooLong => format!("duration \"{text}\" is too long"),
    })
}

/// [`parse_duration`] with a typed error, so callers can tell overflow from garbage.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(DurationError::Invalid);
    }
    let mut total = Some(Duration::ZERO);
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(DurationError::Invalid);
        }
        // All digits: the only parse failure left is a number too big for u64.
        let value: Option<u64> = rest[..digits].parse().ok();
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ms" => None,
            "s" => Some(1),
            "m" => Some(60),
            "h" => Some(3600),
            "d" => Some(86_400),
            _ => return Err(DurationError::Invalid),
        };
        let part = value.and_then(|v| match scale {
            None => Some(Duration::from_millis(v)),
            Some(k) => v.checked_mul(k).map(Duration::from_secs),
        });
        total = total.zip(part).and_then(|(t, p)| t.checked_add(p));
    }
    total.ok_or(DurationError::TooLong)
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
        assert!(err.contains("invalid duration \"abc\""), "{err}");
        let err = parse_duration("99999999999999999999s").unwrap_err();
        assert_eq!(err, "duration \"99999999999999999999s\" is too long");
    }

    #[test]
    fn overflow_is_told_apart_from_garbage() {
        for long in ["99999999999999999999s", "18446744073709551615h", "5124095576030431h1h"] {
            assert_eq!(parse(long), Err(DurationError::TooLong), "{long}");
        }
        for bad in ["99999999999999999999x", "1h 1", "h1"] {
            assert_eq!(parse(bad), Err(DurationError::Invalid), "{bad}");
        }
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
