//! `/api/export/…`: the event timeline and any metric series as JSON Lines or CSV
//! (`format=` or `Accept`), streamed page by page.

use infrastructor_actors::api::ApiError;
use infrastructor_actors::store::{Bucket, Cursor, SeriesQuery, TimelineQuery};
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response};
use poem_openapi::param::Query;
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::call::Api;
use super::error::Failure;
use super::export_stream::{self as export, Format};
use super::history::split;
use crate::auth::Caller;
use crate::mcp::args;

/// The REST export of history.
pub struct Export(pub Api);

/// A streamed export.
pub struct Exported(Response);

impl Exported {
    fn new(format: Format, body: Body) -> Self {
        Self(
            Response::builder()
                .content_type(format.content_type())
                .header("cache-control", "no-store")
                .body(body),
        )
    }
}

impl IntoResponse for Exported {
    fn into_response(self) -> Response {
        self.0
    }
}

impl ApiResponse for Exported {
    fn meta() -> MetaResponses {
        let text = || MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")));
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The lines, streamed: JSON Lines (one object per line) or CSV \
                              with a header line.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType { content_type: "application/x-ndjson", schema: text() },
                    MetaMediaType { content_type: "text/csv; charset=utf-8", schema: text() },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(_registry: &mut Registry) {}
}

fn format(format: &Option<String>, req: &Request) -> Result<Format, Failure> {
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok());
    Format::choose(format.as_deref(), accept).map_err(|m| Failure::invalid("format", m))
}

type Time = Option<chrono::DateTime<chrono::Utc>>;

fn time(field: &str, v: &Option<String>) -> Result<Time, Failure> {
    v.as_deref().map(|t| args::time(field, t)).transpose().map_err(Failure::from)
}

fn bucket(b: &Option<String>) -> Result<Bucket, Failure> {
    let Some(b) = b.as_deref() else { return Ok(Bucket::Auto) };
    serde_json::from_value(serde_json::Value::String(b.to_string())).map_err(|_| {
        Failure::invalid("bucket", format!("bucket must be auto, raw, hour or day, not `{b}`"))
    })
}

#[OpenApi(tag = "Tag::History")]
impl Export {
    /// Export the event timeline
    ///
    /// Every event matching the filters, oldest first, as JSON Lines or CSV
    /// (`id,observed_at,device,type,payload`), streamed.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/export/events", method = "get", operation_id = "export_events")]
    async fn events(
        &self,
        _caller: Data<&Caller>,
        req: &Request,
        /// `jsonl` or `csv` (default: from `Accept`, else `jsonl`).
        format: Query<Option<String>>,
        /// Only these devices, comma-separated.
        device: Query<Option<String>>,
        /// Only these event types, comma-separated.
        kinds: Query<Option<String>>,
        /// Include sample events (`…Sampled`) when `kinds` is not given (default false).
        samples: Query<Option<bool>>,
        /// Start: RFC 3339 or an age such as `30d`.
        from: Query<Option<String>>,
        /// End: RFC 3339 or an age.
        to: Query<Option<String>>,
    ) -> Result<Exported, Failure> {
        let format = self::format(&format.0, req)?;
        let q = TimelineQuery {
            devices: split(&device.0),
            kinds: split(&kinds.0),
            samples: samples.0.unwrap_or(false),
            from: time("from", &from.0)?,
            to: time("to", &to.0)?,
            cursor: Some(Cursor::First),
            limit: 1000,
        };
        // The first page is read before answering, so a bad filter or an unreachable store
        // is a proper error status rather than a cut stream.
        let first = self.0.handle.timeline(&q).await?;
        let stream = export::events(self.0.handle.clone(), q, first, format);
        Ok(Exported::new(format, Body::from_bytes_stream(stream)))
    }

    /// Export a metric series
    ///
    /// Every point of a metric of a device over a range (default the last 24 h), as JSON
    /// Lines or CSV (`device,metric,instance,unit,resolution,at,min,avg,max,count`),
    /// streamed.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/export/metrics", method = "get", operation_id = "export_metrics")]
    async fn metrics(
        &self,
        _caller: Data<&Caller>,
        req: &Request,
        /// `jsonl` or `csv` (default: from `Accept`, else `jsonl`).
        format: Query<Option<String>>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Query<String>,
        /// A catalogued metric, e.g. `host.cpu_percent`, `fs.used_percent`.
        metric: Query<String>,
        /// One instance (mount point, interface, container…); default every instance.
        instance: Query<Option<String>>,
        /// Start: RFC 3339 or an age such as `30d` (default 24h ago).
        from: Query<Option<String>>,
        /// End: RFC 3339 or an age (default now).
        to: Query<Option<String>>,
        /// `auto` (default), `raw`, `hour` or `day`.
        bucket: Query<Option<String>>,
    ) -> Result<Exported, Failure> {
        let format = self::format(&format.0, req)?;
        let to = time("to", &to.0)?.unwrap_or_else(chrono::Utc::now);
        let from = time("from", &from.0)?.unwrap_or(to - chrono::Duration::hours(24));
        let bucket = self::bucket(&bucket.0)?;
        let (device, metric, instance) = (device.0, metric.0, instance.0);
        let q = SeriesQuery { device, metric, instance, from, to, bucket };
        q.validate().map_err(|e| Failure::from(ApiError::from(e)))?;
        let q = SeriesQuery { bucket: bucket.resolve(from, to), ..q };
        // The first window is read before answering: an unknown device or metric, or an
        // unreachable store, is an error status rather than an empty or cut stream.
        let (start, end) =
            export::windows(from, to, q.bucket).first().copied().unwrap_or((from, to));
        let first =
            self.0.handle.series(&SeriesQuery { from: start, to: end, ..q.clone() }).await?;
        let stream = export::series(self.0.handle.clone(), q, first, format);
        Ok(Exported::new(format, Body::from_bytes_stream(stream)))
    }
}
