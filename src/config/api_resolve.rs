//! Validation of `[api]`: token names, secrets (inline or from a file) and scopes, hosts,
//! origins and `allow_actions`, each mistake naming its field.

use super::Secret;
use toml::Spanned;

use super::api::{ApiSettings, ApiToken, FileApi, MIN_TOKEN_LEN, Scope, WsSettings};
use super::error::ConfigError;
use super::resolve::Resolver;

impl Resolver<'_> {
    /// Validates `[api]`.
    pub(super) fn api(&self, api: &FileApi) -> Result<ApiSettings, ConfigError> {
        let mut tokens: Vec<ApiToken> = Vec::new();
        for (i, t) in api.tokens.iter().enumerate() {
            let field = |f: &str| format!("api.tokens[{i}].{f}");
            let name = t.name.get_ref().trim();
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                return self.invalid(
                    t.name.span(),
                    &field("name"),
                    "must be 1 to 64 printable characters".into(),
                );
            }
            if tokens.iter().any(|o| o.name == name) {
                return self.invalid(
                    t.name.span(),
                    &field("name"),
                    format!("duplicate token name \"{name}\""),
                );
            }
            let (secret, span) = match (&t.token, &t.token_file) {
                (Some(_), Some(f)) => {
                    return self.invalid(
                        f.span(),
                        &field("token_file"),
                        "set either token or token_file, not both".into(),
                    );
                }
                (Some(v), None) => (v.get_ref().trim().to_owned(), v.span()),
                (None, Some(f)) => (self.secret_file(f, &field("token_file"))?, f.span()),
                (None, None) => {
                    return self.invalid(
                        t.name.span(),
                        &field("token"),
                        "set token or token_file".into(),
                    );
                }
            };
            if secret.chars().count() < MIN_TOKEN_LEN
                || secret.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                let msg = format!(
                    "must be at least {MIN_TOKEN_LEN} characters without spaces (e.g. `openssl rand -hex 32`)"
                );
                return self.invalid(span, &field("token"), msg);
            }
            if tokens.iter().any(|o| o.token.expose() == secret) {
                return self.invalid(span, &field("token"), "the same token is given twice".into());
            }
            let scope = match t.scope.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                None | Some(("read", _)) => Scope::Read,
                Some(("admin", _)) => Scope::Admin,
                Some((other, span)) => {
                    return self.invalid(
                        span,
                        &field("scope"),
                        format!("must be \"read\" or \"admin\", got \"{other}\""),
                    );
                }
            };
            tokens.push(ApiToken { name: name.to_owned(), token: Secret::new(secret), scope });
        }
        let defaults = ApiSettings::default();
        let mut ws = WsSettings::default();
        let bounded = |v: &Option<Spanned<usize>>, field: &str, lo: usize, hi: usize, dflt| match v
        {
            None => Ok(dflt),
            Some(v) if (lo..=hi).contains(v.get_ref()) => Ok(*v.get_ref()),
            Some(v) => self.invalid(
                v.span(),
                field,
                format!("must be between {lo} and {hi}, got {}", v.get_ref()),
            ),
        };
        ws.max_connections = bounded(
            &api.ws_max_connections,
            "api.ws_max_connections",
            1,
            100_000,
            ws.max_connections,
        )?;
        ws.queue = bounded(&api.ws_queue, "api.ws_queue", 16, 65_536, ws.queue)?;
        Ok(ApiSettings {
            ws,
            tokens,
            allowed_hosts: api.allowed_hosts.clone().unwrap_or(defaults.allowed_hosts),
            allowed_origins: api.allowed_origins.clone().unwrap_or_default(),
            allow_actions: api.allow_actions.unwrap_or(false),
        })
    }
}
