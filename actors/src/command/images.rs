//! The images probe's commands: the containers' images (one round trip), then the registry's
//! current digest of each tag in use, asked from the device (parallel, in bounded batches).

use std::time::Duration;

use super::{Command, DEFAULT_TIMEOUT};

/// Most registry questions in one round trip (they run in parallel on the device).
pub const REMOTE_BATCH: usize = 16;
/// Deadline of one batch of registry questions: each `curl` has 8 s and `docker manifest
/// inspect` 20 s, so one question takes at most 68 s (an insecure registry tried over https
/// and then http, three requests each).
pub const REMOTE_TIMEOUT: Duration = Duration::from_secs(90);

/// The `Accept` header of the manifest HEAD: every manifest and index type, so the registry
/// answers with the digest `docker pull` would resolve (an index for multi-arch images).
const ACCEPT: &str = "Accept: application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.oci.image.manifest.v1+json";

/// `q HOST REPO TAG REF INSECURE`: prints `head:<status line>` and, for a 2xx answer,
/// `digest:<digest>` from an HTTP HEAD of the manifest (with an anonymous bearer token when
/// the registry asks for one: only from an `https` realm, or `http` for an insecure
/// registry; curl is held to those protocols), or `notfound:` for a 404 (the tag is not
/// there; nothing more is asked). Otherwise (no curl, no digest, credentials needed) it
/// prints `manifest:`, the output of `docker manifest inspect -v` (the device's Docker
/// credentials; GET requests, which Docker Hub counts) and `exit:<status>`. HEAD requests
/// are not counted by Docker Hub's pull limit; nothing is ever pulled.
const ASK: &str = r#"q() {
  if command -v curl >/dev/null 2>&1; then
    k=''; p='=https'
    if [ "$5" = 1 ]; then k=-k; p='=https,http'; fi
    for s in https http; do
      [ "$s" = http ] && [ "$5" != 1 ] && break
      u="$s://$1/v2/$2/manifests/$3"
      h=$(curl -sSI -m 8 --proto "$p" $k -H "$A" "$u" 2>&1 | tr -d '\r')
      w=$(printf '%s\n' "$h" | sed -n 's/^[Ww][Ww][Ww]-[Aa][Uu][Tt][Hh][Ee][Nn][Tt][Ii][Cc][Aa][Tt][Ee]: *[Bb]earer *//p' | head -n 1)
      if [ -n "$w" ]; then
        realm=$(printf '%s' "$w" | sed -n 's/.*realm="\([^"]*\)".*/\1/p')
        svc=$(printf '%s' "$w" | sed -n 's/.*service="\([^"]*\)".*/\1/p')
        scope=$(printf '%s' "$w" | sed -n 's/.*scope="\([^"]*\)".*/\1/p')
        case "$realm" in https://*) ;; http://*) [ "$5" = 1 ] || realm='' ;; *) realm='' ;; esac
        t=''
        if [ -n "$realm" ]; then
          if [ -n "$svc" ]; then j=$(curl -sS -m 8 --proto "$p" $k -G --data-urlencode "service=$svc" --data-urlencode "scope=$scope" "$realm" 2>/dev/null)
          else j=$(curl -sS -m 8 --proto "$p" $k -G --data-urlencode "scope=$scope" "$realm" 2>/dev/null); fi
          t=$(printf '%s\n' "$j" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p' | head -n 1)
          [ -n "$t" ] || t=$(printf '%s\n' "$j" | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' | head -n 1)
          case "$t" in *[!A-Za-z0-9._~+/=-]*) t='' ;; esac
        fi
        [ -n "$t" ] && h=$(curl -sSI -m 8 --proto "$p" $k -H "$A" -H "Authorization: Bearer $t" "$u" 2>&1 | tr -d '\r')
      fi
      printf '%s\n' "$h" | sed -n '1s/^/head:/p'
      st=$(printf '%s\n' "$h" | sed -n '1s/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p')
      d=$(printf '%s\n' "$h" | sed -n 's/^[Dd][Oo][Cc][Kk][Ee][Rr]-[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Dd][Ii][Gg][Ee][Ss][Tt]: *//p' | head -n 1)
      case "$st" in
        2??) if [ -n "$d" ]; then echo "digest:$d"; return; fi; break ;;
        404) echo notfound:; return ;;
        ?*) break ;;
      esac
    done
  fi
  i=''; [ "$5" = 1 ] && i=--insecure
  echo manifest:
  timeout 20 docker manifest inspect -v $i "$4" 2>&1
  echo "exit:$?"
}; "#;

/// One question to a registry: what is the current digest of `repository:tag`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteQuestion {
    /// The registry's API host (and port), e.g. `registry-1.docker.io`, `127.0.0.1:5000`.
    pub host: String,
    /// The repository path, e.g. `library/nginx`.
    pub repository: String,
    /// The tag.
    pub tag: String,
    /// The reference as Docker's CLI takes it, e.g. `nginx:1.27`.
    pub reference: String,
    /// Whether the device's engine treats the registry as insecure (plain HTTP or an
    /// unverified certificate allowed).
    pub insecure: bool,
}

