//! Arguments shared by many tools (device, freshness, paging, times) and their checks.

use std::time::Duration;

use chrono::{DateTime, Utc};
use infrastructor_actors::api::ApiError;
use infrastructor_actors::query::{Freshness, Paging, ReadOptions, Source};
use schemars::JsonSchema;
use serde::Deserialize;

/// Longest `max_age_seconds`.
const MAX_AGE: u64 = 7 * 86_400;

/// How fresh the answer must be.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Fresh {
    /// `true`: poll the device now; `false`: answer from the last poll. Default: live for
    /// containers, metrics, services, VMs and ZFS; the last poll for drives, updates, backups and images.
    pub refresh: Option<bool>,
    /// Accept a stored answer at most this many seconds old instead of polling (0 to 604800).
    pub max_age_seconds: Option<u64>,
}

impl Fresh {
    /// The read options these arguments ask for.
    pub fn options(&self) -> Result<ReadOptions, ApiError> {
        let max_age = match self.max_age_seconds {
            Some(s) if s > MAX_AGE => {
                return Err(ApiError::Invalid(format!(
                    "max_age_seconds must be at most {MAX_AGE}, got {s}"
                )));
            }
            s => s.map(Duration::from_secs),
        };
        Ok(ReadOptions { live: self.refresh, max_age, ..ReadOptions::default() })
    }
}

/// One page of a long list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Page {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500 (default 100).
    pub limit: Option<usize>,
}

impl Page {
    /// As the facade's paging.
    pub fn paging(&self) -> Paging {
        Paging { cursor: self.cursor.clone(), limit: self.limit }
    }
}

/// A point in time: RFC 3339 (`2026-11-30T08:00:00Z`) or an age (`30m`, `24h`, `7d`: that
/// long ago).
pub fn time(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let ago = crate::config::parse_duration(text.trim()).map_err(|e| {
        ApiError::Invalid(format!("{field}: expected an RFC 3339 time or an age such as 24h ({e})"))
    })?;
    let ago = chrono::Duration::from_std(ago)
        .ok()
        .filter(|d| *d <= chrono::Duration::days(3660))
        .ok_or_else(|| ApiError::Invalid(format!("{field}: {text} is too long ago")))?;
    Ok(Utc::now() - ago)
}

/// A duration argument (`15m`, `2h`, `7d`) no longer than `max`.
pub fn duration(field: &str, text: &str, max: Duration) -> Result<Duration, ApiError> {
    let d = crate::config::parse_duration(text.trim())
        .map_err(|e| ApiError::Invalid(format!("{field}: {e}")))?;
    if d.is_zero() || d > max {
        let max = crate::config::format_duration(max);
        return Err(ApiError::Invalid(format!("{field} must be more than 0 and at most {max}")));
    }
    Ok(d)
}

/// "live" or "cached, 35 s old (why)", for summaries.
pub fn note(f: &Freshness) -> String {
    match (f.source, f.age_seconds) {
        (Source::Live, _) => "live".to_string(),
        (Source::Cached, age) => {
            let age = age.map_or_else(|| "never observed".to_string(), |a| format!("{a:.0} s old"));
            match &f.reason {
                Some(r) => format!("cached, {age}: {r}"),
                None => format!("cached, {age}"),
            }
        }
    }
}
