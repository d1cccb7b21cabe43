//! Notifier tools: `test_notification` sends a test message through every configured
//! notifier (Gotify, webhook) and says what each answered.

use schemars::JsonSchema;
use serde::Serialize;

use super::devices::NoArgs;
use crate::mcp::registry::{ToolDef, read};
use crate::notify::TestResult;

/// What each notifier answered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TestReport {
    /// One result per configured notifier (none when none is configured).
    pub results: Vec<TestResult>,
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read(
            "test_notification",
            "Sends a test message through every configured notifier (admin) and reports each result: ok with the message id, or the error (e.g. a rejected token).",
            |ctx, _: NoArgs| async move {
                let results = ctx.notify.test().await;
                let summary = if results.is_empty() {
                    "no notifier is configured ([alerts.gotify], [alerts.webhook])".to_string()
                } else {
                    results
                        .iter()
                        .map(|r| match (&r.error, r.message_id) {
                            (Some(e), _) => format!("{}: failed: {e}", r.notifier),
                            (None, Some(id)) => format!("{}: ok (message {id})", r.notifier),
                            (None, None) => format!("{}: ok", r.notifier),
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                Ok((TestReport { results }, summary))
            },
        )
        .admin(false),
    ]
}
