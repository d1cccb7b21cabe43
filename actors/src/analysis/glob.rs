//! Whole-string glob matching for dataset patterns: `*` matches any run of characters
//! (slashes too, so `tank/*` covers every descendant), `?` one character; case-sensitive.

/// Whether `name` matches `pattern` as a whole.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
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
    use super::matches;

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
