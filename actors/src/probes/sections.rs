//! Splitting a sectioned catalogue output (`@@<nonce>:<name>` marker lines) into its sections.
//!
//! The shell prints each marker as `\n@@<nonce>:<name>\n` (see `command::SECTION_PRELUDE`):
//! the leading newline ends a last line the previous tool left without one, and the nonce,
//! new for every command built, keeps device data (a filesystem or container named `@@list`)
//! from starting a section.

use super::Warning;

/// One section: its name, the 1-based line number of its first body line, and its body lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// Text after `@@<nonce>:` on the marker line, trimmed.
    pub name: &'a str,
    /// 1-based line number (in the whole output) of the first body line.
    pub first_line: usize,
    /// Body lines, without line endings.
    pub lines: Vec<&'a str>,
}

impl<'a> Section<'a> {
    /// A whole unsectioned output as one section named `name`.
    pub fn whole(name: &'a str, output: &'a str) -> Self {
        Self { name, first_line: 1, lines: output.lines().collect() }
    }

    /// The body as one string, lines joined with `\n`.
    pub fn body(&self) -> String {
        self.lines.join("\n")
    }

    /// Number of body lines with something on them.
    pub fn non_empty(&self) -> usize {
        self.lines.iter().filter(|l| !l.trim().is_empty()).count()
    }

    /// Why the section is unusable, if more than half of its non-empty lines gave a warning
    /// (warnings are matched by their line number).
    pub fn mostly_unreadable(&self, warnings: &[Warning]) -> Option<String> {
        let range = self.first_line..self.first_line + self.lines.len();
        let mut bad: Vec<usize> =
            warnings.iter().filter_map(|w| w.line).filter(|l| range.contains(l)).collect();
        bad.sort_unstable();
        bad.dedup();
        let lines = self.non_empty();
        (bad.len() * 2 > lines)
            .then(|| format!("`{}`: {} of {lines} lines unreadable", self.name, bad.len()))
    }
}

/// Splits `output` at `@@<nonce>:<name>` lines; text before the first marker is returned
/// separately. One empty line just before a marker is the marker's own leading newline and
/// belongs to no section. A line starting with `@@` but another nonce is a body line.
pub fn split<'a>(output: &'a str, nonce: &str) -> (Vec<&'a str>, Vec<Section<'a>>) {
    let mut preamble = Vec::new();
    let mut sections: Vec<Section<'a>> = Vec::new();
    for (i, line) in output.lines().enumerate() {
        if let Some(name) = marker(line, nonce) {
            let before = sections.last_mut().map_or(&mut preamble, |s| &mut s.lines);
            if before.last().is_some_and(|l| l.is_empty()) {
                before.pop();
            }
            sections.push(Section { name: name.trim(), first_line: i + 2, lines: Vec::new() });
        } else if let Some(s) = sections.last_mut() {
            s.lines.push(line);
        } else {
            preamble.push(line);
        }
    }
    (preamble, sections)
}

/// [`split`], with a warning for every non-empty line before the first marker.
pub fn split_noting_preamble<'a>(
    output: &'a str,
    nonce: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<Section<'a>> {
    let (preamble, sections) = split(output, nonce);
    for (i, _) in preamble.iter().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        warnings.push(Warning::at(i + 1, "output before the first section"));
    }
    sections
}

/// The section name of a marker line with this nonce.
fn marker<'a>(line: &'a str, nonce: &str) -> Option<&'a str> {
    line.strip_prefix("@@")?.strip_prefix(nonce)?.strip_prefix(':')
}

