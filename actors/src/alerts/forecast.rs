//! The `filesystem_forecast` rule: a filesystem or pool whose fitted growth reaches
//! `forecast_full_percent` (100 %) within `forecast_days` (7), with a fit of r² ≥
//! `forecast_min_r_squared` (0.8). The fits come from the store (`predict_capacity` over the
//! capacity series, run by the alerts task hourly); here they are only judged, so the engine
//! stays pure. Its own rule rather than part of `filesystem`: that one is a level (how full
//! now), this one a prediction with other limits, switches and a slower recovery, and one
//! need not mute the other.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::rules::{Condition, RuleSettings, key};
use crate::analysis::{CapacityForecast, StorageKind};
use crate::model::alerts::{Alert, Severity};

/// The rule's name.
pub const RULE: &str = "filesystem_forecast";

/// The start of its alert keys.
pub(super) const PREFIX: &str = "filesystem_forecast/";

/// The forecast conditions of `device` at `now` from its latest fits, by key.
pub(super) fn conditions(
    device: &str,
    forecasts: &[CapacityForecast],
    now: DateTime<Utc>,
    s: &RuleSettings,
) -> BTreeMap<String, Condition> {
    let mut out = BTreeMap::new();
    for f in forecasts.iter().filter(|f| f.device == device) {
        let object = f.name.as_str();
        if !s.enabled(device, RULE, Some(object)) {
            continue;
        }
        let t = s.thresholds_at(device, RULE, object);
        let (Some(current), Some(growth), Some(r2), Some(as_of)) =
            (f.current_percent, f.growth_percent_per_day, f.r_squared, f.as_of)
        else {
            continue;
        };
        let growing = growth >= t.capacity_min_growth_percent_per_day.max(f64::MIN_POSITIVE);
        if !growing || r2 < t.forecast_min_r_squared || !current.is_finite() {
            continue;
        }
        let full = t.forecast_full_percent;
        let from_fit = ((full - current) / growth).max(0.0);
        let elapsed = (now - as_of).num_seconds() as f64 / 86_400.0;
        let left = (from_fit - elapsed).max(0.0);
        if !left.is_finite() || left > t.forecast_days {
            continue;
        }
        let crosses = chrono::Duration::try_seconds((left * 86_400.0) as i64)
            .and_then(|d| now.checked_add_signed(d));
        let date = crosses.map_or(String::new(), |d| format!(" (about {})", d.format("%Y-%m-%d")));
        let what = match f.kind {
            StorageKind::Filesystem => "filesystem",
            StorageKind::Pool => "pool",
        };
        let k = key(RULE, device, Some(object));
        let alert = Alert {
            key: k.clone(),
            rule: RULE.into(),
            object: Some(object.to_string()),
            severity: Severity::Warning,
            summary: format!(
                "{what} {object} is forecast to be {full} % full within {left:.1} days{date}: \
                 {current:.1} % now, {growth:+.2} points/day (r² {r2:.2})"
            ),
            value: Some(left),
            threshold: Some(t.forecast_days),
            unit: Some("days".into()),
            since: now,
            evidence: vec![
                format!("kind: {what}"),
                format!("current_percent: {current:.2}"),
                format!("growth_percent_per_day: {growth:.4}"),
                format!("r_squared: {r2:.3}"),
                format!("points: {}", f.points),
                format!("span_days: {:.1}", f.span_days),
                format!("as_of: {}", as_of.to_rfc3339()),
                format!("full_percent: {full}"),
            ],
        };
        out.insert(k, Condition { alert, counters: Vec::new() });
    }
    out
}
