//! One sample of system metrics.

use serde::{Deserialize, Serialize};

/// System metrics at one instant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsSample {
    /// 1-minute load average.
    pub load1: Option<f64>,
}