/// Why a sectioned output is unusable, if it is: a section of `expected` is missing (the
/// output was cut short or is not ours), or a section is mostly unreadable.
pub fn check(sections: &[Section<'_>], expected: &[&str], warnings: &[Warning]) -> Option<String> {
    if let Some(missing) = expected.iter().find(|e| !sections.iter().any(|s| s.name == **e)) {
        return Some(format!("no `{missing}` section (output cut short?)"));
    }
    sections.iter().find_map(|s| s.mostly_unreadable(warnings))
}

/// Rewrites the `@@<name>` marker lines of a stored fixture (fixtures keep markers without a
/// nonce) into `@@<nonce>:<name>`, as the catalogue command prints them; line numbers stay the
/// same. For tests and benches.
pub fn mark(fixture: &str, nonce: &str) -> String {
    let mut out = String::with_capacity(fixture.len() + 64);
    for line in fixture.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("@@") {
            out.push_str("@@");
            out.push_str(nonce);
            out.push(':');
            out.push_str(rest);
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_markers() {
        let (pre, s) = split("junk\n@@n:a\n1\n2\n@@n: b \n@@n:c\nx", "n");
        assert_eq!(pre, ["junk"]);
        let names: Vec<_> = s.iter().map(|s| (s.name, s.first_line, s.lines.len())).collect();
        assert_eq!(names, [("a", 3, 2), ("b", 6, 0), ("c", 7, 1)]);
    }

    #[test]
    fn markers_of_other_nonces_are_body_lines() {
        let out = "\n@@n1:list\ntank\n@@list\n@@n2:list\n@@n1x:list\n@@n1\n";
        let (pre, s) = split(out, "n1");
        assert!(pre.is_empty());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].lines, ["tank", "@@list", "@@n2:list", "@@n1x:list", "@@n1"]);
    }

    #[test]
    fn the_markers_leading_newline_is_dropped_once() {
        // As printed: `a` ended with a newline, `b` without one, `c` printed nothing, `d` ended
        // with an empty line of its own.
        let out = "\n@@n:a\n1\n\n@@n:b\n2\n@@n:c\n\n@@n:d\n3\n\n\n@@n:e\n";
        let (pre, s) = split(out, "n");
        assert!(pre.is_empty());
        let got: Vec<_> = s.iter().map(|s| (s.name, s.lines.clone())).collect();
        let expected: Vec<(&str, Vec<&str>)> = vec![
            ("a", vec!["1"]),
            ("b", vec!["2"]),
            ("c", vec![]),
            ("d", vec!["3", ""]),
            ("e", vec![]),
        ];
        assert_eq!(got, expected);
        assert_eq!(s[1].first_line, 6);
    }

    #[test]
    fn fixtures_are_marked_in_place() {
        let fixture = "@@a\n1\n@@b\n";
        assert_eq!(mark(fixture, "n"), "@@n:a\n1\n@@n:b\n");
        let marked = mark(fixture, "n");
        let (_, s) = split(&marked, "n");
        assert_eq!(s[0].lines, ["1"]);
    }

    #[test]
    fn readability() {
        let (_, s) = split("@@n:a\nx\ny\n\nz\n@@n:b\n", "n");
        let w = |lines: &[usize]| lines.iter().map(|l| Warning::at(*l, "bad")).collect::<Vec<_>>();
        assert_eq!(s[0].mostly_unreadable(&w(&[2])), None, "1 of 3");
        assert_eq!(
            s[0].mostly_unreadable(&w(&[2, 3, 3, 7])),
            Some("`a`: 2 of 3 lines unreadable".into())
        );
        assert_eq!(s[1].mostly_unreadable(&w(&[2, 3])), None, "an empty section is fine");
        assert_eq!(check(&s, &["a", "b"], &[]), None);
        assert_eq!(check(&s, &["a", "c"], &[]), Some("no `c` section (output cut short?)".into()));
        assert_eq!(check(&s, &[], &w(&[2, 3])), Some("`a`: 2 of 3 lines unreadable".into()));
    }

    /// The real line, run by `sh`: each marker is on its own line even when the output before
    /// it has no final newline, and device output that looks like a marker is not one.
    #[test]
    fn markers_start_their_own_line_and_cannot_be_spoofed() {
        let mut cmd = crate::command::metrics();
        cmd.line = format!(
            "N={}; {}section a; printf 'x'; section b; echo '@@list'; echo \"@@$N\"; section c",
            cmd.section_nonce(),
            crate::command::SECTION_PRELUDE
        );
        let out = std::process::Command::new("sh").arg("-c").arg(&cmd.line).output().unwrap();
        let out = String::from_utf8(out.stdout).unwrap();
        let (pre, sections) = split(&out, cmd.section_nonce());
        assert_eq!(pre, Vec::<&str>::new());
        let got: Vec<_> = sections.iter().map(|s| (s.name, s.lines.clone())).collect();
        let spoof = format!("@@{}", cmd.section_nonce());
        assert_eq!(got, [("a", vec!["x"]), ("b", vec!["@@list", spoof.as_str()]), ("c", vec![])]);
    }
}
