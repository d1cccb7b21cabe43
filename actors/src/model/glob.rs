//! Whole-string glob matching for dataset patterns: `*` matches any run of characters
//! (slashes too, so `tank/*` covers every descendant), `?` one character; case-sensitive.
//! Used by snapshot freshness and by the `zfs` backup jobs, whose patterns are checked by
//! [`dataset_pattern_problem`].

/// Longest dataset name ZFS allows (`ZFS_MAX_DATASET_NAME_LEN` less the terminator).
const MAX_DATASET_NAME: usize = 255;

/// Why `pattern` is not a ZFS dataset name or glob (`tank/data`, `tank/*`, `tank/vm-?`), or
/// `None` when it is one: components of letters, digits and `_ - : .` (or space), separated
/// by single `/`, plus the glob characters `*` and `?`; no snapshot (`@`) or bookmark (`#`).
pub fn dataset_pattern_problem(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if pattern.len() > MAX_DATASET_NAME {
        return Some(format!("is longer than {MAX_DATASET_NAME} bytes"));
    }
    if let Some(c) = pattern.chars().find(|c| matches!(c, '@' | '#')) {
        return Some(format!(
            "must name datasets, not snapshots or bookmarks ('{c}' is not allowed)"
        ));
    }
    if let Some(c) = pattern.chars().find(|c| matches!(c, '[' | ']' | '{' | '}' | '!' | '\\')) {
        return Some(format!("only * and ? are glob characters ('{c}' is not allowed)"));
    }
    if let Some(c) = pattern.chars().find(|&c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | ' ' | '/' | '*' | '?'))
    }) {
        let shown = if c.is_control() { format!("{:?}", c) } else { format!("'{c}'") };
        return Some(format!(
            "{shown} is not allowed (dataset names hold letters, digits, _ - : . and space)"
        ));
    }
    if pattern.starts_with('/') || pattern.ends_with('/') || pattern.contains("//") {
        return Some("must be like pool/dataset: no leading, trailing or double '/'".to_owned());
    }
    None
}

/// Whether `name` matches `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and the name position it was tried at: on a mismatch it
    // swallows one more character (linear backtracking, no recursion).
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    star = Some((sp, sn + 1));
                    pi = sp + 1;
                    ni = sn + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::{dataset_pattern_problem, matches};

    #[test]
    fn dataset_patterns() {
        for good in [
            "tank",
            "tank/data",
            "tank/*",
            "tank/vm-?",
            "*",
            "rpool/ROOT/debian-12",
            "t/a b:c.d_e-f",
        ] {
            assert_eq!(dataset_pattern_problem(good), None, "{good}");
        }
        let bad = [
            ("", "must not be empty"),
            ("tank@daily", "not snapshots"),
            ("tank#mark", "not snapshots"),
            ("tank/[ab]", "only * and ? are glob characters ('[' is not allowed)"),
            ("tank/$(rm)", "'$' is not allowed"),
            ("tank/\nx", "'\\n' is not allowed"),
            ("/tank", "no leading"),
            ("tank/", "trailing"),
            ("tank//a", "double"),
        ];
        for (p, want) in bad {
            let got = dataset_pattern_problem(p).unwrap_or_default();
            assert!(got.contains(want), "{p:?}: {got}");
        }
        assert!(dataset_pattern_problem(&"a".repeat(256)).unwrap().contains("255 bytes"));
    }

    #[test]
    fn patterns() {
        let cases = [
            ("tank/*", "tank/media", true),
            ("tank/*", "tank/media/photos", true),
            ("tank/*", "tank", false),
            ("tank*", "tank", true),
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("t?nk", "tank", true),
            ("t?nk", "tnk", false),
            ("*/photos", "tank/media/photos", true),
            ("*a*b*c", "xaybzc", true),
            ("*a*b*c", "xaybzcq", false),
            ("Tank", "tank", false),
            ("tänk/*", "tänk/x", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(matches(p, n), want, "{p:?} vs {n:?}");
        }
    }
}
