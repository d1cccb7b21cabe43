//! Docker's human units: sizes like `1.5MiB` or `12.3kB`, pairs like `1MB / 2GiB`, `12.3%`,
//! and the engine's RFC 3339 times.

use chrono::DateTime;

/// Bytes in `s`, e.g. `0B`, `696KiB`, `23.54GiB`, `1.2kB`, `3.4MB`. `None` if unreadable.
///
/// Docker prints memory with binary units (`KiB`, `MiB`…) and I/O with decimal ones (`kB`,
/// `MB`…); both are accepted, case-insensitively apart from the `i`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number.parse().ok()?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "pb" | "p" => 1e15,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "pib" => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = (value * multiplier).round();
    // `as` saturates; reject what cannot be a real size instead.
    (0.0..1.8e19).contains(&bytes).then_some(bytes as u64)
}

/// Both sides of `a / b`, e.g. `696KiB / 23.54GiB`. `--` (no data) gives `None` on that side.
pub fn parse_size_pair(s: &str) -> (Option<u64>, Option<u64>) {
    match s.split_once('/') {
        Some((a, b)) => (parse_size(a), parse_size(b)),
        None => (None, None),
    }
}

/// A percentage like `12.34%`. `None` for `--` or garbage.
pub fn parse_percent(s: &str) -> Option<f64> {
    let v: f64 = s.trim().strip_suffix('%')?.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// A start or finish time as the engine prints it (RFC 3339), or `None`: for the zero time
/// the engine prints for "never", and for anything that is not a time (garbage is never kept,
/// so it cannot fake or hide a restart).
pub fn engine_time(t: Option<String>) -> Option<String> {
    t.filter(|t| !t.starts_with("0001-") && DateTime::parse_from_rfc3339(t).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0B"), Some(0));
        assert_eq!(parse_size("696KiB"), Some(696 * 1024));
        assert_eq!(parse_size("1.5MiB"), Some(1_572_864));
        assert_eq!(parse_size("2GiB"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("23.54GiB"), Some(25_275_882_537));
        assert_eq!(parse_size("12.3kB"), Some(12_300));
        assert_eq!(parse_size("3.4MB"), Some(3_400_000));
        assert_eq!(parse_size("1GB"), Some(1_000_000_000));
        assert_eq!(parse_size("1TB"), Some(1_000_000_000_000));
        assert_eq!(parse_size("1TiB"), Some(1_099_511_627_776));
        assert_eq!(parse_size(" 7 B "), Some(7));
        assert_eq!(parse_size("--"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("1.2.3MB"), None);
        assert_eq!(parse_size("12XB"), None);
        assert_eq!(parse_size("99999999999999999999999PiB"), None);
    }

    #[test]
    fn pairs_and_percents() {
        assert_eq!(parse_size_pair("1.5MiB / 2GiB"), (Some(1_572_864), Some(2_147_483_648)));
        assert_eq!(parse_size_pair("0B / 0B"), (Some(0), Some(0)));
        assert_eq!(parse_size_pair("-- / --"), (None, None));
        assert_eq!(parse_size_pair("garbage"), (None, None));
        assert_eq!(parse_percent("12.3%"), Some(12.3));
        assert_eq!(parse_percent("0.00%"), Some(0.0));
        assert_eq!(parse_percent("--"), None);
        assert_eq!(parse_percent("NaN%"), None);
    }
}
