//! `[api]`: who may call MCP, REST and WebSocket (bearer tokens with a scope), which `Host`
//! and `Origin` headers are accepted, and whether actions are allowed at all.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::Secret;

/// Shortest accepted token: guessing 128 bits of randomness is hopeless, 8 characters is not.
pub const MIN_TOKEN_LEN: usize = 16;

/// `[api]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileApi {
    /// Bearer tokens (`[[api.tokens]]`); without any the server serves on loopback only.
    #[serde(default)]
    pub tokens: Vec<FileToken>,
    /// `Host` header values accepted by `/mcp` (DNS-rebinding protection; default
    /// `localhost`, `127.0.0.1`, `::1`).
    pub allowed_hosts: Option<Vec<String>>,
    /// Browser `Origin`s accepted by `/mcp` (default: any request without an `Origin`, and
    /// none with one).
    pub allowed_origins: Option<Vec<String>>,
    /// Whether container actions and maintenance mode may be used (admin scope; default false).
    pub allow_actions: Option<bool>,
    /// Most open `/ws` connections (default 1000, 1 ..= 100000); more are refused with 503.
    pub ws_max_connections: Option<Spanned<usize>>,
    /// Events queued per `/ws` client before it lags (default 1024, 16 ..= 65536).
    pub ws_queue: Option<Spanned<usize>>,
}

/// One `[[api.tokens]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileToken {
    /// A name for logs and audit events (never the token itself).
    pub name: Spanned<String>,
    /// The token (secret; 16+ characters).
    pub token: Option<Spanned<String>>,
    /// File whose first line is the token, instead of `token`.
    pub token_file: Option<Spanned<PathBuf>>,
    /// `read` (default) or `admin`.
    pub scope: Option<Spanned<String>>,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Every read: state, history, logs, checks.
    Read,
    /// Reads plus registry changes and (with `allow_actions`) actions.
    Admin,
}

impl Scope {
    /// `read` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Admin => "admin",
        }
    }
}

/// One accepted token.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Its name.
    pub name: String,
    /// The secret.
    pub token: Secret,
    /// What it may do.
    pub scope: Scope,
}

/// `[api]`, validated.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Accepted tokens; empty: no auth, loopback only.
    pub tokens: Vec<ApiToken>,
    /// Accepted `Host` values for `/mcp`.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values for `/mcp` (empty: requests carrying an `Origin` are refused).
    pub allowed_origins: Vec<String>,
    /// Whether actions may be used.
    pub allow_actions: bool,
    /// The live stream's limits and timings.
    pub ws: WsSettings,
}

/// `/ws` limits and timings (the last two are not in the file: tests shorten them).
#[derive(Debug, Clone)]
pub struct WsSettings {
    /// Most open connections.
    pub max_connections: usize,
    /// Events queued per client before it lags.
    pub queue: usize,
    /// How long a connection without a token may take to send its `auth` message.
    pub auth_timeout: std::time::Duration,
    /// Interval of ping frames; a connection silent for two is closed.
    pub heartbeat: std::time::Duration,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            max_connections: 1000,
            queue: 1024,
            auth_timeout: std::time::Duration::from_secs(10),
            heartbeat: std::time::Duration::from_secs(20),
        }
    }
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            allowed_hosts: ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec(),
            allowed_origins: Vec::new(),
            allow_actions: false,
            ws: WsSettings::default(),
        }
    }
}
