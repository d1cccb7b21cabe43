//! What the images probe reports: each image in use by containers, compared with its registry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a container's image compares with the registry's current image for the same tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImageVerdict {
    /// The registry's digest for the tag is the local image's.
    Current,
    /// The registry has a newer image under the tag: a pull and a re-create would update it.
    Outdated,
    /// The container was created from a digest (`repo@sha256:…`) or an image id: it cannot
    /// drift, so it is never outdated.
    Pinned,
    /// The image was built or imported locally: it has no digest of a registry for its name.
    Local,
    /// The registry could not be asked, or did not know the tag (evidence says why).
    Unknown,
}

/// One image (a reference and the local image it resolves to) and the containers using it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageStatus {
    /// The reference the containers were created from, e.g. `nginx:1.27` or
    /// `ghcr.io/home-assistant/home-assistant:stable`.
    pub reference: String,
    /// The local image the containers run (`sha256:…`).
    pub image_id: String,
    /// The containers created from this reference running this image, in name order.
    pub containers: Vec<String>,
    /// The comparison's outcome.
    pub verdict: ImageVerdict,
    /// The local image's digest in the registry (its repo digest for the reference's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_digest: Option<String>,
    /// The registry's current digest for the tag, when it was asked and answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_digest: Option<String>,
    /// Since when the registry has had a newer image than the local one (the first poll that
    /// saw `remote_digest`); kept across restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outdated_since: Option<DateTime<Utc>>,
    /// How the registry was asked: `head` (an HTTP HEAD of the manifest, which Docker Hub does
    /// not count as a pull) or `manifest` (`docker manifest inspect`, the device's Docker
    /// credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// What the verdict rests on when it is not plain, e.g. the registry's answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A newer image under a tag in use, reported once per new remote digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageUpdate {
    /// The reference the containers were created from.
    pub reference: String,
    /// The local image they run.
    pub image_id: String,
    /// The containers that would be updated.
    pub containers: Vec<String>,
    /// The local image's digest in the registry.
    pub local_digest: Option<String>,
    /// The registry's digest now.
    pub remote_digest: String,
}
