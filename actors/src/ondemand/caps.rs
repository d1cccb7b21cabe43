//! Output caps of on-demand queries: at most N lines and M bytes, newest kept.

use serde::{Deserialize, Serialize};

/// Caps on what an on-demand query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutputCaps {
    /// Most lines (or entries) returned; the newest are kept.
    pub max_lines: usize,
    /// Most bytes of text returned, summed over lines; a single longer line is cut.
    pub max_bytes: usize,
}

impl Default for OutputCaps {
    /// 1000 lines, 256 KiB.
    fn default() -> Self {
        Self { max_lines: 1000, max_bytes: 256 * 1024 }
    }
}

/// Largest `max_lines` a caller may ask for.
pub const MAX_LINES: usize = 10_000;
/// Largest `max_bytes` a caller may ask for (4 MiB).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

impl OutputCaps {
    /// Checks caps that come from a caller: both at least 1, at most [`MAX_LINES`] lines and
    /// [`MAX_BYTES`] bytes.
    pub fn validate(&self) -> Result<(), crate::command::InvalidArgument> {
        use crate::command::InvalidArgument;
        if !(1..=MAX_LINES).contains(&self.max_lines) {
            return Err(InvalidArgument::new(
                "max_lines",
                format!("must be between 1 and {MAX_LINES}"),
            ));
        }
        if !(1..=MAX_BYTES).contains(&self.max_bytes) {
            return Err(InvalidArgument::new(
                "max_bytes",
                format!("must be between 1 and {MAX_BYTES}"),
            ));
        }
        Ok(())
    }

    /// Bytes each output stream may bring over the network: the text cap plus room for each
    /// line's framing (timestamps, journal JSON fields), at most 16 MiB.
    pub fn on_device(&self) -> usize {
        self.max_bytes.saturating_add(self.max_lines.saturating_mul(2048)).min(16 << 20)
    }

    /// Keeps the newest items (the end of `items`) that fit both caps, in their order, and
    /// says whether anything was dropped or cut. `text` gives each item's text, which is cut
    /// (on a character boundary) when one item alone is longer than `max_bytes`.
    pub(crate) fn keep_newest<T>(
        &self,
        mut items: Vec<T>,
        mut text: impl FnMut(&mut T) -> &mut String,
    ) -> (Vec<T>, bool) {
        let mut truncated = false;
        let mut bytes = 0usize;
        let mut keep = 0usize;
        for item in items.iter_mut().rev() {
            if keep >= self.max_lines {
                truncated = true;
                break;
            }
            let t = text(item);
            if t.len() > self.max_bytes {
                cut(t, self.max_bytes);
                truncated = true;
            }
            if bytes + t.len() > self.max_bytes {
                truncated = true;
                break;
            }
            bytes += t.len();
            keep += 1;
        }
        let dropped = items.len() - keep;
        items.drain(..dropped);
        (items, truncated)
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn cut(s: &mut String, max: usize) {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(caps: OutputCaps, items: &[&str]) -> (Vec<String>, bool) {
        let items = items.iter().map(|s| s.to_string()).collect();
        caps.keep_newest(items, |s| s)
    }

    #[test]
    fn keeps_the_newest_within_both_caps() {
        let c = |max_lines, max_bytes| OutputCaps { max_lines, max_bytes };
        assert_eq!(run(c(10, 100), &["a", "b"]), (vec!["a".into(), "b".into()], false));
        assert_eq!(run(c(2, 100), &["a", "b", "c"]), (vec!["b".into(), "c".into()], true));
        assert_eq!(run(c(10, 5), &["aaa", "bb", "cc"]), (vec!["bb".into(), "cc".into()], true));
        assert_eq!(run(c(10, 4), &["aaa", "bbbbbb"]), (vec!["bbbb".into()], true));
        // A cut never splits a character: "é" is two bytes.
        assert_eq!(run(c(10, 3), &["ééé"]), (vec!["é".into()], true));
        assert_eq!(run(c(0, 100), &["a"]), (vec![], true));
        assert_eq!(run(c(1, 1), &[]), (vec![], false));
    }
}
