//! Docker commands beyond `ps`/`stats`: `docker inspect` of validated container ids.

use super::{Command, DEFAULT_TIMEOUT};

/// Whether `id` is a full container id: exactly 64 lowercase hex digits.
pub fn valid_container_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `docker inspect --type container <id>…` for every id in one call.
///
/// Returns `None` when `ids` is empty or any id is not a full container id (they come from
/// device output and are checked again here, so nothing unvalidated reaches the shell).
pub fn docker_inspect<S: AsRef<str>>(ids: &[S]) -> Option<Command> {
    if ids.is_empty() || !ids.iter().all(|id| valid_container_id(id.as_ref())) {
        return None;
    }
    let mut line = String::from("docker inspect --type container");
    for id in ids {
        line.push(' ');
        // Hex digits need no quoting; quoting anyway keeps the rule uniform.
        line.push_str(&shlex::try_quote(id.as_ref()).ok()?);
    }
    Some(Command::new("docker_inspect", line, DEFAULT_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "36e6965c0c06330868bd6caccc0f2be36a15f61d18e0b1519e5c2c2d3e876576";

    #[test]
    fn only_full_ids_are_accepted() {
        let c = docker_inspect(&[ID, ID]).unwrap();
        assert_eq!(c.line, format!("docker inspect --type container {ID} {ID}"));
        assert!(docker_inspect::<&str>(&[]).is_none());
        assert!(docker_inspect(&["36e6965c0c06"]).is_none(), "short ids are rejected");
        assert!(docker_inspect(&[ID, "web"]).is_none());
        assert!(docker_inspect(&[&ID.to_uppercase()]).is_none());
        let evil = format!("{}; reboot", &ID[..55]);
        assert!(docker_inspect(&[evil]).is_none());
    }
}
