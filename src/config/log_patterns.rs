//! `[[alerts.log_patterns]]` as written: the regexes the `logs` probe looks for (checked
//! over the built-in ones in `alerts_resolve.rs`).

use serde::Deserialize;
use toml::Spanned;

/// One `[[alerts.log_patterns]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLogPattern {
    /// The name (`[a-z0-9_-]`): a built-in's name replaces (or, with `enabled = false`,
    /// drops) that built-in.
    pub name: Spanned<String>,
    /// The regex (Rust `regex` syntax; PCRE2 must read it too: it is run on the device).
    pub regex: Option<Spanned<String>>,
    /// `info`, `warning` (default) or `critical`.
    pub severity: Option<Spanned<String>>,
    /// Where to look: `journal`, `containers` (default both).
    pub sources: Option<Spanned<Vec<String>>>,
    /// `false` drops the pattern (default `true`).
    pub enabled: Option<bool>,
}
