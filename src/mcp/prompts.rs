//! MCP prompts: ready-made starting points that steer a client through the tools.

use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};

/// `(name, description, arguments (name, description, required), template)`; `{arg}` in the
/// template is replaced by the argument's value.
type Def =
    (&'static str, &'static str, &'static [(&'static str, &'static str, bool)], &'static str);

const PROMPTS: &[Def] = &[
    (
        "troubleshoot_container",
        "Find out why a container is down or misbehaving",
        &[("device", "Device name", true), ("container", "Container name", true)],
        "Container {container} on {device} is misbehaving. Use get_container_info for its state, \
         exit code, OOM kill, restarts and health; get_container_logs (tail 200) for errors; \
         get_service_dependencies for dependencies that are down; get_system_metrics and \
         get_container_stats for resource pressure; what_changed (since 24h) for recent \
         changes. Then say what is wrong, since when, the evidence, and what to do.",
    ),
    (
        "infrastructure_health_check",
        "A health check of the whole fleet",
        &[],
        "Run diagnose_infrastructure. For each device with problems, summarise the critical \
         ones first with their evidence, then warnings. Call out offline devices and failing \
         drives explicitly, and end with a short prioritised to-do list.",
    ),
    (
        "capacity_review",
        "Which filesystems and pools fill up, and when",
        &[("device", "Device name (optional; all devices when empty)", false)],
        "Review storage capacity{device_suffix}. Use predict_capacity (window 30d) and \
         get_zfs_status; list what crosses 90 % soonest with the date and the fit's quality, \
         and what grows fastest. Say where there is not enough data.",
    ),
    (
        "what_changed_since",
        "What changed on a device or the fleet since a time",
        &[
            ("since", "RFC 3339 time or an age such as 24h", true),
            ("device", "Device name (optional)", false),
        ],
        "Use what_changed with since {since}{device_arg}, then explain the changes newest first, \
         grouped by device, pointing out anything that looks like a problem (containers \
         dying, services failing, drives degrading).",
    ),
];

/// Every prompt.
pub fn list() -> Vec<Prompt> {
    PROMPTS
        .iter()
        .map(|(name, description, args, _)| {
            let arguments = args
                .iter()
                .map(|(n, d, required)| {
                    PromptArgument::new(*n).with_description(*d).with_required(*required)
                })
                .collect();
            Prompt::new(*name, Some(*description), Some(arguments))
        })
        .collect()
}

/// The prompt `name` filled with `args`.
pub fn get(
    name: &str,
    args: &serde_json::Map<String, serde_json::Value>,
) -> Result<GetPromptResult, ErrorData> {
    let Some((_, description, params, template)) = PROMPTS.iter().find(|p| p.0 == name) else {
        let known: Vec<&str> = PROMPTS.iter().map(|p| p.0).collect();
        return Err(ErrorData::invalid_params(
            format!("no prompt `{name}`; known: {}", known.join(", ")),
            None,
        ));
    };
    let value =
        |k: &str| args.get(k).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty());
    let mut text = template.to_string();
    for (arg, _, required) in params.iter() {
        match value(arg) {
            Some(v) => text = text.replace(&format!("{{{arg}}}"), v),
            None if *required => {
                return Err(ErrorData::invalid_params(
                    format!("prompt `{name}` needs the argument `{arg}`"),
                    None,
                ));
            }
            None => {}
        }
    }
    let device = value("device");
    text = text
        .replace(
            "{device_suffix}",
            &device.map_or(" across the fleet".into(), |d| format!(" on {d}")),
        )
        .replace("{device_arg}", &device.map_or(String::new(), |d| format!(" and device {d}")));
    let message = PromptMessage::new_text(Role::User, text);
    Ok(GetPromptResult::new(vec![message]).with_description(*description))
}
