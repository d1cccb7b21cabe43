//! Plausibility checks shared by the parsers: names without control bytes and of sane length,
//! free text capped, numbers within the range they can physically have.
//!
//! A value that fails is not stored as a fact: the parser drops the item (or the field) and
//! says so in a [`Warning`](super::Warning).

use std::fmt;

/// Longest name kept (container, pool, dataset, vdev, unit, VM, package, drive model/serial,
/// chip, array, member), in bytes. Real ones are far shorter (ZFS allows 255).
pub const NAME_MAX: usize = 256;

/// Longest free text kept (descriptions, status texts, tool messages), in bytes.
pub const TEXT_MAX: usize = 4096;

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Nothing (or only white space).
    Empty,
    /// Longer than [`NAME_MAX`] bytes; the length in bytes.
    TooLong(usize),
    /// Contains a NUL or another control character (C0, DEL or C1).
    ControlByte,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty name"),
            Self::TooLong(n) => write!(f, "name of {n} bytes (more than {NAME_MAX})"),
            Self::ControlByte => f.write_str("name contains a control character"),
        }
    }
}

/// `s` as a name: non-empty, at most [`NAME_MAX`] bytes, without control characters. Leading
/// and trailing white space is not part of a name and is trimmed first.
pub fn clean_name(s: &str) -> Result<String, Reason> {
    let s = s.trim_matches([' ', '\t', '\n', '\r']);
    if s.is_empty() {
        return Err(Reason::Empty);
    }
    if s.len() > NAME_MAX {
        return Err(Reason::TooLong(s.len()));
    }
    if s.chars().any(char::is_control) {
        return Err(Reason::ControlByte);
    }
    Ok(s.to_string())
}

/// A name for a warning message: at most 60 characters, control characters escaped.
pub fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(60).flat_map(char::escape_debug).collect();
    if s.chars().nth(60).is_some() {
        out.push('…');
    }
    out
}

/// Free text for storing: control characters replaced by spaces, capped at
/// `max` bytes on a character boundary.
pub fn clean_text(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// `v` if it is finite and within `lo..=hi`.
pub fn within(v: f64, lo: f64, hi: f64) -> Option<f64> {
    (v.is_finite() && v >= lo && v <= hi).then_some(v)
}

/// `v` if it is a percentage of something whole (0–100).
pub fn percent(v: f64) -> Option<f64> {
    within(v, 0.0, 100.0)
}

/// The lowest temperature there is, °C.
pub const ABSOLUTE_ZERO_C: f64 = -273.15;

/// Temperatures a sensor on earth can read at all, °C: from absolute zero to far above any
/// electronics' failure (a chip at 1000 °C is molten). Outside: not a reading.
pub const PHYSICAL_C: (f64, f64) = (ABSOLUTE_ZERO_C, 1000.0);

/// Drive temperatures kept, °C: what a working or failing drive can report; smartctl shows
/// packed or garbage raw values (e.g. 255, 4294967295) outside this range.
pub const DRIVE_C: (i64, i64) = (-40, 150);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(clean_name(" tank "), Ok("tank".into()));
        assert_eq!(clean_name("Samsung SSD 870 EVO 1TB"), Ok("Samsung SSD 870 EVO 1TB".into()));
        assert_eq!(clean_name("été"), Ok("été".into()));
        assert_eq!(clean_name(""), Err(Reason::Empty));
        assert_eq!(clean_name(" \t"), Err(Reason::Empty));
        assert_eq!(clean_name("a\0b"), Err(Reason::ControlByte));
        assert_eq!(clean_name("a\x1b[31mb"), Err(Reason::ControlByte));
        assert_eq!(clean_name("a\u{7f}"), Err(Reason::ControlByte));
        assert_eq!(clean_name("a\u{85}"), Err(Reason::ControlByte));
        assert_eq!(clean_name("a\nb"), Err(Reason::ControlByte));
        assert_eq!(clean_name(&"x".repeat(NAME_MAX)).map(|s| s.len()), Ok(NAME_MAX));
        assert_eq!(clean_name(&"x".repeat(5 << 20)), Err(Reason::TooLong(5 << 20)));
        assert_eq!(Reason::TooLong(300).to_string(), "name of 300 bytes (more than 256)");
    }

    #[test]
    fn texts_and_numbers() {
        assert_eq!(clean_text("a\0b\x1bc", 100), "a b c");
        assert_eq!(clean_text("ééé", 5), "éé");
        assert_eq!(shown("a\0b"), "a\\0b");
        assert_eq!(shown(&"y".repeat(100)).chars().count(), 61);
        assert_eq!(within(5.0, 0.0, 10.0), Some(5.0));
        for bad in [f64::NAN, f64::INFINITY, -0.5, 10.5] {
            assert_eq!(within(bad, 0.0, 10.0), None, "{bad}");
        }
        assert_eq!(percent(100.0), Some(100.0));
        assert_eq!(percent(-1.0), None);
    }
}
