//! Container image updates: which containers run an image the registry has a newer version
//! of, and since when, for one device or the fleet, from the images probe's sample.

use chrono::Utc;
use schemars::JsonSchema;
use serde::Serialize;

use super::{Freshness, ReadOptions};
use crate::api::{ApiError, FleetHandle};
use crate::model::images::{ImageStatus, ImageVerdict};

/// One image in use on a device.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ContainerImage {
    /// The device.
    pub device: String,
    /// The image as the last poll compared it.
    #[serde(flatten)]
    pub status: ImageStatus,
    /// Seconds since the registry has had the newer image, now; `null` unless outdated.
    pub outdated_seconds: Option<i64>,
}

/// The images in use on one device or the fleet.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ContainerUpdates {
    /// Where this came from (for the fleet: the least fresh device).
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Every image: outdated first (longest outdated first), then unknown, current, pinned,
    /// local; by device and reference within each.
    pub images: Vec<ContainerImage>,
    /// Images with a newer version in their registry.
    pub outdated: usize,
    /// Images whose registry could not be asked.
    pub unknown: usize,
    /// Images that are the registry's current one.
    pub current: usize,
    /// Images pinned by digest or id (never outdated).
    pub pinned: usize,
    /// Images built or imported locally (no registry to ask).
    pub local: usize,
}

impl ContainerUpdates {
    /// The images of `device` (all of them when `None`), as in the report.
    pub fn of(images: &[ImageStatus], device: &str, freshness: Freshness) -> Self {
        Self::from_rows(Self::rows(images, device), freshness)
    }

    fn rows(images: &[ImageStatus], device: &str) -> Vec<ContainerImage> {
        let now = Utc::now();
        let row = |s: &ImageStatus| ContainerImage {
            device: device.to_owned(),
            outdated_seconds: (s.verdict == ImageVerdict::Outdated)
                .then(|| s.outdated_since.map(|t| (now - t).num_seconds().max(0)))
                .flatten(),
            status: s.clone(),
        };
        images.iter().map(row).collect()
    }

    fn from_rows(mut images: Vec<ContainerImage>, freshness: Freshness) -> Self {
        let rank = |v: ImageVerdict| match v {
            ImageVerdict::Outdated => 0,
            ImageVerdict::Unknown => 1,
            ImageVerdict::Current => 2,
            ImageVerdict::Pinned => 3,
            ImageVerdict::Local => 4,
        };
        images.sort_by(|a, b| {
            let key = |i: &ContainerImage| {
                (
                    rank(i.status.verdict),
                    -i.outdated_seconds.unwrap_or(0),
                    i.device.clone(),
                    i.status.reference.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        let n = |v| images.iter().filter(|i| i.status.verdict == v).count();
        Self {
            freshness,
            outdated: n(ImageVerdict::Outdated),
            unknown: n(ImageVerdict::Unknown),
            current: n(ImageVerdict::Current),
            pinned: n(ImageVerdict::Pinned),
            local: n(ImageVerdict::Local),
            images,
        }
    }
}

impl FleetHandle {
    /// The images in use on `device`, or on every device from their last polls (a device
    /// where the images probe does not run is left out); `device` is read from its last poll
    /// unless `opts` asks for a live read.
    pub async fn container_updates(
        &self,
        device: Option<&str>,
        opts: &ReadOptions,
    ) -> Result<ContainerUpdates, ApiError> {
        let (read, freshness) = self.read_one_or_all(device, "images", opts).await?;
        let rows = read
            .iter()
            .filter_map(|(name, state)| Some(ContainerUpdates::rows(state.images()?, name)))
            .flatten()
            .collect();
        Ok(ContainerUpdates::from_rows(rows, freshness))
    }
}
