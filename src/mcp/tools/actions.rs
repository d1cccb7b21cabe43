//! Action tools (admin scope, and only with `allow_actions = true` under `[api]`): start,
//! stop or restart a container, and maintenance mode. Each is confirmed — by the user through
//! MCP elicitation when the client supports it, else by a `confirm: true` argument — and is
//! recorded as an event.

use infrastructor_actors::api::ApiError;
use infrastructor_actors::command::ContainerVerb;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::mcp::args;
use crate::mcp::registry::{Ctx, ToolDef, read};

/// `container_action`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ContainerActionArgs {
    /// Device name.
    pub device: String,
    /// Container name or id.
    pub container: String,
    /// `start`, `stop` or `restart`.
    pub action: ContainerVerb,
    /// `true` to skip the confirmation question (clients without elicitation must pass it).
    #[serde(default)]
    pub confirm: bool,
}

/// `set_maintenance_mode`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MaintenanceArgs {
    /// Device name.
    pub device: String,
    /// `true` to silence the device's alerts, `false` to end maintenance.
    pub on: bool,
    /// When it ends by itself: RFC 3339, or a duration from now such as `2h` (default: until
    /// switched off).
    pub until: Option<String>,
    /// Why (shown in the recorded event).
    pub reason: Option<String>,
    /// `true` to skip the confirmation question (clients without elicitation must pass it).
    #[serde(default)]
    pub confirm: bool,
}

/// What the user is asked to confirm.
#[derive(Debug, Deserialize, JsonSchema)]
struct Confirmation {
    /// `true` to go ahead.
    confirm: bool,
}
rmcp::elicit_safe!(Confirmation);

/// How long the user has to answer a confirmation.
const CONFIRM_WITHIN: std::time::Duration = std::time::Duration::from_secs(120);

/// Refuses unless actions are enabled and the action is confirmed: by `confirm`, else by
/// asking the user (elicitation) when the client can be asked.
async fn gate(ctx: &Ctx, confirm: bool, what: &str) -> Result<(), ApiError> {
    use rmcp::service::{ElicitationError, ElicitationMode};
    if !ctx.allow_actions {
        return Err(ApiError::Refused(
            "actions are disabled: set allow_actions = true under [api] in the config file".into(),
        ));
    }
    if confirm {
        return Ok(());
    }
    let asks = |p: &&rmcp::service::Peer<rmcp::service::RoleServer>| {
        p.supported_elicitation_modes().contains(&ElicitationMode::Form)
    };
    if let Some(peer) = ctx.peer.as_ref().filter(asks) {
        let question = format!("Infrastructor will {what}. Go ahead?");
        match peer.elicit_with_timeout::<Confirmation>(question, Some(CONFIRM_WITHIN)).await {
            Ok(Some(Confirmation { confirm: true })) => return Ok(()),
            Ok(_) | Err(ElicitationError::UserDeclined | ElicitationError::UserCancelled) => {
                return Err(ApiError::Refused(format!("not confirmed, nothing was done: {what}")));
            }
            // The protocol forbids asking (2026-07-28) or the client did not answer.
            Err(e) => tracing::debug!(error = %e, "confirmation by elicitation failed"),
        }
    }
    Err(ApiError::Refused(format!("this would {what}; call again with confirm: true to do it")))
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read("container_action", "Starts, stops or restarts a container (admin; needs allow_actions = true and confirm: true). Recorded as an ActionPerformed event; answers with the container's state after a poll.", |ctx, a: ContainerActionArgs| async move {
            gate(&ctx, a.confirm, &format!("{} container '{}' on '{}'", a.action.as_str(), a.container, a.device)).await?;
            let r = ctx.handle.container_action(&a.device, &a.container, a.action, &ctx.caller.name).await?;
            if !r.ok {
                return Err(ApiError::Failed(format!("docker {} {} failed: {}", a.action.as_str(), r.container, r.detail)));
            }
            let after = r.state_after.clone().unwrap_or_else(|| "unknown".into());
            let summary = format!("{} {} on {}: now {after}", a.action.as_str(), r.container, a.device);
            Ok((r, summary))
        }).admin(true),
        read("set_maintenance_mode", "Switches maintenance mode of a device on (until a time, or until switched off) or off (admin; needs allow_actions = true and confirm: true). Alerts are silenced while on; recorded as a MaintenanceChanged event.", |ctx, a: MaintenanceArgs| async move {
            let what = if a.on { format!("put '{}' in maintenance", a.device) } else { format!("end maintenance of '{}'", a.device) };
            gate(&ctx, a.confirm, &what).await?;
            let until = match a.until.as_deref() {
                None => None,
                Some(u) => Some(match chrono::DateTime::parse_from_rfc3339(u.trim()) {
                    Ok(t) => t.with_timezone(&chrono::Utc),
                    Err(_) => {
                        let d = args::duration("until", u, std::time::Duration::from_secs(366 * 86_400))?;
                        chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default()
                    }
                }),
            };
            let r = ctx.handle.set_maintenance(&a.device, a.on, until, a.reason, &ctx.caller.name).await?;
            let summary = match (r.on, until) {
                (true, Some(u)) => format!("{} is in maintenance until {}", a.device, u.to_rfc3339()),
                (true, None) => format!("{} is in maintenance until switched off", a.device),
                (false, _) => format!("{} is out of maintenance", a.device),
            };
            Ok((r, summary))
        }).admin(false),
    ]
}
