//! `/api/events`, `/api/metrics`, `/api/changes` and the analyses (diagnostics, trends,
//! capacity): answers from history and from the fleet's current state.

use infrastructor_actors::analysis::FleetDiagnosis;
use infrastructor_actors::query::{Changes, Diagnosis};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use super::Tag;
use super::call::{Api, Reply, args};
use crate::auth::Caller;
use crate::mcp::tools::analysis::{Forecasts, Trends};
use crate::mcp::tools::history::{Events, MetricsHistory};

/// The REST face of the history and analysis tools.
pub struct History(pub Api);

/// A comma-separated list parameter as a list (blanks dropped).
pub fn split(v: &Option<String>) -> Vec<String> {
    let v = v.as_deref().unwrap_or("");
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

#[OpenApi(tag = "Tag::History")]
impl History {
    /// The event timeline
    ///
    /// From history, oldest first: filter by devices, event types and time; pages by
    /// event-id cursor both ways (`older` → `before`, `newer` → `after`).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/events", method = "get", operation_id = "get_events")]
    async fn events(
        &self,
        caller: Data<&Caller>,
        /// Only these devices, comma-separated.
        device: Query<Option<String>>,
        /// Only these event types, comma-separated, e.g. `ContainerDied,ServiceFailed`.
        kinds: Query<Option<String>>,
        /// Include sample events (`…Sampled`) when `kinds` is not given (default false).
        samples: Query<Option<bool>>,
        /// Start: RFC 3339 or an age such as `24h`.
        from: Query<Option<String>>,
        /// End: RFC 3339 or an age.
        to: Query<Option<String>>,
        /// The page after this event id (newer).
        after: Query<Option<uuid::Uuid>>,
        /// The page before this event id (older).
        before: Query<Option<uuid::Uuid>>,
        /// Events per page, 1 to 1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> Reply<Events> {
        let (devices, kinds) = (split(&device.0), split(&kinds.0));
        let a = args! { devices = devices, kinds = kinds, samples, from, to, after, before, limit };
        self.0.call(&caller, "get_events", a).await
    }

    /// A metric's history
    ///
    /// Raw samples or hourly/daily rollups (min/avg/max/count), chosen by the range unless
    /// `bucket` is given.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/metrics", method = "get", operation_id = "get_metrics_history")]
    async fn metrics(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        device: Query<String>,
        /// A catalogued metric, e.g. `host.cpu_percent`, `fs.used_percent`.
        metric: Query<String>,
        /// One instance: a mount point, interface, disk, container, drive serial or pool.
        instance: Query<Option<String>>,
        /// Start: RFC 3339 or an age such as `24h`, `7d` (default 24h ago).
        from: Query<Option<String>>,
        /// End: RFC 3339 or an age (default now).
        to: Query<Option<String>>,
        /// `auto` (default), `raw`, `hour` or `day`.
        bucket: Query<Option<String>>,
    ) -> Reply<MetricsHistory> {
        let a = args! { device, metric, instance, from, to, bucket };
        self.0.call(&caller, "get_metrics_history", a).await
    }

    /// What changed since a time
    ///
    /// The change events of a device or the whole fleet, grouped by device and type, newest
    /// first, with examples.
    #[oai(path = "/changes", method = "get", operation_id = "what_changed")]
    async fn changes(
        &self,
        caller: Data<&Caller>,
        /// Device name; omit for the whole fleet.
        device: Query<Option<String>>,
        /// Since: RFC 3339 or an age such as `24h` (default 24h).
        since: Query<Option<String>>,
    ) -> Reply<Changes> {
        self.0.call(&caller, "what_changed", args! { device, since }).await
    }
}

/// The REST face of the analysis tools.
pub struct Analysis(pub Api);

#[OpenApi(tag = "Tag::Analysis")]
impl Analysis {
    /// Diagnose the fleet
    ///
    /// Every device in parallel: a health score per device and a ranked list of problems
    /// with evidence.
    #[oai(path = "/diagnostics", method = "get", operation_id = "diagnose_fleet")]
    async fn fleet(
        &self,
        caller: Data<&Caller>,
        /// `true`: poll every probe now; `false`: the last polls.
        refresh: Query<Option<bool>>,
        /// Accept stored answers at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<FleetDiagnosis> {
        let a = args! { refresh, max_age_seconds };
        self.0.call(&caller, "diagnose_infrastructure", a).await
    }

    /// Diagnose one device
    ///
    /// Its probes read now (drives and updates from the last poll unless `refresh`), then
    /// every check for what it has, with a score and evidence.
    #[oai(path = "/devices/:device/diagnostics", method = "get", operation_id = "diagnose_device")]
    async fn device(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll every probe now; `false`: the last polls.
        refresh: Query<Option<bool>>,
        /// Accept stored answers at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<Diagnosis> {
        let a = args! { device, refresh, max_age_seconds };
        self.0.call(&caller, "diagnose_device", a).await
    }

    /// Trends of a metric
    ///
    /// Least-squares slope per day, direction and significance, per series.
    #[oai(path = "/devices/:device/trends", method = "get", operation_id = "get_trends")]
    async fn trends(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// A catalogued metric, e.g. `host.cpu_percent`, `fs.used_percent`.
        metric: Query<String>,
        /// One instance (mount point, container, …); default every instance.
        instance: Query<Option<String>>,
        /// Start: RFC 3339 or an age such as `7d` (default 7d ago).
        from: Query<Option<String>>,
        /// End: RFC 3339 or an age (default now).
        to: Query<Option<String>>,
    ) -> Reply<Trends> {
        let a = args! { device, metric, instance, from, to };
        self.0.call(&caller, "analyze_performance_trends", a).await
    }

    /// Capacity forecasts
    ///
    /// When each filesystem and pool crosses a fill threshold, from a linear fit over its
    /// usage history, most urgent first.
    #[oai(path = "/capacity", method = "get", operation_id = "predict_capacity")]
    async fn capacity(
        &self,
        caller: Data<&Caller>,
        /// Device name; omit for every device.
        device: Query<Option<String>>,
        /// The fill level to predict, percent (default 90).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        threshold_percent: Query<Option<f64>>,
        /// How far back the fit looks, e.g. `30d` (default 30d, at most 365d).
        window: Query<Option<String>>,
    ) -> Reply<Forecasts> {
        let a = args! { device, threshold_percent, window };
        self.0.call(&caller, "predict_capacity", a).await
    }
}
