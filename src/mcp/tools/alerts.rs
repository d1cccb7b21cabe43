//! Alert tools: the firing alerts, acknowledging one, silencing one (or a rule on a
//! device) for a while (admin; both recorded as events).

use infrastructor_actors::alerts::OpenAlert;
use infrastructor_actors::model::alerts::Severity;
use infrastructor_actors::query::{AlertList, Silence};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::mcp::args;
use crate::mcp::registry::{ToolDef, read};

/// `list_alerts`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListArgs {
    /// Device name; omit for every device.
    pub device: Option<String>,
    /// Only alerts this severe or worse: `info`, `warning`, `critical`.
    pub min_severity: Option<Severity>,
}

/// `acknowledge_alert`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AckArgs {
    /// The alert's key, e.g. `container/tower/web` (see `list_alerts`).
    pub key: String,
    /// Why, or what is being done about it.
    pub comment: Option<String>,
}

/// `silence_alert`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SilenceArgs {
    /// An alert key (`container/tower/web`), or `rule/device` for every alert of a rule on a
    /// device (`filesystem/tower`).
    pub key: String,
    /// How long: `30m`, `2h`, `7d` (at most 366d).
    #[serde(rename = "for")]
    pub duration: String,
    /// Why.
    pub reason: Option<String>,
}

const MAX: std::time::Duration = std::time::Duration::from_secs(366 * 86_400);

pub fn tools() -> Vec<ToolDef> {
    vec![
        read("list_alerts", "The firing alerts, most severe first: rule, device, object, severity, value against threshold, since when, evidence, whether acknowledged or held back (maintenance, silence); and the silences in force.", |ctx, a: ListArgs| async move {
            let l: AlertList = ctx.handle.list_alerts(a.device.as_deref(), a.min_severity)?;
            let mut summary = format!("{} alerts firing ({} critical, {} warnings)", l.alerts.len(), l.critical, l.warning);
            for x in l.alerts.iter().take(10) {
                summary.push_str(&format!("\n- {} {}: {}", x.alert.severity.as_str(), x.alert.key, x.alert.summary));
            }
            Ok((l, summary))
        }),
        read("acknowledge_alert", "Acknowledges a firing alert (admin): reminders stop; an escalation and the recovery are still sent. Recorded as an AlertAcknowledged event.", |ctx, a: AckArgs| async move {
            let o: OpenAlert = ctx.handle.acknowledge_alert(&a.key, &ctx.caller.name, a.comment).await?;
            let summary = format!("acknowledged {}", o.alert.key);
            Ok((o, summary))
        }).admin(false),
        read("silence_alert", "Silences an alert, or every alert of a rule on a device (`rule/device`), for a while (admin): nothing is sent for it until then; if it still fires afterwards it is sent. Recorded as an AlertSilenced event.", |ctx, a: SilenceArgs| async move {
            let d = args::duration("for", &a.duration, MAX)?;
            let s: Silence = ctx.handle.silence_alert(&a.key, d, &ctx.caller.name, a.reason).await?;
            let summary = format!("silenced {} until {}", s.key, s.until.to_rfc3339());
            Ok((s, summary))
        }).admin(false),
    ]
}
