//! System tools: metrics now, the journal, failed services, VMs, updates.

use infrastructor_actors::ondemand::{JournalQuery, JournalResult};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::containers::DeviceFresh;
use crate::mcp::args;
use crate::mcp::registry::{ToolDef, read};

/// `get_system_logs`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct JournalArgs {
    /// Device name.
    pub device: String,
    /// Only this systemd unit, e.g. `nginx.service`.
    pub unit: Option<String>,
    /// Only entries since: RFC 3339, or an age such as `15m`, `2h`.
    pub since: Option<String>,
    /// Only this priority or more urgent: 0 (emerg) to 7 (debug), or a name (`err`, `warning`).
    pub priority: Option<String>,
    /// Keep only entries containing this literal text.
    pub grep: Option<String>,
    /// How many of the newest entries, 1 to 10000 (default 100).
    pub lines: Option<u32>,
}

/// The journal entries.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Journal {
    /// The device.
    pub device: String,
    /// Entries, oldest first; `truncated` when the caps cut some.
    #[serde(flatten)]
    pub journal: JournalResult,
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read(
            "get_system_metrics",
            "Host metrics now: CPU, memory, swap, load, uptime, filesystems, network and disk rates, temperatures.",
            |ctx, a: DeviceFresh| async move {
                let m = ctx.handle.system_metrics(&a.device, &a.fresh.options()?).await?;
                let cpu = m
                    .metrics
                    .as_ref()
                    .and_then(|s| s.cpu_percent)
                    .map_or("-".into(), |c| format!("{c:.1} %"));
                let mem = m.mem_used_percent.map_or("-".into(), |c| format!("{c:.1} %"));
                let summary =
                    format!("{}: CPU {cpu}, memory {mem}; {}", a.device, args::note(&m.freshness));
                Ok((m, summary))
            },
        ),
        read(
            "get_system_logs",
            "The device's systemd journal, read now: filter by unit, time, priority and a literal text; capped, and says when entries were cut.",
            |ctx, a: JournalArgs| async move {
                let q = JournalQuery {
                    unit: a.unit,
                    since: a.since,
                    priority: a.priority,
                    grep: a.grep,
                    lines: a.lines.unwrap_or(100),
                    ..JournalQuery::default()
                };
                let journal = ctx.handle.journal(&a.device, q).await?;
                let cut = if journal.truncated { " (cut to the caps)" } else { "" };
                let summary =
                    format!("{} journal entries from {}{cut}", journal.entries.len(), a.device);
                Ok((Journal { device: a.device, journal }, summary))
            },
        ),
        read(
            "get_failed_services",
            "Failed systemd units (unit, load, active and sub state, description).",
            |ctx, a: DeviceFresh| async move {
                let f = ctx.handle.failed_services(&a.device, &a.fresh.options()?).await?;
                let n = f.failed.as_ref().map_or("unknown".into(), |v| v.len().to_string());
                let summary =
                    format!("{n} failed units on {}; {}", a.device, args::note(&f.freshness));
                Ok((f, summary))
            },
        ),
        read(
            "get_vm_status",
            "libvirt VMs: state, vCPUs, memory, autostart.",
            |ctx, a: DeviceFresh| async move {
                let v = ctx.handle.vm_status(&a.device, &a.fresh.options()?).await?;
                let running = v.vms.iter().filter(|m| m.state == "running").count();
                let summary = format!(
                    "{} VMs on {} ({running} running); {}",
                    v.vms.len(),
                    a.device,
                    args::note(&v.freshness)
                );
                Ok((v, summary))
            },
        ),
        read(
            "check_updates",
            "Pending package updates (apt, dnf or pacman), security updates first, and the containers' images with a newer version in their registry (container_images, from the last images poll); from the last poll unless refresh is true.",
            |ctx, a: DeviceFresh| async move {
                let u = ctx.handle.updates(&a.device, &a.fresh.options()?).await?;
                let images = match &u.container_images {
                    Some(c) => {
                        format!("; {} of {} container images outdated", c.outdated, c.images.len())
                    }
                    None => String::new(),
                };
                let summary = format!(
                    "{} updates on {} ({} security){images}; {}",
                    u.packages.len(),
                    a.device,
                    u.security_count,
                    args::note(&u.freshness)
                );
                Ok((u, summary))
            },
        ),
    ]
}
