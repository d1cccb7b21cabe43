//! `sensors -j` (lm-sensors ≥ 3.5): temperatures of every chip.
//!
//! The JSON is `{chip: {"Adapter": "...", label: {"tempN_input": 45.0, "tempN_max": 80.0,
//! "tempN_crit": 100.0, ...}, ...}, ...}`. Features without a `tempN_input` (fans, voltages,
//! intrusion switches) are ignored. Readings outside -40…150 °C are dropped (a disconnected
//! motherboard input reads e.g. -62 or 127), as are thresholds outside -40…200 °C (NVMe drives
//! report `65261.85` for "no limit"). Chips and labels come out in name order.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::model::Temperature;
use crate::probes::Warning;

/// Plausible readings, °C (exclusive bounds).
const READING: (f64, f64) = (-40.0, 150.0);
/// Plausible thresholds, °C (exclusive bounds).
const THRESHOLD: (f64, f64) = (-40.0, 200.0);

/// Parses the stdout of `sensors -j`. Empty output and `{ }` (no sensors) give no readings.
pub fn parse_sensors(
    output: &str,
    _observed_at: DateTime<Utc>,
) -> (Vec<Temperature>, Vec<Warning>) {
    let mut temps = Vec::new();
    let mut warnings = Vec::new();
    if output.trim().is_empty() {
        return (temps, warnings);
    }
    let chips: Map<String, Value> = match serde_json::from_str(output) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return (temps, vec![Warning::general("sensors output is not a JSON object")]),
        Err(e) => return (temps, vec![Warning::general(format!("unreadable sensors JSON: {e}"))]),
    };
    for (chip, features) in &chips {
        let Value::Object(features) = features else {
            warnings.push(Warning::general(format!("chip `{chip}` is not an object")));
            continue;
        };
        for (label, values) in features {
            let Value::Object(values) = values else { continue };
            if let Some(t) = temperature(chip, label, values) {
                temps.push(t);
            }
        }
    }
    (temps, warnings)
}

/// The temperature of one feature, if it has a plausible `tempN_input`.
fn temperature(chip: &str, label: &str, values: &Map<String, Value>) -> Option<Temperature> {
    let field = |suffix: &str| {
        values.iter().find_map(|(k, v)| {
            let n = k.strip_prefix("temp")?.strip_suffix(suffix)?;
            (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| v.as_f64())?
        })
    };
    let within = |v: f64, (lo, hi): (f64, f64)| v.is_finite() && v > lo && v < hi;
    let celsius = field("_input").filter(|v| within(*v, READING))?;
    Some(Temperature {
        chip: chip.to_string(),
        label: label.to_string(),
        celsius,
        high: field("_max").filter(|v| within(*v, THRESHOLD)),
        critical: field("_crit").filter(|v| within(*v, THRESHOLD)),
    })
}
