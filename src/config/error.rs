//! Configuration errors that name the file, line and field, and never print a secret.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Where in a config file something is: `file:line:column` (1-based), or just the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The config file (or a pseudo-name such as `<env>` for text without a file).
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub line_col: Option<(usize, usize)>,
}

impl Location {
    /// A location inside `text` (the contents of `file`) at byte offset `span.start`.
    pub fn at(file: &Path, text: &str, span: Option<Range<usize>>) -> Self {
        let line_col = span.map(|s| line_col(text, s.start));
        Self { file: file.to_path_buf(), line_col }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((line, col)) => write!(f, "{}:{line}:{col}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read (config file, secret file, ssh config).
    #[error("{}: cannot read {what}: {}", file.display(), lower_first(&source.to_string()))]
    Read {
        /// The file that failed.
        file: PathBuf,
        /// What the file was for ("config file", "passphrase_file", ...).
        what: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML did not parse or did not match the expected shape.
    #[error("{location}: {message}")]
    Syntax {
        /// Where the error is.
        location: Location,
        /// Message naming the field (already scrubbed of secrets).
        message: String,
    },
    /// A value parsed but is not acceptable (bad interval, duplicate name, port 0, ...).
    #[error("{location}: {field}: {message}")]
    Invalid {
        /// Where the offending value is.
        location: Location,
        /// Dotted path of the field, e.g. `devices[1].probes.metrics.interval`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// An `INFRASTRUCTOR_*` environment variable has a bad value.
    #[error("environment variable {var}: {message}")]
    Env {
        /// Name of the variable.
        var: &'static str,
        /// What is wrong with it (never the value of a secret).
        message: String,
    },
    /// An OpenSSH client config could not be imported.
    #[error("{}: {message}", file.display())]
    SshConfig {
        /// The ssh config file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl ConfigError {
    /// Whether retrying could help (a read that was interrupted); config mistakes are permanent.
    pub fn is_transient(&self) -> bool {
        use std::io::ErrorKind::{Interrupted, TimedOut, WouldBlock};
        matches!(self, Self::Read { source, .. } if matches!(source.kind(), Interrupted | TimedOut | WouldBlock))
    }

    /// Converts a `toml` deserialization error of `text` (the contents of `file`).
    pub fn from_toml(file: &Path, text: &str, err: &toml::de::Error) -> Self {
        let span = err.span();
        let location = Location::at(file, text, span.clone());
        let table = span.as_ref().map(|s| table_path(text, s.start)).unwrap_or_default();
        let key = span.as_ref().and_then(|s| key_at(text, s.clone()));
        let message = err.message().trim().replace('\n', "; ");
        let field = match (&table[..], &key) {
            ("", Some(k)) => k.clone(),
            (t, Some(k)) => format!("{t}.{k}"),
            (t, None) => t.to_owned(),
        };
        let message = if is_secret_field(&field) {
            format!("{field}: invalid value (not shown: secret)")
        } else if message.starts_with("unknown field") {
            let place =
                if table.is_empty() { "at top level".to_owned() } else { format!("in {table}") };
            match message.find(", expected") {
                Some(i) => format!("{} {place}{}", &message[..i], &message[i..]),
                None => format!("{message} {place}"),
            }
        } else if field.is_empty() {
            message
        } else {
            format!("{field}: {message}")
        };
        Self::Syntax { location, message }
    }
}

/// `s` with its first character lowercased (OS error texts start uppercase).
pub fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// Whether a dotted field path names a secret whose value must never be printed.
pub fn is_secret_field(field: &str) -> bool {
    let last = field.rsplit('.').next().unwrap_or(field);
    matches!(last, "passphrase" | "database_url" | "token")
        || field.starts_with("alerts.webhook.headers")
        || field == "alerts.webhook.url"
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The table a byte offset falls in, as a path: `fleet.restart`, `devices[1].probes.metrics`
/// (array indices 0-based). Empty at top level. A light line scan, good enough for messages.
pub fn table_path(text: &str, offset: usize) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut current = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > offset {
            break;
        }
        pos += line.len();
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = clean_header(name);
            match counts.iter_mut().find(|(k, _)| *k == name) {
                Some((_, n)) => *n += 1,
                None => counts.push((name.clone(), 0)),
            }
            current = index_path(&name, &counts);
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            current = index_path(&clean_header(name), &counts);
        }
    }
    current
}

/// Header text without spaces or quotes: `devices . probes` -> `devices.probes`.
fn clean_header(name: &str) -> String {
    name.split('.').map(|p| p.trim().trim_matches('"')).collect::<Vec<_>>().join(".")
}

/// Adds `[i]` after every prefix of `name` that is an array of tables seen so far.
fn index_path(name: &str, counts: &[(String, usize)]) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    let mut out = String::new();
    for i in 0..parts.len() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(parts[i]);
        let prefix = parts[..=i].join(".");
        if let Some((_, n)) = counts.iter().find(|(k, _)| *k == prefix) {
            out.push_str(&format!("[{n}]"));
        }
    }
    out
}

/// The key an error span refers to: the key itself if the span covers a bare key, otherwise
/// the key before `=` on the line where the span starts.
fn key_at(text: &str, span: Range<usize>) -> Option<String> {
    let line_start = text.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.start..].find('\n').map_or(text.len(), |i| span.start + i);
    let line = &text[line_start..line_end];
    let rel = span.start - line_start;
    let eq = line.find('=')?;
    let key = line[..eq].trim().trim_matches('"');
    if key.is_empty() || line.trim_start().starts_with('[') {
        return None;
    }
    if rel <= eq && text.get(span.clone()).is_some_and(|s| s.trim().trim_matches('"') != key) {
        return None;
    }
    Some(key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 11), (2, 6));
    }

    #[test]
    fn table_paths_count_arrays() {
        let text = "x = 1\n[fleet.restart]\ny = 2\n[[devices]]\nname = \"a\"\n[[devices]]\nname = \"b\"\n[devices.probes.metrics]\nenabled = true\n";
        assert_eq!(table_path(text, 2), "");
        assert_eq!(table_path(text, text.find("y =").unwrap()), "fleet.restart");
        assert_eq!(table_path(text, text.find("\"a\"").unwrap()), "devices[0]");
        assert_eq!(table_path(text, text.find("\"b\"").unwrap()), "devices[1]");
        assert_eq!(table_path(text, text.find("enabled").unwrap()), "devices[1].probes.metrics");
    }

    #[test]
    fn secret_values_are_hidden() {
        let text = "[[devices]]\nname = \"a\"\npassphrase = 123456\n";
        let err = toml::from_str::<toml::Value>(text).map(|_| ()).and_then(|_| {
            #[derive(serde::Deserialize, Debug)]
            #[allow(dead_code)]
            struct D {
                devices: Vec<P>,
            }
            #[derive(serde::Deserialize, Debug)]
            #[allow(dead_code)]
            struct P {
                name: String,
                passphrase: String,
            }
            toml::from_str::<D>(text).map(|_| ())
        });
        let msg = ConfigError::from_toml(Path::new("f.toml"), text, &err.unwrap_err()).to_string();
        assert!(!msg.contains("123456"), "{msg}");
        assert!(msg.starts_with("f.toml:3:"), "{msg}");
        assert!(msg.contains("devices[0].passphrase"), "{msg}");
    }

    #[test]
    fn location_without_line() {
        let loc = Location::at(Path::new("x.toml"), "", None);
        assert_eq!(loc.to_string(), "x.toml");
    }
}
