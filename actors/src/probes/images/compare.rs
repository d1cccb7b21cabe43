//! The verdict of each image in use: pinned, local, or a question to its registry whose answer
//! says current or outdated.

use super::parse::{LocalSide, RemoteAnswer};
use super::reference::{ImageRef, RegistryConfig, is_image_id};
use crate::command::images::RemoteQuestion;
use crate::model::images::{ImageStatus, ImageVerdict};

/// One image in use and, when it must be asked, its question (an index into the questions).
#[derive(Debug, Clone)]
pub struct Pending {
    /// The status so far (verdict `Unknown` while a question is open).
    pub status: ImageStatus,
    /// Which question answers it.
    pub question: Option<usize>,
    /// The local image's digests in the reference's repository.
    pub local_digests: Vec<String>,
    /// The local image's platform.
    pub platform: String,
}

/// Classifies every group; returns the statuses and the distinct registry questions.
pub fn classify(
    local: &LocalSide,
    registries: &RegistryConfig,
) -> (Vec<Pending>, Vec<RemoteQuestion>) {
    let mut questions: Vec<RemoteQuestion> = Vec::new();
    let mut out = Vec::new();
    for ((reference, image_id), containers) in &local.groups {
        let image = local.images.get(image_id);
        let status = ImageStatus {
            reference: reference.clone(),
            image_id: image_id.clone(),
            containers: containers.clone(),
            verdict: ImageVerdict::Unknown,
            local_digest: None,
            remote_digest: None,
            outdated_since: None,
            method: None,
            evidence: Vec::new(),
        };
        let platform = image.map(|i| i.platform.clone()).unwrap_or_default();
        let mut pending = Pending { status, question: None, local_digests: Vec::new(), platform };
        let s = &mut pending.status;
        let parsed = ImageRef::parse(reference);
        match (is_image_id(reference, image_id), parsed, image) {
            (true, _, _) => s.verdict = ImageVerdict::Pinned,
            (false, None, _) => {
                s.evidence =
                    vec![format!("not an image reference Docker would accept: {reference}")]
            }
            (false, Some(r), _) if r.digest.is_some() => {
                s.verdict = ImageVerdict::Pinned;
                s.local_digest = r.digest;
            }
            (false, Some(_), None) => s.evidence = vec!["the image could not be inspected".into()],
            (false, Some(r), Some(image)) => {
                let digests = image.digests_for(&r);
                if digests.is_empty() {
                    s.verdict = ImageVerdict::Local;
                    s.evidence = vec![format!(
                        "the image has no digest of {}/{}: built or imported here, never pulled or pushed",
                        r.domain, r.path
                    )];
                } else {
                    s.local_digest = digests.first().cloned();
                    pending.local_digests = digests;
                    pending.question =
                        Some(question_index(&mut questions, &r, reference, registries));
                }
            }
        }
        out.push(pending);
    }
    (out, questions)
}

/// The index of the question for `r`'s tag, added when it is new (each tag asked once).
fn question_index(
    questions: &mut Vec<RemoteQuestion>,
    r: &ImageRef,
    reference: &str,
    registries: &RegistryConfig,
) -> usize {
    let q = RemoteQuestion {
        host: r.api_host().to_owned(),
        repository: r.path.clone(),
        tag: r.tag.clone().unwrap_or_else(|| "latest".into()),
        reference: reference.to_owned(),
        insecure: registries.is_insecure(&r.domain),
    };
    let same = |o: &RemoteQuestion| {
        (&o.host, &o.repository, &o.tag, o.insecure) == (&q.host, &q.repository, &q.tag, q.insecure)
    };
    questions.iter().position(same).unwrap_or_else(|| {
        questions.push(q);
        questions.len() - 1
    })
}

/// The verdict from the registry's answer.
pub fn judge(p: &Pending, answer: &RemoteAnswer) -> ImageStatus {
    let mut s = p.status.clone();
    let matches = |d: &str| p.local_digests.iter().any(|l| l == d) || d == s.image_id;
    match answer {
        RemoteAnswer::Head(d) => {
            s.method = Some("head".into());
            s.verdict = if matches(d) { ImageVerdict::Current } else { ImageVerdict::Outdated };
            s.remote_digest = Some(d.clone());
        }
        RemoteAnswer::Manifests(ms) => {
            s.method = Some("manifest".into());
            let any = |m: &super::parse::RemoteManifest| {
                matches(&m.digest) || m.config.as_deref().is_some_and(|c| c == s.image_id)
            };
            // The containerd image store names an image by its index digest, which `docker
            // manifest inspect` does not show for a list: no verdict rather than a false one.
            let containerd = p.local_digests.contains(&s.image_id);
            if ms.len() > 1 && containerd && !ms.iter().any(any) {
                s.verdict = ImageVerdict::Unknown;
                s.evidence.push(
                    "a multi-arch tag cannot be compared through docker manifest inspect on the \
                     containerd image store (it does not show the index digest); curl on the \
                     device gives the HEAD check"
                        .into(),
                );
                return s;
            }
            let current = ms.iter().any(|m| {
                matches(&m.digest) || m.config.as_deref().is_some_and(|c| c == s.image_id)
            });
            let mine = ms
                .iter()
                .find(|m| m.platform.as_deref() == Some(p.platform.as_str()))
                .or(ms.first());
            s.remote_digest = mine.map(|m| m.digest.clone());
            s.verdict = if current { ImageVerdict::Current } else { ImageVerdict::Outdated };
            if current && ms.len() > 1 {
                s.remote_digest = s.local_digest.clone();
            }
        }
        RemoteAnswer::Failed(why) => {
            s.verdict = ImageVerdict::Unknown;
            s.evidence.push(why.clone());
        }
    }
    s
}
