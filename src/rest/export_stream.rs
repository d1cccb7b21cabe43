//! The export encodings (JSON Lines and CSV) and the page-by-page streams behind them: the
//! timeline read 1,000 events at a time by cursor, a series one day (or 30 days of daily
//! points) at a time, so a month of history never sits in memory.

use futures::stream::{self, Stream, StreamExt};
use infrastructor_actors::api::FleetHandle;
use infrastructor_actors::events::Event;
use infrastructor_actors::store::{Bucket, Cursor, Page, Series, SeriesQuery, TimelineQuery};

/// An export's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (`application/x-ndjson`).
    Jsonl,
    /// Comma-separated values with a header line (`text/csv`).
    Csv,
}

impl Format {
    /// `format=` if given, else the `Accept` header (CSV when it asks for `text/csv`), else
    /// JSON Lines.
    pub fn choose(format: Option<&str>, accept: Option<&str>) -> Result<Self, String> {
        match format.map(str::trim) {
            Some("jsonl" | "ndjson") => Ok(Self::Jsonl),
            Some("csv") => Ok(Self::Csv),
            Some(other) => Err(format!("format must be `jsonl` or `csv`, not `{other}`")),
            None if accept.is_some_and(|a| a.contains("text/csv")) => Ok(Self::Csv),
            None => Ok(Self::Jsonl),
        }
    }

    /// The response's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jsonl => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// One CSV field, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The header line of an events export.
pub const EVENTS_CSV_HEADER: &str = "id,observed_at,device,type,payload\n";

/// One event as a line.
pub fn event_line(e: &Event, format: Format) -> String {
    let json = serde_json::to_value(e).unwrap_or_default();
    match format {
        Format::Jsonl => format!("{json}\n"),
        Format::Csv => {
            let payload = json.get("payload").map(|p| p.to_string()).unwrap_or_default();
            format!(
                "{},{},{},{},{}\n",
                e.id,
                e.observed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                csv_field(&e.device),
                e.type_name(),
                csv_field(&payload)
            )
        }
    }
}

/// The header line of a series export.
pub const SERIES_CSV_HEADER: &str = "device,metric,instance,unit,resolution,at,min,avg,max,count\n";

/// Every point of `series` as lines.
pub fn series_lines(series: &[Series], format: Format) -> String {
    let mut out = String::new();
    for s in series {
        let resolution = serde_json::to_value(s.resolution).unwrap_or_default();
        let resolution = resolution.as_str().unwrap_or("raw");
        for p in &s.points {
            let at = p.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            match format {
                Format::Jsonl => {
                    let line = serde_json::json!({
                        "device": s.device, "metric": s.metric, "instance": s.instance,
                        "unit": s.unit, "resolution": resolution, "at": at,
                        "min": p.min, "avg": p.avg, "max": p.max, "count": p.count,
                    });
                    out.push_str(&format!("{line}\n"));
                }
                Format::Csv => out.push_str(&format!(
                    "{},{},{},{},{resolution},{at},{},{},{},{}\n",
                    csv_field(&s.device),
                    csv_field(&s.metric),
                    csv_field(s.instance.as_deref().unwrap_or("")),
                    csv_field(&s.unit),
                    p.min,
                    p.avg,
                    p.max,
                    p.count
                )),
            }
        }
    }
    out
}

type Chunk = Result<bytes::Bytes, std::io::Error>;

/// The lines of `first` and of every later page, read by cursor until the end; a store
/// failure mid-way ends the stream with an error (the client sees a cut transfer).
pub fn events(
    handle: FleetHandle,
    q: TimelineQuery,
    first: Page,
    format: Format,
) -> impl Stream<Item = Chunk> + Send {
    let header = (format == Format::Csv).then(|| Ok(bytes::Bytes::from(EVENTS_CSV_HEADER)));
    let pages = stream::unfold(Some(first), move |page| {
        let (handle, mut q2) = (handle.clone(), q.clone());
        async move {
            let page = page?;
            let text: String = page.events.iter().map(|e| event_line(e, format)).collect();
            let next = match page.events.last() {
                Some(last) if page.newer.is_some() => {
                    q2.cursor = Some(Cursor::After(last.id));
                    match handle.timeline(&q2).await {
                        Ok(p) => Some(p),
                        Err(e) => {
                            tracing::warn!(error = %e, "event export cut short");
                            return Some((Err(std::io::Error::other(e.to_string())), None));
                        }
                    }
                }
                _ => None,
            };
            Some((Ok(bytes::Bytes::from(text)), next))
        }
    });
    stream::iter(header).chain(pages)
}

/// The day-aligned windows `from..to` is read in: one day each for raw and hourly points,
/// 30 days for daily ones.
pub fn windows(
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    bucket: Bucket,
) -> Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let step = if bucket == Bucket::Day { 30 * 86_400 } else { 86_400 };
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let next = (start.timestamp().div_euclid(step) + 1) * step;
        let end = chrono::DateTime::from_timestamp(next, 0).unwrap_or(to).min(to);
        out.push((start, end));
        start = end;
    }
    out
}

/// The points of `first` (the first window's series), then of `q`'s later windows, window
/// by window (its bucket already resolved).
pub fn series(
    handle: FleetHandle,
    q: SeriesQuery,
    first: Vec<Series>,
    format: Format,
) -> impl Stream<Item = Chunk> + Send {
    let header = (format == Format::Csv).then(|| Ok(bytes::Bytes::from(SERIES_CSV_HEADER)));
    let first = Ok(bytes::Bytes::from(series_lines(&first, format)));
    let later = windows(q.from, q.to, q.bucket).into_iter().skip(1);
    let chunks = stream::iter(later).then(move |(from, to)| {
        let (handle, q) = (handle.clone(), SeriesQuery { from, to, ..q.clone() });
        async move {
            match handle.series(&q).await {
                Ok(series) => Ok(bytes::Bytes::from(series_lines(&series, format))),
                Err(e) => {
                    tracing::warn!(error = %e, "series export cut short");
                    Err(std::io::Error::other(e.to_string()))
                }
            }
        }
    });
    // Stop at the first error: nothing after it would be trusted.
    let mut failed = false;
    stream::iter(header).chain(stream::once(async { first })).chain(chunks).take_while(move |c| {
        let go = !failed;
        failed |= c.is_err();
        std::future::ready(go)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_chosen_by_parameter_then_accept() {
        assert_eq!(Format::choose(None, None), Ok(Format::Jsonl));
        assert_eq!(Format::choose(None, Some("text/csv")), Ok(Format::Csv));
        assert_eq!(Format::choose(Some("jsonl"), Some("text/csv")), Ok(Format::Jsonl));
        assert!(Format::choose(Some("xml"), None).unwrap_err().contains("`xml`"));
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("tower"), "tower");
        assert_eq!(csv_field(r#"a,"b""#), r#""a,""b""""#);
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn windows_are_day_aligned_and_cover_the_range() {
        let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let w = windows(t("2026-11-01T10:00:00Z"), t("2026-11-03T06:00:00Z"), Bucket::Raw);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0], (t("2026-11-01T10:00:00Z"), t("2026-11-02T00:00:00Z")));
        assert_eq!(w[2], (t("2026-11-03T00:00:00Z"), t("2026-11-03T06:00:00Z")));
        let days = windows(t("2026-01-01T00:00:00Z"), t("2026-12-01T00:00:00Z"), Bucket::Day);
        assert!(days.windows(2).all(|p| p[0].1 == p[1].0));
        assert!(days.iter().all(|(a, b)| a < b));
    }
}
