//! Pure parsers of the images probe: the containers and their images (local side), and each
//! registry answer (a HEAD's digest or `docker manifest inspect -v`).

use std::collections::{BTreeMap, HashMap};

use super::reference::ImageRef;
use crate::probes::Warning;

/// A local image: its platform and repo digests (`repo@sha256:…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalImage {
    /// `os/architecture`, e.g. `linux/amd64`.
    pub platform: String,
    /// Repo digests, as `docker image inspect` prints them.
    pub repo_digests: Vec<String>,
}

impl LocalImage {
    /// The digests this image has in `reference`'s repository.
    pub fn digests_for(&self, reference: &ImageRef) -> Vec<String> {
        self.repo_digests
            .iter()
            .filter_map(|rd| {
                let parsed = ImageRef::parse(rd)?;
                (parsed.same_repository(reference)).then_some(parsed.digest?)
            })
            .collect()
    }
}

/// What the local side read: `(reference, image id) → container names`, and the images.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalSide {
    /// The containers grouped by the reference they were created from and the image they run.
    pub groups: BTreeMap<(String, String), Vec<String>>,
    /// The images in use, by id.
    pub images: HashMap<String, LocalImage>,
}

/// Strips a trailing `exit:<n>` line; returns the other lines and the status (`None` when
/// the line is missing: the output was cut).
pub fn split_exit<'a>(lines: &[&'a str]) -> (Vec<&'a str>, Option<i32>) {
    let mut body: Vec<&str> = lines.to_vec();
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
    let status =
        body.last().and_then(|l| l.strip_prefix("exit:")).and_then(|s| s.trim().parse().ok());
    if status.is_some() {
        body.pop();
    }
    (body, status)
}

/// Parses the `containers` section (`/name\treference\tsha256:id` lines).
pub fn parse_containers(
    lines: &[&str],
    first_line: usize,
    out: &mut LocalSide,
    w: &mut Vec<Warning>,
) {
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            [name, reference, id] if id.starts_with("sha256:") && !reference.is_empty() => {
                let name = name.trim_start_matches('/').to_owned();
                let names = out.groups.entry((reference.to_string(), id.to_string())).or_default();
                names.push(name);
                names.sort();
            }
            _ => {
                w.push(Warning::at(first_line + i, format!("not a container line: {}", cut(line))))
            }
        }
    }
}

/// Parses the `images` section (`sha256:id\tos/arch\t["repo@sha256:…"]` lines).
pub fn parse_images(lines: &[&str], first_line: usize, out: &mut LocalSide, w: &mut Vec<Warning>) {
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.splitn(3, '\t').collect();
        let parsed = match f.as_slice() {
            [id, platform, digests] if id.starts_with("sha256:") => {
                serde_json::from_str::<Option<Vec<String>>>(digests).ok().map(|d| {
                    let image = LocalImage {
                        platform: platform.to_string(),
                        repo_digests: d.unwrap_or_default(),
                    };
                    (id.to_string(), image)
                })
            }
            _ => None,
        };
        match parsed {
            Some((id, image)) => {
                out.images.insert(id, image);
            }
            None => {
                w.push(Warning::at(first_line + i, format!("not an image line: {}", cut(line))))
            }
        }
    }
}

/// A registry's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteAnswer {
    /// The digest of the tag's manifest (or index), from a HEAD.
    Head(String),
    /// `docker manifest inspect -v`: per manifest (one, or one per platform of a list), its
    /// digest, its image config's digest and its platform.
    Manifests(Vec<RemoteManifest>),
    /// No answer: why (the registry's status line, Docker's error).
    Failed(String),
}

/// One manifest of a `docker manifest inspect -v` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteManifest {
    /// The manifest's digest.
    pub digest: String,
    /// Its image config's digest (what the classic image store uses as the image id).
    pub config: Option<String>,
    /// `os/architecture`, when given.
    pub platform: Option<String>,
}

/// Parses one `r<i>` section of the remote command.
pub fn parse_answer(lines: &[&str]) -> RemoteAnswer {
    let mut head = None;
    for l in lines {
        if let Some(d) = l.strip_prefix("digest:") {
            let d = d.trim();
            if !is_digest(d) {
                return RemoteAnswer::Failed(format!(
                    "the registry's digest is malformed: {}",
                    cut(d)
                ));
            }
            return RemoteAnswer::Head(d.to_owned());
        }
        if let Some(h) = l.strip_prefix("head:") {
            head = Some(h.trim().to_owned());
        }
        if l.trim() == "notfound:" {
            let h = head.as_deref().unwrap_or("HTTP 404");
            return RemoteAnswer::Failed(format!("the registry has no such tag ({h})"));
        }
        if l.trim() == "invalid" {
            return RemoteAnswer::Failed("the reference has characters that cannot be sent".into());
        }
    }
    let Some(start) = lines.iter().position(|l| l.trim() == "manifest:") else {
        return RemoteAnswer::Failed(match head {
            Some(h) => format!("registry answered {h} without a digest"),
            None => "no answer (the check was cut short)".into(),
        });
    };
    let (body, status) = split_exit(&lines[start + 1..]);
    let text = body.join("\n");
    let because = |why: String| match &head {
        Some(h) if !h.starts_with("HTTP/") => format!("{why}; HEAD: {h}"),
        Some(h) => format!("{why}; HEAD answered {h}"),
        None => why,
    };
    if status != Some(0) {
        let first = crate::probes::first_line(&text);
        let why = match status {
            Some(124 | 143) => "docker manifest inspect timed out after 20 s".to_owned(),
            Some(s) => format!("docker manifest inspect exited with {s}: {first}"),
            None => "docker manifest inspect was cut short".to_owned(),
        };
        return RemoteAnswer::Failed(because(why));
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return RemoteAnswer::Failed(because("docker manifest inspect printed no JSON".into()));
    };
    let items: Vec<&serde_json::Value> = match &v {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let manifests: Vec<RemoteManifest> = items.into_iter().filter_map(manifest).collect();
    if manifests.is_empty() {
        return RemoteAnswer::Failed(because("docker manifest inspect named no digest".into()));
    }
    RemoteAnswer::Manifests(manifests)
}

fn manifest(v: &serde_json::Value) -> Option<RemoteManifest> {
    let d = &v["Descriptor"];
    let digest = d["digest"].as_str().filter(|d| is_digest(d))?.to_owned();
    let config = ["SchemaV2Manifest", "OCIManifest"]
        .iter()
        .find_map(|k| v[k]["config"]["digest"].as_str())
        .map(str::to_owned);
    let p = &d["platform"];
    let platform = match (p["os"].as_str(), p["architecture"].as_str()) {
        (Some(os), Some(arch)) => Some(format!("{os}/{arch}")),
        _ => None,
    };
    Some(RemoteManifest { digest, config, platform })
}

/// Whether `d` looks like a content digest: `algorithm:hex`, 32 or more hex digits.
pub fn is_digest(d: &str) -> bool {
    d.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn cut(s: &str) -> String {
    s.chars().take(120).collect()
}
