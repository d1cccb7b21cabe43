//! Notifiers end to end: the whole server on a SQLite store with `[alerts.gotify]` pointing
//! at a real receiver (`harness::gotify`), fed synthetic `AlertRaised`/`AlertResolved`
//! events on the bus. One message per event with the right priority, title, markdown and
//! link; suppressed ones not sent; everything delivered in order after the receiver was
//! down; nothing twice after a restart; a wrong token is one request, not a storm, and
//! `test_notification` says why; the excess over the rate limit comes as one digest.

mod harness;

use std::time::Duration;

use chrono::Utc;
use harness::gotify::Gotify;
use harness::server::{TestServer, serve_opts};
use harness::wait_until;
use infrastructor::app::AppOptions;
use infrastructor::config::notify::{GotifySettings, NotifyTiming, Priorities, WebhookSettings};
use infrastructor::config::{AlertSettings, NotifySettings, Secret};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::alerts::{Alert, Severity, Suppressed};
use serde_json::Value;

const TOKEN: &str = "AbCdEf0123456789";
const PUBLIC: &str = "https://infra.example.org";

fn settings(url: &str, token: &str, limit: u32, window: Duration) -> NotifySettings {
    NotifySettings {
        public_url: Some(PUBLIC.into()),
        rate_limit_per_hour: limit,
        gotify: Some(GotifySettings {
            url: url.into(),
            token: Secret::new(token),
            priorities: Priorities::default(),
        }),
        webhook: None,
        timing: NotifyTiming {
            retry_min: Duration::from_millis(20),
            retry_max: Duration::from_millis(200),
            window,
            poll: Duration::from_millis(500),
            ..NotifyTiming::default()
        },
    }
}

async fn start(data: &std::path::Path, notify: NotifySettings) -> TestServer {
    serve_opts(AppOptions {
        alerts: AlertSettings { notify, ..AlertSettings::default() },
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: Vec::new(),
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data.to_path_buf(), None)),
        api: Default::default(),
    })
    .await
}

fn alert(object: &str, severity: Severity) -> Alert {
    Alert {
        key: format!("fs_usage/tower/{object}"),
        rule: "fs_usage".into(),
        object: Some(object.into()),
        severity,
        summary: format!("{object} is 93.5 % full"),
        value: Some(93.5),
        threshold: Some(90.0),
        unit: Some("%".into()),
        since: Utc::now() - chrono::Duration::minutes(65),
        evidence: Vec::new(),
    }
}

fn raised(a: Alert, previous: Option<Severity>, suppressed: Option<Suppressed>) -> Event {
    let kind = EventKind::AlertRaised { alert: a, previous, renotify: false, suppressed };
    Event::new("tower", Utc::now(), kind)
}

fn resolved(a: Alert) -> Event {
    Event::new("tower", Utc::now(), EventKind::AlertResolved { alert: a, suppressed: None })
}

async fn received(g: &Gotify, n: usize, what: &str) -> Vec<Value> {
    wait_until(Duration::from_secs(15), what, || g.messages().len() >= n).await;
    g.messages()
}

