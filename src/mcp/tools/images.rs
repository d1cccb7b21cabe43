//! Container image tools: which containers run an image with a newer version in its registry.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::mcp::args::{self, Fresh};
use crate::mcp::registry::{ToolDef, read};

/// `check_container_updates`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ImagesArgs {
    /// Device name; every device (from their last polls) when omitted.
    pub device: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

pub fn tools() -> Vec<ToolDef> {
    vec![read(
        "check_container_updates",
        "Which containers of one device or every device run an image whose registry has a newer version under the same tag, and since when (outdated first); images pinned by digest or built locally are listed as such, and an unreachable registry as unknown with the reason. The registry is asked from the device every 6 h (HEAD requests where it can; nothing is ever pulled); from the last poll unless refresh is true.",
        |ctx, a: ImagesArgs| async move {
            let r = ctx.handle.container_updates(a.device.as_deref(), &a.fresh.options()?).await?;
            let place = a.device.as_deref().unwrap_or("the fleet");
            let summary = format!(
                "{} images in use on {place}: {} outdated, {} unknown, {} current, {} pinned, {} local; {}",
                r.images.len(),
                r.outdated,
                r.unknown,
                r.current,
                r.pinned,
                r.local,
                args::note(&r.freshness)
            );
            Ok((r, summary))
        },
    )]
}
