//! Backup tools: the status of every declared backup job.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::mcp::args::{self, Fresh};
use crate::mcp::registry::{ToolDef, read};

/// `get_backup_status`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct BackupArgs {
    /// Device name; every device (from their last polls) when omitted.
    pub device: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

pub fn tools() -> Vec<ToolDef> {
    vec![read(
        "get_backup_status",
        "Backup jobs (restic, systemd units, marker files, ZFS snapshots) of one device or every device: last success, its age, the verdict (ok, overdue, failed, unknown) and the evidence, with the last restic check where one is configured; from the last poll unless refresh is true.",
        |ctx, a: BackupArgs| async move {
            let r = ctx.handle.backup_status(a.device.as_deref(), &a.fresh.options()?).await?;
            let place = a.device.as_deref().unwrap_or("the fleet");
            let unknown = if r.unknown > 0 {
                format!(", {} not yet known", r.unknown)
            } else {
                String::new()
            };
            let summary = format!(
                "{} backup jobs on {place}: {} failed, {} overdue, {} ok{unknown}; {}",
                r.jobs.len(),
                r.failed,
                r.overdue,
                r.ok,
                args::note(&r.freshness)
            );
            Ok((r, summary))
        },
    )]
}
