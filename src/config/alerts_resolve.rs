//! Checks of `[alerts]`, each mistake naming its field: the rules' thresholds over the
//! defaults, switches and overrides, the hysteresis, and the notifiers (`public_url`,
//! `rate_limit_per_hour`, `[alerts.gotify]`, `[alerts.webhook]`), the log patterns.

use std::sync::Arc;
use std::time::Duration;

use infrastructor_actors::alerts::{Override, RULES, RuleSettings};
use infrastructor_actors::analysis::Thresholds;
use infrastructor_actors::model::alerts::Severity;
use infrastructor_actors::probes::logs::{LogPattern, LogPatterns, default_patterns};
use toml::Spanned;

use super::Secret;
use super::alerts::{AlertSettings, FileAlerts};
use super::error::ConfigError;
use super::log_patterns::FileLogPattern;
use super::notify::{
    DEFAULT_RATE_LIMIT, FileGotify, FileWebhook, GotifySettings, NotifySettings, NotifyTiming,
    Priorities, WebhookSettings,
};
use super::resolve::Resolver;

impl Resolver<'_> {
    /// `[alerts]` resolved.
    pub(super) fn alerts(&self, a: &FileAlerts) -> Result<AlertSettings, ConfigError> {
        Ok(AlertSettings {
            rules: self.alert_rules(a)?,
            notify: self.notify(a)?,
            log_patterns: self.log_patterns(a.default_log_patterns, &a.log_patterns)?,
        })
    }
}

