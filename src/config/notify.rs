//! The notifier half of `[alerts]`: `public_url` for the links, `rate_limit_per_hour`,
//! `[alerts.gotify]` (url, token or token_file, priorities per severity) and
//! `[alerts.webhook]` (url, headers), as written and resolved; each mistake names its field.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::Secret;
use super::alerts::FileAlerts;
use super::error::ConfigError;
use super::resolve::Resolver;

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

impl Resolver<'_> {
    /// An `http(s)://` URL field, without its trailing `/` (not repeated in the error
    /// when it is `secret`).
    fn http_url(
        &self,
        v: &Spanned<String>,
        field: &str,
        secret: bool,
    ) -> Result<String, ConfigError> {
        let text = v.get_ref().trim();
        let shown = if secret { String::new() } else { format!(" \"{text}\"") };
        match reqwest::Url::parse(text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                Ok(text.trim_end_matches('/').to_owned())
            }
            Ok(_) => {
                let msg = format!("must be an http:// or https:// URL, got{shown}");
                self.invalid(v.span(), field, msg)
            }
            Err(e) => self.invalid(v.span(), field, format!("invalid URL{shown}: {e}")),
        }
    }

    fn priority(&self, v: &Option<Spanned<i64>>, field: &str, dflt: u8) -> Result<u8, ConfigError> {
        let why = " (0 silent, 1-3 quiet, 4-7 sound, 8-10 sound and vibration)";
        let n = self.integer(v, field, i64::from(dflt), (0, 10), why)?;
        Ok(u8::try_from(n).unwrap_or(dflt))
    }

    fn gotify(&self, g: &FileGotify) -> Result<GotifySettings, ConfigError> {
        let url = self.http_url(&g.url, "alerts.gotify.url", false)?;
        let token = match (&g.token, &g.token_file) {
            (Some(_), Some(f)) => {
                let msg = "set either token or token_file, not both".to_owned();
                return self.invalid(f.span(), "alerts.gotify.token_file", msg);
            }
            (Some(t), None) if t.get_ref().trim().is_empty() => {
                return self.invalid(t.span(), "alerts.gotify.token", "must not be empty".into());
            }
            (Some(t), None) => t.get_ref().trim().to_owned(),
            (None, Some(f)) => self.secret_file(f, "alerts.gotify.token_file")?,
            (None, None) => {
                let msg = "set token or token_file (the token of a Gotify application)".to_owned();
                return self.invalid(g.url.span(), "alerts.gotify.token", msg);
            }
        };
        let d = Priorities::default();
        let p = &g.priorities;
        let priorities = Priorities {
            info: self.priority(&p.info, "alerts.gotify.priorities.info", d.info)?,
            warning: self.priority(&p.warning, "alerts.gotify.priorities.warning", d.warning)?,
            critical: self.priority(
                &p.critical,
                "alerts.gotify.priorities.critical",
                d.critical,
            )?,
        };
        Ok(GotifySettings { url, token: Secret::new(token), priorities })
    }

    fn webhook(&self, w: &FileWebhook) -> Result<WebhookSettings, ConfigError> {
        let url = Secret::new(self.http_url(&w.url, "alerts.webhook.url", true)?);
        let mut headers = Vec::new();
        for (name, value) in &w.headers {
            let field = format!("alerts.webhook.headers.{name}");
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return self.invalid(value.span(), &field, "is not a valid header name".into());
            }
            if reqwest::header::HeaderValue::from_str(value.get_ref()).is_err() {
                let msg = "must be visible ASCII characters (no line breaks)".to_owned();
                return self.invalid(value.span(), &field, msg);
            }
            headers.push((name.clone(), Secret::new(value.get_ref().clone())));
        }
        Ok(WebhookSettings { url, headers })
    }

    /// Validates the notifier fields of `[alerts]`.
    pub(super) fn notify(&self, a: &FileAlerts) -> Result<NotifySettings, ConfigError> {
        let public_url = match &a.public_url {
            Some(u) => Some(self.http_url(u, "alerts.public_url", false)?),
            None => None,
        };
        let limit = self.integer(
            &a.rate_limit_per_hour,
            "alerts.rate_limit_per_hour",
            i64::from(DEFAULT_RATE_LIMIT),
            (1, 3600),
            "",
        )?;
        Ok(NotifySettings {
            public_url,
            rate_limit_per_hour: u32::try_from(limit).unwrap_or(DEFAULT_RATE_LIMIT),
            gotify: a.gotify.as_ref().map(|g| self.gotify(g)).transpose()?,
            webhook: a.webhook.as_ref().map(|w| self.webhook(w)).transpose()?,
            timing: NotifyTiming::default(),
        })
    }
}
