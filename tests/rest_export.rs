//! Exports end to end against the real SQLite store: 2,500 events come back from
//! `/api/export/events` exactly once, in order, across the 1,000-event pages the stream reads,
//! as JSON Lines or CSV, chunked rather than buffered; a real device's metric series comes
//! back as CSV with the same points as `/api/metrics`; bad filters are a 400 before any line.

mod harness;

use std::time::Duration;

use harness::rest::{get, request};
use harness::server::{count, every, serve_in};
use harness::{SimDevice, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::{Event, EventKind};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_series_stream_out_whole_and_in_order() {
    let data = tempfile::tempdir().unwrap();
    let dev = SimDevice::start("tower");
    let probes = Probes { metrics: every(300), ..Probes::disabled() };
    let app =
        serve_in(vec![harness::device_spec(&dev, probes)], &HistoryOptions::new(data.path(), None))
            .await;
    let addr = app.addr;

    let mut published = Vec::new();
    for i in 0..2500 {
        let kind = EventKind::ProbeFailed { probe: "flood".into(), error: format!("err, \"{i}\"") };
        published.push(app.bus.publish(Event::new("flood", chrono::Utc::now(), kind)).await.id);
    }
    let last = published.last().unwrap().to_string();
    wait_until(Duration::from_secs(30), "the flood stored", || async {
        let page = get(addr, "/api/events?device=flood&limit=1", None).await;
        page.json["events"][0]["id"] == last.as_str()
    })
    .await;

    let jsonl = get(addr, "/api/export/events?device=flood", None).await;
    assert_eq!(jsonl.status, 200, "{jsonl:?}");
    assert_eq!(jsonl.content_type, "application/x-ndjson");
    assert!(jsonl.headers.get("content-length").is_none(), "streamed, not buffered");
    let ids: Vec<String> = jsonl
        .text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = published.iter().map(|i| i.to_string()).collect();
    assert_eq!(ids, expected, "every event once, in order, across pages");

    let csv = request(
        addr,
        "GET",
        "/api/export/events?device=flood",
        None,
        &[("accept", "text/csv")],
        None,
    );
    let csv = csv.await;
    assert_eq!((csv.status, csv.content_type.as_str()), (200, "text/csv; charset=utf-8"));
    let mut lines = csv.text.lines();
    assert_eq!(lines.next(), Some("id,observed_at,device,type,payload"));
    let first = lines.next().unwrap();
    assert!(first.starts_with(&format!("{},", published[0])), "{first}");
    assert!(
        first.ends_with(r#"ProbeFailed,"{""error"":""err, \""0\"""",""probe"":""flood""}""#),
        "{first}"
    );
    assert_eq!(csv.text.lines().count(), 2501);

    // A metric series: the same points as the JSON answer.
    wait_until(Duration::from_secs(20), "three metrics samples", || {
        count(&app, "tower", "MetricsSampled") >= 3
    })
    .await;
    let q = "device=tower&metric=host.mem_used_bytes&bucket=raw&from=1h";
    wait_until(Duration::from_secs(20), "samples stored", || async {
        let s = get(addr, &format!("/api/metrics?{q}"), None).await;
        s.json["series"][0]["points"].as_array().is_some_and(|p| p.len() >= 3)
    })
    .await;
    let now = chrono::Utc::now() + chrono::Duration::minutes(1);
    let to = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let json = get(addr, &format!("/api/metrics?{q}&to={to}"), None).await;
    let points = json.json["series"][0]["points"].as_array().unwrap().len();
    let csv = get(addr, &format!("/api/export/metrics?{q}&to={to}&format=csv"), None).await;
    assert_eq!(csv.status, 200, "{csv:?}");
    let mut rows = csv.text.lines();
    assert_eq!(rows.next(), Some("device,metric,instance,unit,resolution,at,min,avg,max,count"));
    let rows: Vec<&str> = rows.collect();
    assert!(rows.len() >= points && rows.len() >= 3, "{} rows, {points} points", rows.len());
    assert!(
        rows.iter().all(|r| r.starts_with("tower,host.mem_used_bytes,,bytes,raw,")),
        "{rows:?}"
    );

    // Bad filters: an error status and the one shape, before any line.
    for (path, field) in [
        ("/api/export/events?kinds=Bogus", None),
        ("/api/export/events?format=xml", Some("format")),
        ("/api/export/events?from=soon", None),
        ("/api/export/metrics?device=tower&metric=nope", None),
        ("/api/export/metrics?device=tower&metric=host.cpu_percent&bucket=week", Some("bucket")),
    ] {
        let a = get(addr, path, None).await;
        assert_eq!((a.status, a.code()), (400, "invalid_argument"), "{path}: {a:?}");
        if let Some(f) = field {
            assert_eq!(a.json["details"]["field"], f, "{path}: {a:?}");
        }
    }
    let ghost = get(addr, "/api/export/metrics?device=ghost&metric=host.cpu_percent", None).await;
    assert_eq!(ghost.status, 404, "{ghost:?}");
    app.shutdown().await;
}
