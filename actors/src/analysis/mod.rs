//! Analysis: pure functions over current state and stored series that answer "what is wrong
//! and what is coming" — a device's and the fleet's diagnosis (ranked problems with
//! evidence and a health score), trends of metric series, capacity forecasts and snapshot
//! freshness. No I/O and no clock: callers pass the state, the series and `now`. Every
//! output is `Serialize` + `JsonSchema`, for the MCP tools and their REST twins.
//!
//! The limits live in one [`Thresholds`] struct with defaults, so configuration can change
//! them without touching a check.

mod capacity;
mod checks_backups;
mod checks_drives;
mod checks_host;
mod checks_images;
mod checks_logs;
mod checks_storage;
mod diagnose;
mod freshness;
mod problem;
mod stats;
mod thresholds;
mod trend;

pub use capacity::{CapacityForecast, CapacityStatus, StorageKind, predict_capacity};
pub use checks_drives::drive_findings;
pub use diagnose::{diagnose_device, diagnose_fleet};
pub use freshness::{FreshnessReport, StaleDataset, Staleness, check_snapshot_freshness};
pub use problem::{
    Area, DeviceDiagnosis, FleetDiagnosis, Problem, ProblemCounts, Reachability, Severity,
};
pub use thresholds::{DEFAULT_CAPACITY_PERCENT, Thresholds};

/// Whether `name` matches the glob `pattern` as a whole (`*` any run, `?` one character).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    crate::model::glob::matches(pattern, name)
}
pub use trend::{Direction, Trend, TrendFit, analyze_performance_trends};

/// An argument an analysis cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    /// The message says which argument and why.
    #[error("{0}")]
    Invalid(String),
}
