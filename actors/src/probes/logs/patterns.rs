//! Log patterns: named regexes with a severity and the sources they apply to, checked when
//! configured (a bad one is a config error, never a poll error), with the built-in defaults.

use regex::Regex;

use crate::model::alerts::Severity;

/// One pattern as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPattern {
    /// Its name: the alert object's first part (`oom`), `[a-z0-9_-]`, 1 to 64 characters.
    pub name: String,
    /// The regex: Rust `regex` syntax that PCRE2 also reads (it is run on the device by
    /// `journalctl --grep` and `grep -P`, then again here to tell which pattern matched).
    pub regex: String,
    /// The severity of a match.
    pub severity: Severity,
    /// Whether the journal is searched.
    pub journal: bool,
    /// Whether the running containers' logs are searched.
    pub containers: bool,
}

impl LogPattern {
    fn new(name: &str, regex: &str, severity: Severity) -> Self {
        let (name, regex) = (name.to_string(), regex.to_string());
        Self { name, regex, severity, journal: true, containers: true }
    }
}

/// The built-in patterns: out-of-memory kills, I/O errors, segfaults and filesystem errors.
pub fn default_patterns() -> Vec<LogPattern> {
    use Severity::{Critical, Warning};
    vec![
        LogPattern::new(
            "oom",
            r"(?i)out of memory|oom-kill|invoked oom-killer|OutOfMemoryError|cannot allocate memory",
            Critical,
        ),
        LogPattern::new(
            "io_error",
            r"(?i)\bI/O error|critical medium error|medium error|failed command: (?:READ|WRITE)",
            Critical,
        ),
        LogPattern::new(
            "segfault",
            r"(?i)segfault at|segmentation fault|general protection fault",
            Warning,
        ),
        LogPattern::new(
            "fs_error",
            r"(?i)EXT4-fs error|XFS \(\S+\): (?:corruption|metadata I/O error)|BTRFS (?:error|critical)|remounting filesystem read-only|structure needs cleaning",
            Critical,
        ),
    ]
}

/// The longest regex accepted, in bytes.
pub const MAX_REGEX_BYTES: usize = 1024;

/// Checked patterns, compiled.
#[derive(Debug, Clone, Default)]
pub struct LogPatterns {
    patterns: Vec<(LogPattern, Regex)>,
}

impl PartialEq for LogPatterns {
    fn eq(&self, other: &Self) -> bool {
        self.patterns.iter().map(|p| &p.0).eq(other.patterns.iter().map(|p| &p.0))
    }
}

impl LogPatterns {
    /// Checks and compiles `list`: a name of `[a-z0-9_-]` (1 to 64), unique; a regex of at
    /// most 1024 bytes on one line that compiles; at least one source.
    pub fn new(list: Vec<LogPattern>) -> Result<Self, String> {
        let mut patterns: Vec<(LogPattern, Regex)> = Vec::new();
        for p in list {
            let name_ok = !p.name.is_empty()
                && p.name.len() <= 64
                && p.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            if !name_ok {
                return Err(format!(
                    "log pattern name '{}' must be 1 to 64 of a-z, 0-9, '_' and '-'",
                    p.name
                ));
            }
            if patterns.iter().any(|(q, _)| q.name == p.name) {
                return Err(format!("log pattern '{}' is defined twice", p.name));
            }
            if p.regex.is_empty()
                || p.regex.len() > MAX_REGEX_BYTES
                || p.regex.contains(['\n', '\r', '\0'])
            {
                return Err(format!(
                    "log pattern '{}': the regex must be one line of 1 to {MAX_REGEX_BYTES} bytes",
                    p.name
                ));
            }
            if !p.journal && !p.containers {
                return Err(format!("log pattern '{}' searches no source", p.name));
            }
            let re = Regex::new(&p.regex).map_err(|e| {
                // The parser's message spans lines (the regex, a caret, the error): keep the
                // error, on one line.
                let text = e.to_string();
                let last = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or("");
                let why = last.strip_prefix("error: ").unwrap_or(last);
                format!("log pattern '{}': the regex does not compile: {why}", p.name)
            })?;
            patterns.push((p, re));
        }
        Ok(Self { patterns })
    }

    /// The built-in patterns.
    pub fn defaults() -> Self {
        Self::new(default_patterns()).unwrap_or_default()
    }

    /// Whether there is no pattern (then the `logs` probe does not run).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns, in order.
    pub fn list(&self) -> impl Iterator<Item = &LogPattern> {
        self.patterns.iter().map(|(p, _)| p)
    }

    /// One regex matching what any pattern for the journal (`journal`) or the containers
    /// matches, for the device-side filter; `None` when no pattern searches there.
    pub fn combined(&self, journal: bool) -> Option<String> {
        let parts: Vec<String> = self
            .patterns
            .iter()
            .filter(|(p, _)| if journal { p.journal } else { p.containers })
            .map(|(p, _)| format!("(?:{})", p.regex))
            .collect();
        (!parts.is_empty()).then(|| parts.join("|"))
    }

    /// The patterns for the journal (`journal`) or the containers that match `text`.
    pub fn matching<'a>(
        &'a self,
        text: &'a str,
        journal: bool,
    ) -> impl Iterator<Item = &'a LogPattern> {
        self.patterns
            .iter()
            .filter(move |(p, re)| {
                (if journal { p.journal } else { p.containers }) && re.is_match(text)
            })
            .map(|(p, _)| p)
    }
}