fn titles(messages: &[Value]) -> Vec<String> {
    messages.iter().map(|m| m["title"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn each_alert_event_is_one_message_with_priority_markdown_and_link() {
    let data = tempfile::tempdir().unwrap();
    let g = Gotify::start(TOKEN).await;
    let app = start(data.path(), settings(&g.url(), TOKEN, 30, Duration::from_secs(3600))).await;
    let mut a = alert("/data", Severity::Warning);
    a.evidence = vec!["EXT4-fs error [see](http://evil.example) <b>bold</b> *x*".into()];
    // How soon it arrives is measured by `bench/notify`, not here.
    app.bus.publish(raised(a.clone(), None, None)).await;
    let first = received(&g, 1, "the first message").await;
    let silenced = Suppressed::Silenced { until: Utc::now() + chrono::Duration::hours(1) };
    app.bus.publish(raised(alert("/srv", Severity::Critical), None, Some(silenced))).await;
    let mut crit = a.clone();
    crit.severity = Severity::Critical;
    app.bus.publish(raised(crit.clone(), Some(Severity::Warning), None)).await;
    app.bus.publish(resolved(crit)).await;
    let all = received(&g, 3, "three messages").await;
    assert_eq!(all.len(), 3, "the suppressed alert was sent: {:?}", titles(&all));
    assert_eq!(
        titles(&all),
        [
            "WARNING tower: fs_usage /data",
            "WARNING → CRITICAL tower: fs_usage /data",
            "RESOLVED tower: fs_usage /data",
        ]
    );
    let prio: Vec<i64> = all.iter().map(|m| m["priority"].as_i64().unwrap()).collect();
    assert_eq!(prio, [5, 8, 8]);
    let m = &first[0];
    assert_eq!(m["extras"]["client::display"]["contentType"], "text/markdown");
    assert_eq!(
        m["extras"]["client::notification"]["click"]["url"],
        format!("{PUBLIC}/api/devices/tower/state")
    );
    let body = m["message"].as_str().unwrap();
    for part in
        ["**Device:** tower", "93.5 \\% (threshold 90 \\%)", "ago)", "/api/devices/tower/state"]
    {
        assert!(body.contains(part), "{part:?} not in {body}");
    }
    // Evidence is escaped: no link, HTML or emphasis can render.
    assert!(body.contains("\\[see\\]\\(http\\:\\/\\/evil\\.example\\)"), "{body}");
    assert!(body.contains("\\<b\\>bold\\<\\/b\\> \\*x\\*"), "{body}");
    assert!(
        all[1]["message"].as_str().unwrap().contains("Escalated from **warning** to **critical**")
    );
    assert!(
        all[2]["message"].as_str().unwrap().contains("Resolved after **1h 5m**"),
        "{}",
        all[2]["message"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_every_message_in_order() {
    let data = tempfile::tempdir().unwrap();
    let mut g = Gotify::start(TOKEN).await;
    let app = start(data.path(), settings(&g.url(), TOKEN, 30, Duration::from_secs(3600))).await;
    g.down().await;
    let objects: Vec<String> = (0..5).map(|i| format!("/disk{i}")).collect();
    for o in &objects {
        app.bus.publish(raised(alert(o, Severity::Critical), None, None)).await;
    }
    let store = app.handle.store().unwrap().clone();
    wait_until(Duration::from_secs(10), "the alerts stored", || {
        let store = store.clone();
        async move { store.events_of_kinds_after(0, &["AlertRaised"], 100).await.unwrap().len() == 5 }
    })
    .await;
    assert!(g.messages().is_empty());
    g.up().await;
    let all = received(&g, 5, "five messages after the receiver returned").await;
    let expect: Vec<String> =
        objects.iter().map(|o| format!("CRITICAL tower: fs_usage {o}")).collect();
    assert_eq!(titles(&all), expect);
    app.shutdown().await;
}

#[tokio::test]
async fn a_restart_sends_nothing_twice() {
    let data = tempfile::tempdir().unwrap();
    let g = Gotify::start(TOKEN).await;
    let notify = settings(&g.url(), TOKEN, 30, Duration::from_secs(3600));
    let app = start(data.path(), notify.clone()).await;
    app.bus.publish(raised(alert("/a", Severity::Warning), None, None)).await;
    app.bus.publish(raised(alert("/b", Severity::Warning), None, None)).await;
    received(&g, 2, "two messages").await;
    app.shutdown().await;
    let app = start(data.path(), notify).await;
    app.bus.publish(resolved(alert("/a", Severity::Warning))).await;
    let all = received(&g, 3, "the message after the restart").await;
    assert_eq!(
        titles(&all),
        ["WARNING tower: fs_usage /a", "WARNING tower: fs_usage /b", "RESOLVED tower: fs_usage /a"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_is_one_request_not_a_storm_and_the_test_says_why() {
    let data = tempfile::tempdir().unwrap();
    let g = Gotify::start(TOKEN).await;
    let app =
        start(data.path(), settings(&g.url(), "wrong-token-000000", 30, Duration::from_secs(3600)))
            .await;
    for o in ["/a", "/b", "/c"] {
        app.bus.publish(raised(alert(o, Severity::Critical), None, None)).await;
    }
    wait_until(Duration::from_secs(10), "the first attempt", || g.requests() >= 1).await;
    let answer = harness::rest::send(app.addr, "POST", "/api/alerts/test", None, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let r = &answer.json["results"][0];
    assert_eq!((r["notifier"].as_str(), r["ok"].as_bool()), (Some("gotify"), Some(false)), "{r}");
    let error = r["error"].as_str().unwrap();
    assert!(
        error.contains("gotify rejected the token") && error.contains("[alerts.gotify] token"),
        "{error}"
    );
    assert!(!error.contains("wrong-token"), "the token shows: {error}");
    let client = harness::mcp::connect(app.addr, None).await;
    let r = harness::mcp::call(&client, "test_notification", serde_json::json!({})).await;
    assert_eq!(harness::mcp::ok(&r)["results"][0]["ok"], false);
    let summary = harness::mcp::text(&r);
    assert!(summary.contains("gotify: failed: gotify rejected the token"), "{summary}");
    client.cancel().await.ok();
    // An observation window (not synchronisation): with a 20 ms backoff a storm would be
    // dozens of requests by now; the rejected token is retried every 10 minutes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(g.requests(), 3, "one attempt of the outbox and the two tests");
    assert!(g.messages().is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn the_test_message_reports_the_message_id() {
    let data = tempfile::tempdir().unwrap();
    let g = Gotify::start(TOKEN).await;
    let app = start(data.path(), settings(&g.url(), TOKEN, 30, Duration::from_secs(3600))).await;
    let answer = harness::rest::send(app.addr, "POST", "/api/alerts/test", None, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["results"][0]["ok"], true, "{}", answer.text);
    assert_eq!(answer.json["results"][0]["message_id"], 1, "{}", answer.text);
    assert_eq!(titles(&g.messages()), ["Infrastructor test notification"]);
    app.shutdown().await;
}

#[tokio::test]
async fn the_excess_over_the_rate_limit_comes_as_one_digest() {
    let data = tempfile::tempdir().unwrap();
    let g = Gotify::start(TOKEN).await;
    let window = Duration::from_secs(3);
    let app = start(data.path(), settings(&g.url(), TOKEN, 2, window)).await;
    // Start right after a window boundary, so the five events fall in one window.
    let ms = window.as_millis() as i64;
    wait_until(Duration::from_secs(5), "the start of a window", || {
        Utc::now().timestamp_millis() % ms < 300
    })
    .await;
    for i in 0..5 {
        app.bus.publish(raised(alert(&format!("/d{i}"), Severity::Warning), None, None)).await;
    }
    let all = received(&g, 3, "two messages and the digest").await;
    assert_eq!(all.len(), 3, "{:?}", titles(&all));
    assert_eq!(titles(&all)[..2], ["WARNING tower: fs_usage /d0", "WARNING tower: fs_usage /d1"]);
    assert_eq!(all[2]["title"], "Digest: 3 alert notifications held back");
    let body = all[2]["message"].as_str().unwrap();
    for i in 2..5 {
        assert!(body.contains(&format!("\\/d{i} is 93\\.5 \\% full")), "{body}");
    }
    assert!(body.contains("over the limit of 2 per hour"), "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn the_webhook_gets_each_alert_event_as_json() {
    let data = tempfile::tempdir().unwrap();
    let g = Gotify::start(TOKEN).await;
    let mut notify = settings(&g.url(), TOKEN, 30, Duration::from_secs(3600));
    let auth = Secret::new("Bearer hook-secret");
    notify.webhook = Some(WebhookSettings {
        url: Secret::new(format!("{}/hook", g.url())),
        headers: vec![("Authorization".into(), auth)],
    });
    let app = start(data.path(), notify).await;
    let muted = raised(alert("/m", Severity::Warning), None, Some(Suppressed::Maintenance));
    app.bus.publish(muted).await;
    let sent = app.bus.publish(raised(alert("/w", Severity::Critical), None, None)).await;
    wait_until(Duration::from_secs(15), "the webhook call", || !g.hooks().is_empty()).await;
    received(&g, 1, "the Gotify message").await;
    let hooks = g.hooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].0.as_deref(), Some("Bearer hook-secret"));
    let body = &hooks[0].1;
    assert_eq!(
        (body["type"].as_str(), body["id"].as_str()),
        (Some("AlertRaised"), Some(sent.id.to_string().as_str()))
    );
    assert_eq!(body["payload"]["alert"]["key"], "fs_usage/tower//w");
    let answer = harness::rest::send(app.addr, "POST", "/api/alerts/test", None, None).await;
    let results: Vec<(String, bool)> = answer.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["notifier"].as_str().unwrap().to_string(), r["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        results,
        [("gotify".to_string(), true), ("webhook".to_string(), true)],
        "{}",
        answer.text
    );
    assert_eq!(g.hooks()[1].1["type"], "Test");
    app.shutdown().await;
}
