//! `/api/alerts/test`: a test message through every configured notifier (admin).

use poem::web::Data;
use poem_openapi::OpenApi;

use super::Tag;
use super::call::{Api, Reply, args};
use crate::auth::Caller;
use crate::mcp::tools::notify::TestReport;

/// The REST face of the notifier tools.
pub struct Notify(pub Api);

#[OpenApi(tag = "Tag::Alerts")]
impl Notify {
    /// Send a test notification (admin)
    ///
    /// Sends a test message through every configured notifier (Gotify, webhook) at once, not
    /// through the outbox, and reports each result: `ok` with the message id, or the error
    /// (a rejected token, an unreachable server). A 200 even when a notifier failed: read
    /// `results`.
    #[oai(path = "/alerts/test", method = "post", operation_id = "test_notification")]
    async fn test(&self, caller: Data<&Caller>) -> Reply<TestReport> {
        self.0.call(&caller, "test_notification", args! {}).await
    }
}
