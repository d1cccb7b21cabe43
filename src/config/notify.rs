//! The notifier half of `[alerts]`: `public_url` for the links, `rate_limit_per_hour`,
//! `[alerts.gotify]` (url, token or token_file, priorities per severity) and
//! `[alerts.webhook]` (url, headers), as written and resolved; each mistake names its field.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::Secret;

/// Default `rate_limit_per_hour`.
pub const DEFAULT_RATE_LIMIT: u32 = 30;

/// `[alerts.gotify]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGotify {
    /// The Gotify server, e.g. `https://gotify.example.org` (messages go to `{url}/message`).
    pub url: Spanned<String>,
    /// The application token (secret).
    pub token: Option<Spanned<String>>,
    /// File whose first line is the token, instead of `token`.
    pub token_file: Option<Spanned<PathBuf>>,
    /// Gotify priority (0 ..= 10) per severity.
    #[serde(default)]
    pub priorities: FilePriorities,
}

/// `priorities = { info = 2, warning = 5, critical = 8 }` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilePriorities {
    /// Priority of `info` alerts (default 2: quiet).
    pub info: Option<Spanned<i64>>,
    /// Priority of `warning` alerts (default 5: sound).
    pub warning: Option<Spanned<i64>>,
    /// Priority of `critical` alerts (default 8: sound and vibration).
    pub critical: Option<Spanned<i64>>,
}

/// `[alerts.webhook]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileWebhook {
    /// Where each alert event is POSTed as JSON.
    pub url: Spanned<String>,
    /// Extra request headers, e.g. `{ Authorization = "Bearer …" }` (values are secrets).
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
}

/// Gotify priority per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priorities {
    /// `info`.
    pub info: u8,
    /// `warning`.
    pub warning: u8,
    /// `critical`.
    pub critical: u8,
}

impl Default for Priorities {
    fn default() -> Self {
        Self { info: 2, warning: 5, critical: 8 }
    }
}

/// `[alerts.gotify]`, resolved.
#[derive(Debug, Clone)]
pub struct GotifySettings {
    /// The server's base URL, without a trailing `/`.
    pub url: String,
    /// The application token.
    pub token: Secret,
    /// Priority per severity.
    pub priorities: Priorities,
}

/// `[alerts.webhook]`, resolved.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Where events are POSTed (a secret: webhook URLs often carry one, as Slack's do).
    pub url: Secret,
    /// Extra headers (name, secret value).
    pub headers: Vec<(String, Secret)>,
}

/// Delivery timings (not in the file: tests shorten them).
#[derive(Debug, Clone)]
pub struct NotifyTiming {
    /// First wait before retrying a failed delivery (doubles each time).
    pub retry_min: Duration,
    /// Longest wait between two retries.
    pub retry_max: Duration,
    /// Wait between two attempts while the receiver rejects the token (or the request).
    pub rejected_retry: Duration,
    /// The rate limit's window (one hour; messages over the limit wait for the next one,
    /// folded into one digest).
    pub window: Duration,
    /// How often the outbox is read without being woken (a nudge from the bus wakes it).
    pub poll: Duration,
    /// Deadline of one HTTP request.
    pub request_timeout: Duration,
}

impl Default for NotifyTiming {
    fn default() -> Self {
        Self {
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            rejected_retry: Duration::from_secs(600),
            window: Duration::from_secs(3600),
            poll: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Where notifications go, resolved.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// This server's URL as users reach it, for click links (no trailing `/`).
    pub public_url: Option<String>,
    /// Most messages per notifier per hour; the excess is folded into one digest.
    pub rate_limit_per_hour: u32,
    /// Gotify, if configured.
    pub gotify: Option<GotifySettings>,
    /// The generic JSON webhook, if configured.
    pub webhook: Option<WebhookSettings>,
    /// Retries, rate window, polling.
    pub timing: NotifyTiming,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            public_url: None,
            rate_limit_per_hour: DEFAULT_RATE_LIMIT,
            gotify: None,
            webhook: None,
            timing: NotifyTiming::default(),
        }
    }
}
