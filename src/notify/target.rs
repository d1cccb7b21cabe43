//! The receivers: Gotify (`POST {url}/message`, `X-Gotify-Key`, `{title, message, priority,
//! extras}`, markdown) and the generic JSON webhook (the alert event as stored). One request
//! per message; the answer is classified so the outbox knows whether to retry soon
//! (network, 5xx, 429), rarely (401/403: the token; another 4xx: the request), or not at all.

use std::time::Duration;

use infrastructor_actors::events::Event;
use infrastructor_actors::model::alerts::Severity;
use serde_json::{Value, json};

use super::message::{self, Message};
use crate::config::notify::{GotifySettings, Priorities, WebhookSettings};

/// What to send.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// One alert event.
    Event(&'a Event),
    /// The alert events the rate limit held back, in one message.
    Digest(&'a [Event], u32),
    /// A test message.
    Test,
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Network error, timeout, 5xx or 429: retried with backoff.
    Transient(String),
    /// 401 or 403: a configuration error (the token); retried rarely.
    Rejected(String),
    /// Another 4xx: the receiver refuses the request; retried rarely.
    Refused(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transient(m) | Self::Rejected(m) | Self::Refused(m) => f.write_str(m),
        }
    }
}

/// Which receiver.
#[derive(Debug, Clone)]
enum Kind {
    Gotify(GotifySettings),
    Webhook(WebhookSettings),
}

/// One configured receiver with its HTTP client.
#[derive(Debug, Clone)]
pub struct Target {
    /// `gotify` or `webhook` (also its cursor's name in the store).
    pub name: &'static str,
    kind: Kind,
    client: reqwest::Client,
    public_url: Option<String>,
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("infrastructor/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

fn priority(p: &Priorities, s: Severity) -> u8 {
    match s {
        Severity::Info => p.info,
        Severity::Warning => p.warning,
        Severity::Critical => p.critical,
    }
}

/// The Gotify request body of `m`.
pub fn gotify_body(m: &Message, p: &Priorities) -> Value {
    let mut extras = json!({ "client::display": { "contentType": "text/markdown" } });
    if let Some(url) = &m.click {
        extras["client::notification"] = json!({ "click": { "url": url } });
    }
    json!({
        "title": m.title,
        "message": m.body,
        "priority": priority(p, m.severity),
        "extras": extras,
    })
}

/// The webhook request body of `item`: the event as stored, or a digest or test envelope.
pub fn webhook_body(item: Item<'_>) -> Value {
    match item {
        Item::Event(ev) => serde_json::to_value(ev).unwrap_or(Value::Null),
        Item::Digest(events, limit) => json!({
            "type": "AlertDigest",
            "payload": { "count": events.len(), "limit_per_hour": limit, "events": events },
        }),
        Item::Test => json!({
            "type": "Test",
            "payload": { "message": "Infrastructor test notification" },
        }),
    }
}

impl Target {
    /// Gotify at `s`.
    pub fn gotify(s: GotifySettings, public_url: Option<String>, timeout: Duration) -> Self {
        Self { name: "gotify", kind: Kind::Gotify(s), client: client(timeout), public_url }
    }

    /// The webhook at `s`.
    pub fn webhook(s: WebhookSettings, public_url: Option<String>, timeout: Duration) -> Self {
        Self { name: "webhook", kind: Kind::Webhook(s), client: client(timeout), public_url }
    }

    /// The config table to fix when the receiver rejects us.
    pub fn table(&self) -> &'static str {
        match self.kind {
            Kind::Gotify(_) => "[alerts.gotify]",
            Kind::Webhook(_) => "[alerts.webhook]",
        }
    }

    /// Sends `item`; the message id the receiver gave (Gotify), if any.
    pub async fn send(&self, item: Item<'_>) -> Result<Option<u64>, SendError> {
        let public = self.public_url.as_deref();
        let (req, body) = match &self.kind {
            Kind::Gotify(g) => {
                let m = match item {
                    Item::Event(ev) => match message::of_event(ev, public, chrono::Utc::now()) {
                        Some(m) => m,
                        None => return Ok(None),
                    },
                    Item::Digest(events, limit) => message::digest(events, limit, public),
                    Item::Test => message::test(public),
                };
                let req = self
                    .client
                    .post(format!("{}/message", g.url))
                    .header("X-Gotify-Key", g.token.expose());
                (req, gotify_body(&m, &g.priorities))
            }
            Kind::Webhook(w) => {
                let mut req = self.client.post(w.url.expose());
                for (name, value) in &w.headers {
                    req = req.header(name.as_str(), value.expose());
                }
                (req, webhook_body(item))
            }
        };
        let req =
            req.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_string());
        let resp = req.send().await.map_err(|e| {
            // Without the URL (a webhook URL may be a secret, as Slack's are) or any header.
            SendError::Transient(format!("{} unreachable: {}", self.name, describe(e)))
        })?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let excerpt: String = text.chars().take(200).collect();
        match status.as_u16() {
            200..=299 => {
                let id = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("id").and_then(Value::as_u64));
                Ok(id)
            }
            401 | 403 => Err(SendError::Rejected(match self.kind {
                Kind::Gotify(_) => format!(
                    "gotify rejected the token (HTTP {}): check [alerts.gotify] token",
                    status.as_u16()
                ),
                Kind::Webhook(_) => format!(
                    "webhook rejected the request (HTTP {}): check [alerts.webhook] headers",
                    status.as_u16()
                ),
            })),
            429 | 500..=599 => Err(SendError::Transient(format!(
                "{} answered HTTP {}: {excerpt}",
                self.name,
                status.as_u16()
            ))),
            code => Err(SendError::Refused(format!(
                "{} refused the message (HTTP {code}): {excerpt}; check {} url",
                self.name,
                self.table()
            ))),
        }
    }
}

/// A reqwest error with its causes, on one line, without the URL.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
