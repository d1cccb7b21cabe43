//! `sensors -j` (lm-sensors ≥ 3.5): temperatures of every chip.
//!
//! The JSON is `{chip: {"Adapter": "...", label: {"tempN_input": 45.0, "tempN_max": 80.0,
//! "tempN_crit": 100.0, "tempN_alarm": 0.0, ...}, ...}, ...}`. Features without a
//! `tempN_input` (fans, voltages, intrusion switches) are ignored. Chips and labels come out in
//! name order.
//!
//! Unconnected or broken inputs still print a reading: those are kept but marked `suspect`
//! (see `suspect`) so they are never taken for real temperatures. Readings outside the
//! physical range (below absolute zero, above 1000 °C, not finite) are dropped with a warning,
//! as are chips and labels that are not names; thresholds outside -40…200 °C are left out
//! (NVMe drives report `65261.85` for "no limit").

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::model::metrics::Temperature;
use crate::probes::Warning;
use crate::probes::sane::{PHYSICAL_C, clean_name, shown, within};

/// Plausible readings, °C: outside, a reading is suspect.
const READING: (f64, f64) = (-40.0, 150.0);
/// Plausible thresholds, °C.
const THRESHOLD: (f64, f64) = (-40.0, 200.0);
/// Values that chips and drivers print for "no value" (-128/127 and 255 are the limits of the
/// 8-bit registers, -127 what some boards' firmware put there).
const SENTINELS: &[f64] = &[-128.0, -127.0, 127.0, 255.0];

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
            warnings.push(Warning::general(format!("chip `{}` is not an object", shown(chip))));
            continue;
        };
        for (label, values) in features {
            let Value::Object(values) = values else { continue };
            match temperature(chip, label, values) {
                Ok(Some(t)) => temps.push(t),
                Ok(None) => {}
                Err(why) => warnings.push(Warning::general(format!(
                    "{} / {}: {why}",
                    shown(chip),
                    shown(label)
                ))),
            }
        }
    }
    (temps, warnings)
}

/// The temperature of one feature, if it has a `tempN_input`.
fn temperature(
    chip: &str,
    label: &str,
    values: &Map<String, Value>,
) -> Result<Option<Temperature>, String> {
    // The subfeature number of the input; its limits and flags carry the same number.
    let Some((n, input)) = values.iter().find_map(|(k, v)| {
        let n = k.strip_prefix("temp")?.strip_suffix("_input")?;
        (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some((n, v))
    }) else {
        return Ok(None);
    };
    let field = |suffix: &str| values.get(&format!("temp{n}_{suffix}")).and_then(Value::as_f64);
    let flag = |suffix: &str| field(suffix).is_some_and(|v| v != 0.0);
    let Some(celsius) = input.as_f64().and_then(|v| within(v, PHYSICAL_C.0 - 1.0, PHYSICAL_C.1))
    else {
        return Err(format!("reading {input} is not a temperature"));
    };
    let chip = clean_name(chip).map_err(|why| format!("chip: {why}"))?;
    let label = clean_name(label).map_err(|why| format!("label: {why}"))?;
    let threshold = |suffix: &str| field(suffix).and_then(|v| within(v, THRESHOLD.0, THRESHOLD.1));
    let mut t = Temperature {
        high: threshold("max"),
        critical: threshold("crit"),
        celsius,
        suspect: None,
        chip,
        label,
    };
    let alarm = flag("alarm") || flag("crit_alarm") || flag("max_alarm");
    t.suspect = suspect(&t, alarm, flag("fault"));
    Ok(Some(t))
}

/// Why a reading is not believed, if it is not: the input reports a fault; it reads a
/// sentinel (absolute zero, -128, -127, 127, 255, exactly 0 °C as unconnected inputs of
/// many chips do); it is above the input's own critical limit (with or without its alarm
/// set; except on drives, whose own sensor is always connected and can really overheat); or it
/// is outside -40…150 °C.
fn suspect(t: &Temperature, alarm: bool, fault: bool) -> Option<String> {
    let c = t.celsius;
    let drive = ["nvme-", "drivetemp-"].iter().any(|p| t.chip.starts_with(p));
    let reason = if fault {
        "the input reports a fault".to_string()
    } else if c <= PHYSICAL_C.0 + 0.5 {
        "absolute zero: no reading".to_string()
    } else if SENTINELS.contains(&c) {
        format!("{c} °C is what an unconnected input reads")
    } else if c == 0.0 {
        "exactly 0 °C is what an unconnected input reads".to_string()
    } else if let Some(crit) = t.critical.filter(|crit| c > *crit && !drive) {
        let alarm = if alarm { " with its alarm set" } else { "" };
        format!("above its own critical limit {crit} °C{alarm}: unconnected input")
    } else if c < READING.0 || c > READING.1 {
        format!("outside {}…{} °C", READING.0, READING.1)
    } else {
        return None;
    };
    Some(reason)
}
