//! Docker commands beyond `ps`/`stats`: `docker inspect` of validated container ids.

use super::{Command, DEFAULT_TIMEOUT};

/// Whether `id` is a full container id: exactly 64 lowercase hex digits.
pub fn valid_container_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Most ids (or names) in one batched command.
pub const MAX_BATCH: usize = 100;
/// About the most bytes of arguments in one batched command, far below Linux's 128 KiB limit
/// of one argument (the whole line is one `sh -c` argument).
pub const MAX_BATCH_BYTES: usize = 64 * 1024;

/// `docker inspect --type container <id>…`, in batches of at most [`MAX_BATCH`] ids (each
/// batch one round trip, in the order of `ids`).
///
/// Returns `None` when `ids` is empty or any id is not a full container id (they come from
/// device output and are checked again here, so nothing unvalidated reaches the shell).
pub fn docker_inspect<S: AsRef<str>>(ids: &[S]) -> Option<Vec<Command>> {
    if ids.is_empty() || !ids.iter().all(|id| valid_container_id(id.as_ref())) {
        return None;
    }
    // 100 ids of 65 bytes are 6.5 KB: well within MAX_BATCH_BYTES.
    let mut batches = Vec::new();
    for chunk in ids.chunks(MAX_BATCH) {
        let mut line = String::from("docker inspect --type container");
        for id in chunk {
            line.push(' ');
            // Hex digits need no quoting; quoting anyway keeps the rule uniform.
            line.push_str(&shlex::try_quote(id.as_ref()).ok()?);
        }
        batches.push(Command::new("docker_inspect", line, DEFAULT_TIMEOUT));
    }
    Some(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "36e6965c0c06330868bd6caccc0f2be36a15f61d18e0b1519e5c2c2d3e876576";

    #[test]
    fn only_full_ids_are_accepted() {
        let c = docker_inspect(&[ID, ID]).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].line, format!("docker inspect --type container {ID} {ID}"));
        assert!(docker_inspect::<&str>(&[]).is_none());
        assert!(docker_inspect(&["36e6965c0c06"]).is_none(), "short ids are rejected");
        assert!(docker_inspect(&[ID, "web"]).is_none());
        assert!(docker_inspect(&[&ID.to_uppercase()]).is_none());
        let evil = format!("{}; reboot", &ID[..55]);
        assert!(docker_inspect(&[evil]).is_none());
    }

    #[test]
    fn a_thousand_ids_are_split_into_bounded_batches() {
        let ids: Vec<String> = (0..1000).map(|i| format!("{i:064x}")).collect();
        let batches = docker_inspect(&ids).unwrap();
        assert_eq!(batches.len(), 10);
        let mut seen = Vec::new();
        for c in &batches {
            assert!(c.line.len() <= MAX_BATCH_BYTES, "{}", c.line.len());
            let words: Vec<&str> = c.line.split(' ').skip(4).collect();
            assert!(words.len() <= MAX_BATCH);
            seen.extend(words.into_iter().map(String::from));
        }
        assert_eq!(seen, ids, "every id once, in order");
    }
}
