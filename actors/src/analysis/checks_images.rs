//! The image check: a container image whose registry has a newer version under its tag is
//! worth knowing (info), with the containers, both digests and since when.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::problem::{Area, Problem, Severity};
use crate::model::images::{ImageStatus, ImageVerdict};

/// One info per outdated image; its object is the image reference. An image whose registry
/// could not be asked this time but was outdated before stays reported (as last known), so
/// one failed check does not resolve its alert and the next one raise it again.
pub(crate) fn images(
    images: &[ImageStatus],
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    out: &mut Vec<Problem>,
) {
    let outdated = |i: &&ImageStatus| {
        i.verdict == ImageVerdict::Outdated
            || (i.verdict == ImageVerdict::Unknown && i.outdated_since.is_some())
    };
    for i in images.iter().filter(outdated) {
        let age = i.outdated_since.map(|t| (now - t).num_seconds().max(0));
        let since = i
            .outdated_since
            .map_or(String::new(), |t| format!(" since {}", t.format("%Y-%m-%d %H:%M UTC")));
        let last_known = if i.verdict == ImageVerdict::Unknown {
            " (last known; the registry did not answer now)"
        } else {
            ""
        };
        let summary = format!(
            "a newer image of {} is in its registry{since}{last_known}: {} would update on a pull and re-create",
            i.reference,
            i.containers.join(", ")
        );
        let evidence = json!({
            "reference": i.reference, "containers": i.containers, "image_id": i.image_id,
            "local_digest": i.local_digest, "remote_digest": i.remote_digest,
            "outdated_since": i.outdated_since, "outdated_seconds": age,
        });
        out.push(Problem::new(Severity::Info, Area::Images, &i.reference, summary, evidence, at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_outdated_images_are_reported() {
        let now = Utc::now();
        let image = |reference: &str, verdict| ImageStatus {
            reference: reference.into(),
            image_id: "sha256:1".into(),
            containers: vec!["web".into(), "worker".into()],
            verdict,
            local_digest: Some("sha256:a".into()),
            remote_digest: Some("sha256:b".into()),
            outdated_since: Some(now - chrono::Duration::hours(2)),
            method: Some("head".into()),
            evidence: vec![],
        };
        let all = [
            image("nginx:1.27", ImageVerdict::Outdated),
            image("redis:7", ImageVerdict::Current),
            image("app@sha256:0", ImageVerdict::Pinned),
            image("local/x", ImageVerdict::Local),
            image("ghcr.io/x/y:1", ImageVerdict::Unknown),
            ImageStatus { outdated_since: None, ..image("quay.io/x/z:1", ImageVerdict::Unknown) },
        ];
        let mut out = Vec::new();
        images(&all, Some(now), now, &mut out);
        assert_eq!(out.len(), 2, "outdated, and unknown but outdated before: {out:?}");
        assert!(out[1].summary.contains("(last known"), "{}", out[1].summary);
        let p = &out[0];
        assert_eq!(
            (p.severity, p.area, p.object.as_str()),
            (Severity::Info, Area::Images, "nginx:1.27")
        );
        assert!(p.summary.contains("web, worker would update"), "{}", p.summary);
        assert_eq!(p.evidence["outdated_seconds"], 7200);
    }
}
