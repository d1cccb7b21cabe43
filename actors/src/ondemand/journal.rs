//! `journalctl -o json` parser: one JSON object per line into [`LogEntry`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::probes::Warning;

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LogEntry {
    /// When journald received it (`__REALTIME_TIMESTAMP`); `None` if missing or unreadable.
    pub at: Option<DateTime<Utc>>,
    /// `_SYSTEMD_UNIT`, else `SYSLOG_IDENTIFIER`, else `_COMM`.
    pub unit: Option<String>,
    /// Syslog priority 0 (emerg) ..= 7 (debug), when given.
    pub priority: Option<u8>,
    /// The message; binary messages are decoded as lossy UTF-8, several values are joined
    /// with newlines, a null message is empty.
    pub message: String,
}

/// Parses `journalctl -o json` output. Lines that are not JSON objects are skipped with a
/// warning, except journalctl's own `-- ... --` notices, which are skipped silently.
pub fn parse_journal(output: &str, _observed_at: DateTime<Utc>) -> (Vec<LogEntry>, Vec<Warning>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in output.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("-- ") {
            continue;
        }
        match serde_json::from_str::<Map<String, Value>>(line) {
            Ok(obj) => entries.push(entry(&obj)),
            Err(e) => warnings.push(Warning::at(i + 1, format!("not a journal entry: {e}"))),
        }
    }
    (entries, warnings)
}

fn entry(obj: &Map<String, Value>) -> LogEntry {
    let at = first_text(obj.get("__REALTIME_TIMESTAMP"))
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_micros);
    let unit = ["_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER", "_COMM"]
        .iter()
        .find_map(|k| first_text(obj.get(*k)).filter(|s| !s.is_empty()));
    let priority =
        first_text(obj.get("PRIORITY")).and_then(|s| s.parse::<u8>().ok()).filter(|p| *p <= 7);
    let message = match obj.get("MESSAGE") {
        Some(Value::Array(values)) if !is_bytes(values) => {
            values.iter().filter_map(value_text).collect::<Vec<_>>().join("\n")
        }
        Some(v) => value_text(v).unwrap_or_default(),
        None => String::new(),
    };
    LogEntry { at, unit, priority, message }
}

/// The text of a field: its value, or its first value when it has several.
fn first_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Array(values) if !is_bytes(values) => values.iter().find_map(value_text),
        v => value_text(v),
    }
}

/// One field value: a string, or an array of bytes (binary or non-UTF-8 data).
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(values) if is_bytes(values) => {
            let bytes: Vec<u8> = values
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether an array is one binary value (all numbers) rather than several values.
fn is_bytes(values: &[Value]) -> bool {
    !values.is_empty() && values.iter().all(Value::is_number)
}
