//! Analysis tools: diagnoses (one device in depth, or the fleet with progress
//! notifications), trends, capacity forecasts, snapshot freshness.

use infrastructor_actors::analysis::{
    CapacityForecast, DEFAULT_CAPACITY_PERCENT, FleetDiagnosis, Trend,
};
use infrastructor_actors::store::{Bucket, SeriesQuery};
use rmcp::model::ProgressNotificationParam;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::containers::DeviceFresh;
use crate::mcp::args::{self, Fresh};
use crate::mcp::registry::{Ctx, ToolDef, read};

/// `diagnose_infrastructure`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FleetArgs {
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// `analyze_performance_trends`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TrendArgs {
    /// Device name.
    pub device: String,
    /// A catalogued metric, e.g. `host.cpu_percent`, `host.mem_used_percent`, `fs.used_percent`.
    pub metric: String,
    /// One instance (mount point, container, …); default every instance.
    pub instance: Option<String>,
    /// Start: RFC 3339 or an age such as `7d` (default 7d ago).
    pub from: Option<String>,
    /// End: RFC 3339 or an age (default now).
    pub to: Option<String>,
}

/// Trends, one per series.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Trends {
    /// Slope per day, direction and significance of each series.
    pub trends: Vec<Trend>,
}

/// `predict_capacity`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CapacityArgs {
    /// Device name; omit for every device.
    pub device: Option<String>,
    /// The fill level to predict, percent (default 90).
    pub threshold_percent: Option<f64>,
    /// How far back the fit looks: an age such as `30d` (default 30d, at most 365d).
    pub window: Option<String>,
}

/// Forecasts, most urgent first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Forecasts {
    /// One per filesystem and pool.
    pub forecasts: Vec<CapacityForecast>,
}

/// `check_snapshot_freshness`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FreshnessArgs {
    /// Device name.
    pub device: String,
    /// The oldest a newest snapshot may be, e.g. `24h`, `7d` (default 48h).
    pub max_age: Option<String>,
    /// Only datasets matching this glob (`*` any text, `?` one character), e.g. `tank/*`.
    pub dataset: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Sends progress notifications in order, from a channel fed by the diagnosis.
fn progress_sender(
    ctx: &Ctx,
) -> Option<tokio::sync::mpsc::UnboundedSender<(usize, usize, String)>> {
    let (peer, token) = (ctx.peer.clone()?, ctx.progress.clone()?);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize, String)>();
    tokio::spawn(async move {
        while let Some((done, total, device)) = rx.recv().await {
            let mut p = ProgressNotificationParam::new(token.clone(), done as f64);
            p.total = Some(total as f64);
            p.message = Some(format!("diagnosed {device}"));
            if peer.notify_progress(p).await.is_err() {
                break;
            }
        }
    });
    Some(tx)
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read(
            "diagnose_infrastructure",
            "Every device diagnosed in parallel (with progress notifications): a health score per device and a ranked list of problems with evidence — offline devices, failing drives, degraded pools and arrays, dead, restart-looping or unhealthy containers, full filesystems, failed services, stale snapshots, pending security updates.",
            |ctx, a: FleetArgs| async move {
                let tx = progress_sender(&ctx);
                let report: FleetDiagnosis = ctx
                    .handle
                    .diagnose_fleet(&a.fresh.options()?, |done, total, device| {
                        if let Some(tx) = &tx {
                            let _ = tx.send((done, total, device.to_string()));
                        }
                    })
                    .await?;
                let mut summary = report.summary.clone();
                for d in report.devices.iter().filter(|d| !d.problems.is_empty()).take(10) {
                    summary.push_str(&format!("\n- {}", d.summary));
                }
                Ok((report, summary))
            },
        ),
        read(
            "diagnose_device",
            "One device in depth: its probes read now (drives and updates from the last poll unless refresh), then every check for what it has — connection, failing probes, containers, filesystems, memory, drives, pools, arrays, VMs, services, snapshots, updates — with a score and evidence.",
            |ctx, a: DeviceFresh| async move {
                let d = ctx.handle.diagnose_device(&a.device, &a.fresh.options()?).await?;
                let mut summary = d.diagnosis.summary.clone();
                for p in d.diagnosis.problems.iter().take(10) {
                    summary.push_str(&format!("\n- {:?}: {}", p.severity, p.summary));
                }
                Ok((d, summary))
            },
        ),
        read(
            "analyze_performance_trends",
            "Trends of a metric on a device over a range: least-squares slope per day, direction (rising, falling, flat) and whether it is significant; says when there is not enough data.",
            |ctx, a: TrendArgs| async move {
                let to =
                    a.to.as_deref()
                        .map(|t| args::time("to", t))
                        .transpose()?
                        .unwrap_or_else(chrono::Utc::now);
                let from = a
                    .from
                    .as_deref()
                    .map(|f| args::time("from", f))
                    .transpose()?
                    .unwrap_or(to - chrono::Duration::days(7));
                let q = SeriesQuery {
                    device: a.device.clone(),
                    metric: a.metric.clone(),
                    instance: a.instance,
                    from,
                    to,
                    bucket: Bucket::Auto,
                };
                let trends = ctx.handle.trends(&q).await?;
                let lines: Vec<String> = trends.iter().map(|t| t.summary.clone()).collect();
                let summary = if lines.is_empty() {
                    format!("no {} data on {}", a.metric, a.device)
                } else {
                    lines.join("\n")
                };
                Ok((Trends { trends }, summary))
            },
        ),
        read(
            "predict_capacity",
            "When each filesystem and pool crosses a fill threshold (default 90 %), from a linear fit over its usage history, with the fit's quality; says when there is not enough data.",
            |ctx, a: CapacityArgs| async move {
                let window = match a.window.as_deref() {
                    Some(w) => args::duration("window", w, 365 * DAY)?,
                    None => 30 * DAY,
                };
                let to = chrono::Utc::now();
                let from =
                    to - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(30));
                let threshold = a.threshold_percent.unwrap_or(DEFAULT_CAPACITY_PERCENT);
                let forecasts =
                    ctx.handle.capacity_forecast(a.device.as_deref(), threshold, from, to).await?;
                let lines: Vec<String> =
                    forecasts.iter().take(10).map(|f| f.summary.clone()).collect();
                let summary = if lines.is_empty() {
                    "no filesystem or pool history yet".to_string()
                } else {
                    lines.join("\n")
                };
                Ok((Forecasts { forecasts }, summary))
            },
        ),
        read(
            "check_snapshot_freshness",
            "ZFS datasets whose newest snapshot is older than a limit (default 48h), or that have none; optionally only datasets matching a glob.",
            |ctx, a: FreshnessArgs| async move {
                let max_age = match a.max_age.as_deref() {
                    Some(m) => args::duration("max_age", m, 3650 * DAY)?,
                    None => 2 * DAY,
                };
                let max_age =
                    chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::days(2));
                let r = ctx
                    .handle
                    .snapshot_freshness(
                        &a.device,
                        max_age,
                        a.dataset.as_deref(),
                        &a.fresh.options()?,
                    )
                    .await?;
                let summary = format!(
                    "{} datasets checked on {}: {} fresh, {} stale; {}",
                    r.report.checked,
                    a.device,
                    r.report.fresh,
                    r.report.stale.len(),
                    args::note(&r.freshness)
                );
                Ok((r, summary))
            },
        ),
    ]
}
