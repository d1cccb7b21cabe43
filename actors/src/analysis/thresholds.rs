//! The limits every analysis compares against, with their defaults: one struct, so the
//! configuration can override any of them later without touching the checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The limits of the diagnosis, the trend test and the capacity forecast. Every field has a
/// default ([`Thresholds::default`]); a configuration section may give only some of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Thresholds {
    /// A filesystem or pool this full (percent of used + available) is a warning.
    pub fs_warning_percent: f64,
    /// A filesystem or pool this full is critical.
    pub fs_critical_percent: f64,
    /// Memory in use (`MemTotal - MemAvailable`) at this percent of `MemTotal` is a warning.
    pub mem_warning_percent: f64,
    /// Memory in use at this percent is critical.
    pub mem_critical_percent: f64,
    /// CPU busy at this percent (all cores) is a warning.
    pub cpu_warning_percent: f64,
    /// CPU busy at this percent is critical.
    pub cpu_critical_percent: f64,
    /// The 5-minute load average at this many runnable tasks per online core is a warning.
    pub load_warning_per_core: f64,
    /// The 5-minute load average at this many per core is critical.
    pub load_critical_per_core: f64,
    /// An ATA/SCSI drive this hot (°C) is a warning.
    pub drive_temp_warning_c: i64,
    /// An ATA/SCSI drive this hot (°C) is critical.
    pub drive_temp_critical_c: i64,
    /// An NVMe drive this hot (°C) is a warning.
    pub nvme_temp_warning_c: i64,
    /// An NVMe drive this hot (°C) is critical.
    pub nvme_temp_critical_c: i64,
    /// This many reallocated or pending sectors is critical (any is a warning).
    pub sectors_critical: u64,
    /// An NVMe drive that used this percent of its rated life is a warning.
    pub nvme_life_used_warning_percent: u64,
    /// A running container restarted this many times (the engine's count) is a warning.
    pub restart_count_warning: u64,
    /// A pool whose last finished scrub is older than this many days is overdue.
    pub scrub_max_age_days: i64,
    /// A dataset whose newest snapshot is older than this (seconds) is stale.
    pub snapshot_max_age_secs: i64,
    /// Security updates pending this many days are a warning (a note before).
    pub security_updates_max_age_days: i64,
    /// A log pattern that matched within this many seconds is a finding (default 1 h).
    pub log_match_window_secs: i64,
    /// Score lost per critical problem.
    pub penalty_critical: u32,
    /// Score lost per warning.
    pub penalty_warning: u32,
    /// Score lost per informational finding.
    pub penalty_info: u32,
    /// The highest score an offline device gets.
    pub offline_max_score: u8,
    /// Fewest points a trend must have before it can be called significant.
    pub trend_min_points: usize,
    /// Two-sided significance level of the trend's slope test.
    pub trend_alpha: f64,
    /// A significant slope smaller than this share of the series' mean per day is flat.
    pub trend_flat_fraction_per_day: f64,
    /// Fewest points a capacity forecast needs.
    pub capacity_min_points: usize,
    /// Shortest span (days) a capacity forecast needs.
    pub capacity_min_span_days: f64,
    /// Growth (percentage points per day) below which a filesystem is not growing.
    pub capacity_min_growth_percent_per_day: f64,
    /// The `filesystem_forecast` rule: a filesystem or pool forecast to reach this percent…
    pub forecast_full_percent: f64,
    /// …within this many days is a warning…
    pub forecast_days: f64,
    /// …when the fit explains at least this share of the used share's variance (r², 0 to 1).
    pub forecast_min_r_squared: f64,
}

/// The threshold `predict_capacity` is asked for when a caller gives none, percent.
pub const DEFAULT_CAPACITY_PERCENT: f64 = 90.0;

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            fs_warning_percent: 80.0,
            fs_critical_percent: 90.0,
            mem_warning_percent: 85.0,
            mem_critical_percent: 95.0,
            cpu_warning_percent: 80.0,
            cpu_critical_percent: 95.0,
            load_warning_per_core: 2.0,
            load_critical_per_core: 4.0,
            drive_temp_warning_c: 55,
            drive_temp_critical_c: 65,
            nvme_temp_warning_c: 70,
            nvme_temp_critical_c: 80,
            sectors_critical: 20,
            nvme_life_used_warning_percent: 90,
            restart_count_warning: 5,
            scrub_max_age_days: 35,
            snapshot_max_age_secs: 48 * 3600,
            security_updates_max_age_days: 7,
            log_match_window_secs: 3600,
            penalty_critical: 25,
            penalty_warning: 10,
            penalty_info: 2,
            offline_max_score: 10,
            trend_min_points: 8,
            trend_alpha: 0.05,
            trend_flat_fraction_per_day: 0.001,
            capacity_min_points: 6,
            capacity_min_span_days: 1.0,
            capacity_min_growth_percent_per_day: 0.01,
            forecast_full_percent: 100.0,
            forecast_days: 7.0,
            forecast_min_r_squared: 0.8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_section_keeps_the_other_defaults() {
        let t: Thresholds =
            serde_json::from_value(serde_json::json!({ "fs_warning_percent": 70.0 })).unwrap();
        assert_eq!(t.fs_warning_percent, 70.0);
        assert_eq!(t.fs_critical_percent, Thresholds::default().fs_critical_percent);
        assert_eq!(t.snapshot_max_age_secs, 172_800);
    }
}