/// Whether `s` may reach the shell as a part of an image reference: 1 to 255 bytes of ASCII
/// letters, digits and `._-/:@` (quoted anyway; this keeps the output's structure intact).
pub fn valid_reference_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b))
}

/// The local side in one round trip: section `registry` (the engine's registry config),
/// `containers` (name, reference, image id of every container) and `images` (id, platform,
/// repo digests of every image in use).
pub(crate) fn images_local() -> Command {
    let body = "t=$(mktemp -d) || exit 1; trap 'rm -rf \"$t\"' EXIT; \
        section registry; docker info --format '{{json .RegistryConfig}}' 2>&1; echo \"exit:$?\"; \
        section containers; : >\"$t/c\"; ids=$(docker ps -aq --no-trunc 2>&1); s=$?; \
        if [ \"$s\" -ne 0 ]; then echo \"$ids\" | head -n 3; echo \"exit:$s\"; \
        elif [ -n \"$ids\" ]; then docker inspect --type container \
        --format '{{.Name}}\t{{.Config.Image}}\t{{.Image}}' $ids >\"$t/c\" 2>&1; \
        s=$?; cat \"$t/c\"; echo \"exit:$s\"; else echo \"exit:0\"; fi; \
        section images; grep -o 'sha256:[0-9a-f]*$' \"$t/c\" | sort -u | xargs -r docker image inspect \
        --format '{{.Id}}\t{{.Os}}/{{.Architecture}}\t{{json .RepoDigests}}' 2>&1; echo \"exit:$?\"";
    Command::sectioned("images_local", body, DEFAULT_TIMEOUT)
}

/// The registry questions in batches of [`REMOTE_BATCH`]: in each command, section `r<i>`
/// answers `questions[i]` of that batch. A question with a part that is not
/// [valid](valid_reference_part) gets the line `invalid` instead of being asked.
pub(crate) fn images_remote(questions: &[RemoteQuestion]) -> Vec<Command> {
    questions
        .chunks(REMOTE_BATCH)
        .map(|batch| {
            let mut body =
                format!("t=$(mktemp -d) || exit 1; trap 'rm -rf \"$t\"' EXIT; A='{ACCEPT}'; {ASK}");
            for (i, q) in batch.iter().enumerate() {
                body.push_str(&match ask(q) {
                    Some(call) => format!("{call} >\"$t/{i}\" 2>&1 & "),
                    None => format!("echo invalid >\"$t/{i}\"; "),
                });
            }
            body.push_str("wait");
            for i in 0..batch.len() {
                body.push_str(&format!("; section r{i}; cat \"$t/{i}\""));
            }
            Command::sectioned("images_remote", &body, REMOTE_TIMEOUT)
        })
        .collect()
}

fn ask(q: &RemoteQuestion) -> Option<String> {
    let parts = [&q.host, &q.repository, &q.tag, &q.reference];
    if !parts.iter().all(|p| valid_reference_part(p)) {
        return None;
    }
    let quoted: Vec<String> = parts
        .iter()
        .map(|p| shlex::try_quote(p).ok().map(|s| s.into_owned()))
        .collect::<Option<_>>()?;
    Some(format!(
        "q {} {} {} {} {}",
        quoted[0],
        quoted[1],
        quoted[2],
        quoted[3],
        u8::from(q.insecure)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(reference: &str) -> RemoteQuestion {
        RemoteQuestion {
            host: "registry-1.docker.io".into(),
            repository: "library/nginx".into(),
            tag: "1.27".into(),
            reference: reference.into(),
            insecure: false,
        }
    }

    #[test]
    fn questions_are_quoted_batched_and_bad_ones_refused() {
        let mut qs: Vec<RemoteQuestion> = (0..20).map(|_| question("nginx:1.27")).collect();
        qs[1].reference = "nginx:1.27; reboot".into();
        qs[2].tag = "$(id)".into();
        let cmds = images_remote(&qs);
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[0].line.matches("echo invalid").count(), 2, "{}", cmds[0].line);
        assert!(!cmds[0].line.contains("reboot"), "{}", cmds[0].line);
        assert!(cmds[0].line.contains("q registry-1.docker.io library/nginx 1.27 nginx:1.27 0 >"));
        assert!(cmds[0].line.contains("section r15"), "{}", cmds[0].line);
        assert!(!cmds[0].line.contains("section r16"));
        assert!(cmds[1].line.contains("section r3") && !cmds[1].line.contains("section r4"));
        assert!(images_remote(&[]).is_empty());
        assert!(!cmds[0].line.contains("docker pull"), "never pulls");
    }

    #[test]
    fn the_local_read_is_one_sectioned_command() {
        let c = images_local();
        for s in ["section registry", "section containers", "section images"] {
            assert!(c.line.contains(s), "{s}: {}", c.line);
        }
        assert!(c.nonce.is_some());
    }
}
