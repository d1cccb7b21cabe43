//! `[[alerts.log_patterns]]`: the regexes the `logs` probe looks for, as written and as
//! checked, over the built-in ones (out of memory, I/O errors, segfaults, filesystem errors).

use std::sync::Arc;

use infrastructor_actors::model::alerts::Severity;
use infrastructor_actors::probes::logs::{LogPattern, LogPatterns, default_patterns};
use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;
use super::resolve::Resolver;

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
