//! Splitting a sectioned catalogue output (`@@<name>` marker lines) into its sections.

/// One `@@<name>` section: its name, the 1-based line number of its first body line, and
/// its body lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// Text after `@@` on the marker line, trimmed.
    pub name: &'a str,
    /// 1-based line number (in the whole output) of the first body line.
    pub first_line: usize,
    /// Body lines, without line endings.
    pub lines: Vec<&'a str>,
}

impl Section<'_> {
    /// The body as one string, lines joined with `\n`.
    pub fn body(&self) -> String {
        self.lines.join("\n")
    }
}

/// Splits `output` at `@@<name>` lines; text before the first marker is returned separately.
pub fn split(output: &str) -> (Vec<&str>, Vec<Section<'_>>) {
    let mut preamble = Vec::new();
    let mut sections: Vec<Section<'_>> = Vec::new();
    for (i, line) in output.lines().enumerate() {
        if let Some(name) = line.strip_prefix("@@") {
            sections.push(Section { name: name.trim(), first_line: i + 2, lines: Vec::new() });
        } else if let Some(s) = sections.last_mut() {
            s.lines.push(line);
        } else {
            preamble.push(line);
        }
    }
    (preamble, sections)
}

#[cfg(test)]
mod tests {
    #[test]
    fn splits_at_markers() {
        let (pre, s) = super::split("junk\n@@a\n1\n2\n@@ b \n@@c\nx");
        assert_eq!(pre, ["junk"]);
        let names: Vec<_> = s.iter().map(|s| (s.name, s.first_line, s.lines.len())).collect();
        assert_eq!(names, [("a", 3, 2), ("b", 6, 0), ("c", 7, 1)]);
    }
}
