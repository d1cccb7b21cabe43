//! History tools: metric series, the event timeline, what changed.

use infrastructor_actors::api::ApiError;
use infrastructor_actors::events::Event;
use infrastructor_actors::store::{Bucket, Cursor, Series, SeriesQuery, TimelineQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::args;
use crate::mcp::registry::{ToolDef, read};

/// `get_metrics_history`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MetricsArgs {
    /// Device name.
    pub device: String,
    /// A catalogued metric, e.g. `host.cpu_percent`, `host.mem_used_percent`, `fs.used_percent`,
    /// `container.cpu_percent`, `drive.temperature_celsius`, `pool.capacity_percent`.
    pub metric: String,
    /// One instance: a mount point, interface, disk, container name, drive serial or pool
    /// (default: every instance).
    pub instance: Option<String>,
    /// Start: RFC 3339 or an age such as `24h`, `7d` (default 24h ago).
    pub from: Option<String>,
    /// End: RFC 3339 or an age (default now).
    pub to: Option<String>,
    /// `auto` (default: raw up to 12 h, hourly up to 31 days, daily beyond), `raw`, `hour`
    /// or `day`.
    pub bucket: Option<Bucket>,
}

/// Metric series.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MetricsHistory {
    /// One series per instance, points oldest first (min/avg/max/count per bucket).
    pub series: Vec<Series>,
}

/// `get_events`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EventsArgs {
    /// Only these devices.
    #[serde(default)]
    pub devices: Vec<String>,
    /// Only these event types, e.g. `ContainerDied`, `DriveHealthDegraded`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Include sample events (`…Sampled`) when no kinds are given (default false).
    #[serde(default)]
    pub samples: bool,
    /// Start: RFC 3339 or an age such as `24h`.
    pub from: Option<String>,
    /// End: RFC 3339 or an age.
    pub to: Option<String>,
    /// The page after this event id (newer): a `newer` cursor.
    pub after: Option<uuid::Uuid>,
    /// The page before this event id (older): an `older` cursor.
    pub before: Option<uuid::Uuid>,
    /// Events per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// A page of the timeline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Events {
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// Pass as `before` for the next older page.
    pub older: Option<uuid::Uuid>,
    /// Pass as `after` for the next newer page.
    pub newer: Option<uuid::Uuid>,
}

/// `what_changed`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChangedArgs {
    /// Device name; omit for the whole fleet.
    pub device: Option<String>,
    /// Since: RFC 3339 or an age such as `24h` (default 24h).
    pub since: Option<String>,
}

/// An optional time.
type Time = Option<chrono::DateTime<chrono::Utc>>;

fn range(from: Option<&str>, to: Option<&str>) -> Result<(Time, Time), ApiError> {
    Ok((
        from.map(|f| args::time("from", f)).transpose()?,
        to.map(|t| args::time("to", t)).transpose()?,
    ))
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read(
            "get_metrics_history",
            "A metric's history for one device: raw samples or hourly/daily rollups (min/avg/max), chosen by the range unless bucket is given.",
            |ctx, a: MetricsArgs| async move {
                let (from, to) = range(a.from.as_deref(), a.to.as_deref())?;
                let to = to.unwrap_or_else(chrono::Utc::now);
                let q = SeriesQuery {
                    device: a.device.clone(),
                    metric: a.metric.clone(),
                    instance: a.instance,
                    from: from.unwrap_or(to - chrono::Duration::hours(24)),
                    to,
                    bucket: a.bucket.unwrap_or(Bucket::Auto),
                };
                let series = ctx.handle.series(&q).await?;
                let points: usize = series.iter().map(|s| s.points.len()).sum();
                let summary = format!(
                    "{} on {}: {} series, {points} points",
                    a.metric,
                    a.device,
                    series.len()
                );
                Ok((MetricsHistory { series }, summary))
            },
        ),
        read(
            "get_events",
            "The event timeline from history: filter by devices, event types and time; pages by event-id cursor both ways (older/newer).",
            |ctx, a: EventsArgs| async move {
                let (from, to) = range(a.from.as_deref(), a.to.as_deref())?;
                let cursor = match (a.after, a.before) {
                    (Some(_), Some(_)) => {
                        return Err(ApiError::Invalid("give after or before, not both".into()));
                    }
                    (Some(id), None) => Some(Cursor::After(id)),
                    (None, Some(id)) => Some(Cursor::Before(id)),
                    (None, None) => None,
                };
                let q = TimelineQuery {
                    devices: a.devices,
                    kinds: a.kinds,
                    samples: a.samples,
                    from,
                    to,
                    cursor,
                    limit: a.limit.unwrap_or(100),
                };
                let page = ctx.handle.timeline(&q).await?;
                let summary = format!(
                    "{} events{}",
                    page.events.len(),
                    if page.older.is_some() { " (older ones exist)" } else { "" }
                );
                Ok((Events { events: page.events, older: page.older, newer: page.newer }, summary))
            },
        ),
        read(
            "what_changed",
            "What changed on a device or the whole fleet since a time: the change events grouped by device and type, newest first, with examples.",
            |ctx, a: ChangedArgs| async move {
                let since = args::time("since", a.since.as_deref().unwrap_or("24h"))?;
                let c = ctx.handle.what_changed(a.device.as_deref(), since).await?;
                let mut summary = format!("{} changes since {}", c.total, since.to_rfc3339());
                for line in c.summary.iter().take(10) {
                    summary.push_str("\n- ");
                    summary.push_str(line);
                }
                Ok((c, summary))
            },
        ),
    ]
}
