//! The warnings of one poll, summarised into at most one log line: a count and the first few,
//! each with the start of the input line it is about.

use super::Warning;

/// How many warnings a summary quotes.
pub const SAMPLES: usize = 3;
/// How many characters of a quoted warning (message and input) are kept.
pub const SAMPLE_CHARS: usize = 120;

/// Collects a poll's warnings over all its commands; [`PollWarnings::log`] writes at most one
/// line for them however many there are.
#[derive(Debug)]
pub struct PollWarnings {
    probe: &'static str,
    count: usize,
    samples: Vec<String>,
}

impl PollWarnings {
    /// An empty collection for `probe`.
    pub fn new(probe: &'static str) -> Self {
        Self { probe, count: 0, samples: Vec::new() }
    }

    /// Adds the `warnings` a parser gave for the `output` of `command`; the first
    /// [`SAMPLES`] are kept with the start of their input line.
    pub fn add(&mut self, command: &str, output: &str, warnings: &[Warning]) {
        self.count += warnings.len();
        for w in warnings.iter().take(SAMPLES.saturating_sub(self.samples.len())) {
            let input = w.line.and_then(|n| output.lines().nth(n.checked_sub(1)?));
            self.samples.push(sample(command, w, input));
        }
    }

    /// Adds one warning that is not about a particular input line.
    pub fn note(&mut self, command: &str, message: impl Into<String>) {
        self.add(command, "", &[Warning::general(message)]);
    }

    /// The one-line summary, `None` without warnings, e.g.
    /// `2 warnings: docker_ps:3: unreadable docker ps line: … (input "{\"ID…"); …`.
    pub fn summary(&self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let noun = if self.count == 1 { "warning" } else { "warnings" };
        let more = self.count.saturating_sub(self.samples.len());
        let mut s = format!("{} {noun}: {}", self.count, self.samples.join("; "));
        if more > 0 {
            s.push_str(&format!("; and {more} more"));
        }
        Some(s)
    }

    /// Writes the summary as one `warn` line (nothing without warnings).
    pub fn log(&self) {
        if let Some(summary) = self.summary() {
            tracing::warn!(probe = self.probe, count = self.count, %summary, "skipped output");
        }
    }
}

fn sample(command: &str, w: &Warning, input: Option<&str>) -> String {
    let at = w.line.map(|n| format!(":{n}")).unwrap_or_default();
    let mut s = format!("{command}{at}: {}", cap(&w.message));
    if let Some(input) = input {
        s.push_str(&format!(" (input \"{}\")", cap(input)));
    }
    s
}

/// The first [`SAMPLE_CHARS`] characters, control characters escaped, `…` if cut.
fn cap(s: &str) -> String {
    let mut out: String = s.chars().take(SAMPLE_CHARS).flat_map(char::escape_debug).collect();
    if s.chars().nth(SAMPLE_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_warnings_make_one_short_line() {
        let output = format!("{}\n\u{1b}[2Jbad\u{0}\n", "x".repeat(5000));
        let warnings: Vec<Warning> = (0..1_000_000)
            .map(|i| Warning::at(1 + i % 2, format!("bad line {i}: {}", "m".repeat(300))))
            .collect();
        let mut w = PollWarnings::new("zfs");
        w.add("zfs", &output, &warnings);
        w.note("zpool", "one more");
        assert_eq!(w.count, 1_000_001);
        let summary = w.summary().unwrap();
        assert!(summary.starts_with("1000001 warnings: zfs:1: bad line 0: mmm"), "{summary}");
        assert!(summary.ends_with("; and 999998 more"), "{summary}");
        assert_eq!(summary.matches("(input \"").count(), 3, "{summary}");
        assert!(summary.contains(&format!("(input \"{}…\")", "x".repeat(120))), "{summary}");
        assert!(summary.contains("(input \"\\u{1b}[2Jbad\\0\")"), "{summary}");
        assert!(summary.len() < 3 * 2 * (SAMPLE_CHARS + 40), "{}", summary.len());
        assert!(!summary.contains('\n'));
    }

    #[test]
    fn no_warnings_no_line() {
        let mut w = PollWarnings::new("vms");
        w.add("virsh_list", "a\nb", &[]);
        assert_eq!(w.summary(), None);
        w.note("virsh_list", "skipped VM `a b`");
        assert_eq!(w.summary().unwrap(), "1 warning: virsh_list: skipped VM `a b`");
    }
}
