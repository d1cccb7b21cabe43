//! `systemctl list-units --state=failed --all --no-legend --plain --no-pager`: one unit per
//! line, `unit load active sub description…`.
//!
//! Older systemd (and newer without `--plain` honoured for list-units) prefix failed units
//! with a `●` (or `*` on non-UTF-8 terminals) column; it is skipped. Units are sorted by
//! name and de-duplicated.

use chrono::{DateTime, Utc};

use crate::model::services::FailedUnit;
use crate::probes::Warning;
use crate::probes::sane::{TEXT_MAX, clean_name, clean_text, shown};

/// Parses the text output of the `failed_units` command.
pub fn parse_failed_units(
    output: &str,
    _observed_at: DateTime<Utc>,
) -> (Vec<FailedUnit>, Vec<Warning>) {
    let mut units: Vec<FailedUnit> = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in output.lines().enumerate() {
        let line = line.trim();
        let line = line.strip_prefix('●').or_else(|| line.strip_prefix("* ")).unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(unit), Some(load), Some(active), Some(sub)) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            warnings.push(Warning::at(i + 1, "expected `unit load active sub description`"));
            continue;
        };
        let unit = match clean_name(unit) {
            Ok(unit) if unit.contains('.') => unit,
            Ok(_) => {
                warnings.push(Warning::at(i + 1, format!("`{}` is not a unit name", shown(unit))));
                continue;
            }
            Err(why) => {
                warnings.push(Warning::at(i + 1, format!("unit `{}`: {why}", shown(unit))));
                continue;
            }
        };
        let description = clean_text(&words.collect::<Vec<_>>().join(" "), TEXT_MAX);
        let word = |w: &str| clean_name(w).unwrap_or_default();
        units.push(FailedUnit {
            unit,
            load: word(load),
            active: word(active),
            sub: word(sub),
            description,
        });
    }
    units.sort_by(|a, b| a.unit.cmp(&b.unit));
    units.dedup_by(|a, b| a.unit == b.unit);
    (units, warnings)
}