impl Resolver<'_> {
    fn duration_of(&self, field: &str, v: &Spanned<String>) -> Result<Duration, ConfigError> {
        super::parse_duration(v.get_ref()).or_else(|e| self.invalid(v.span(), field, e))
    }

    fn thresholds_of(
        &self,
        field: &str,
        t: &Spanned<toml::Table>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ConfigError> {
        let known = serde_json::to_value(Thresholds::default()).unwrap_or_default();
        let known = known.as_object().cloned().unwrap_or_default();
        let mut out = serde_json::Map::new();
        for (k, v) in t.get_ref() {
            if !known.contains_key(k) {
                let names: Vec<&str> = known.keys().map(String::as_str).collect();
                let msg = format!("unknown threshold `{k}` (known: {})", names.join(", "));
                return self.invalid(t.span(), field, msg);
            }
            let Some(n) = v.as_float().or(v.as_integer().map(|i| i as f64)) else {
                return self.invalid(t.span(), &format!("{field}.{k}"), "must be a number".into());
            };
            if !n.is_finite() || n < 0.0 {
                return self.invalid(t.span(), &format!("{field}.{k}"), "must be 0 or more".into());
            }
            let v =
                if known[k].is_f64() { serde_json::json!(n) } else { serde_json::json!(n as i64) };
            out.insert(k.clone(), v);
        }
        Ok(out)
    }

    /// Validates the rules part of `[alerts]`.
    pub(super) fn alert_rules(&self, a: &FileAlerts) -> Result<RuleSettings, ConfigError> {
        let mut s = RuleSettings::default();
        if let Some(t) = &a.thresholds {
            let over = self.thresholds_of("alerts.thresholds", t)?;
            let mut base = serde_json::to_value(&s.thresholds).unwrap_or_default();
            if let Some(b) = base.as_object_mut() {
                b.extend(over);
            }
            s.thresholds = serde_json::from_value(base).unwrap_or_default();
        }
        for (name, r) in &a.rules {
            if !RULES.contains(&name.get_ref().as_str()) {
                let msg =
                    format!("unknown rule `{}` (rules: {})", name.get_ref(), RULES.join(", "));
                return self.invalid(name.span(), "alerts.rules", msg);
            }
            let field = |f: &str| format!("alerts.rules.{}.{f}", name.get_ref());
            let rule = s
                .rules
                .entry(name.get_ref().clone())
                .or_insert_with(|| infrastructor_actors::alerts::Rule::default_for(name.get_ref()));
            if let Some(e) = r.enabled {
                rule.enabled = e;
            }
            if let Some(h) = &r.hold {
                rule.hold = self.duration_of(&field("for"), h)?;
            }
            if let Some(c) = &r.clear_for {
                rule.clear_for = self.duration_of(&field("clear_for"), c)?;
            }
            if let Some(n) = &r.renotify {
                let every = self.duration_of(&field("renotify"), n)?;
                if every < Duration::from_secs(60) {
                    return self.invalid(
                        n.span(),
                        &field("renotify"),
                        "must be at least 1m".into(),
                    );
                }
                rule.renotify = Some(every);
            }
        }
        for (i, o) in a.overrides.iter().enumerate() {
            let field = |f: &str| format!("alerts.overrides[{i}].{f}");
            if let Some(r) = &o.rule
                && !RULES.contains(&r.get_ref().as_str())
            {
                let msg = format!("unknown rule `{}` (rules: {})", r.get_ref(), RULES.join(", "));
                return self.invalid(r.span(), &field("rule"), msg);
            }
            let thresholds = match &o.thresholds {
                Some(t) => self.thresholds_of(&field("thresholds"), t)?,
                None => serde_json::Map::new(),
            };
            s.overrides.push(Override {
                device: o.device.clone(),
                rule: o.rule.as_ref().map(|r| r.get_ref().clone()),
                object: o.object.clone(),
                enabled: o.enabled,
                thresholds,
            });
        }
        if let Some(h) = a.hysteresis_percent {
            s.hysteresis_percent = h.clamp(0.0, 50.0);
        }
        if let Some(h) = a.hysteresis_celsius {
            s.hysteresis_celsius = h.clamp(0, 30);
        }
        Ok(s)
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

impl Resolver<'_> {
    /// The patterns: the built-ins (unless `default_log_patterns = false`), replaced or
    /// dropped by name, then the others in file order.
    pub(super) fn log_patterns(
        &self,
        defaults: Option<bool>,
        file: &[FileLogPattern],
    ) -> Result<Arc<LogPatterns>, ConfigError> {
        let mut list = if defaults.unwrap_or(true) { default_patterns() } else { Vec::new() };
        for (i, f) in file.iter().enumerate() {
            let field = |k: &str| format!("alerts.log_patterns[{i}].{k}");
            let name = f.name.get_ref().clone();
            let at = list.iter().position(|p| p.name == name);
            if f.enabled == Some(false) {
                if let Some(at) = at {
                    list.remove(at);
                }
                continue;
            }
            let Some(regex) = &f.regex else {
                return self.invalid(f.name.span(), &field("regex"), "is required".into());
            };
            let severity = match f.severity.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                None | Some(("warning", _)) => Severity::Warning,
                Some(("info", _)) => Severity::Info,
                Some(("critical", _)) => Severity::Critical,
                Some((other, span)) => {
                    let msg = format!("must be info, warning or critical, not \"{other}\"");
                    return self.invalid(span, &field("severity"), msg);
                }
            };
            let (mut journal, mut containers) = (true, true);
            if let Some(s) = &f.sources {
                (journal, containers) = (false, false);
                for src in s.get_ref() {
                    match src.as_str() {
                        "journal" => journal = true,
                        "containers" => containers = true,
                        other => {
                            let msg =
                                format!("must list journal and/or containers, not \"{other}\"");
                            return self.invalid(s.span(), &field("sources"), msg);
                        }
                    }
                }
            }
            let p =
                LogPattern { name, regex: regex.get_ref().clone(), severity, journal, containers };
            // Checked one by one, so the error points at this entry.
            if let Err(e) = LogPatterns::new(vec![p.clone()]) {
                return self.invalid(regex.span(), &field("regex"), e);
            }
            match at {
                Some(at) => list[at] = p,
                None => list.push(p),
            }
        }
        match LogPatterns::new(list) {
            Ok(p) => Ok(Arc::new(p)),
            Err(e) => self.invalid(0..0, "alerts.log_patterns", e),
        }
    }
}
