//! Percentiles of a set of latencies, shared by the cached and live scenarios and the table.

use std::time::Duration;

use crate::measure::percentile;

/// Percentiles of a set of latencies.
pub struct Summary {
    /// How many.
    pub samples: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
    /// All of them added up.
    pub total: Duration,
}

impl Summary {
    /// The summary of `samples`.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        let (p50, p99) = (percentile(&mut samples, 50.0), percentile(&mut samples, 99.0));
        let max = samples.iter().max().copied().unwrap_or_default();
        let total = samples.iter().sum();
        Self { samples: samples.len(), p50, p99, max, total }
    }
}
