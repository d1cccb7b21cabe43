//! The tool table: each tool's name, description, input and output schemas (from its
//! argument and answer types), whether it needs the admin scope, and its call. Arguments
//! are checked against the schema's properties (an unknown one is named) and parsed with
//! serde; every failure is a tool error with a message, never a protocol error.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use infrastructor_actors::api::{ApiError, FleetHandle};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use rmcp::service::{Peer, RoleServer};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Caller;

/// What a tool call knows besides its arguments.
#[derive(Clone)]
pub struct Ctx {
    /// The query facade.
    pub handle: FleetHandle,
    /// Who is calling.
    pub caller: Caller,
    /// Whether actions are enabled in the config.
    pub allow_actions: bool,
    /// The client, for progress notifications.
    pub peer: Option<Peer<RoleServer>>,
    /// The progress token the client sent, if any.
    pub progress: Option<rmcp::model::ProgressToken>,
    /// The configured notifiers (for `test_notification`).
    pub notify: crate::notify::Notifiers,
}

/// A tool's answer: the structured value and a short summary for an LLM to read.
pub struct Reply {
    /// One or a few lines.
    pub summary: String,
    /// The structured content (matches the output schema).
    pub value: Value,
}

type Call = dyn Fn(Ctx, A) -> BoxFuture<'static, Result<Reply, ApiError>> + Send + Sync;
type A = JsonObject;

/// One tool.
pub struct ToolDef {
    /// Name, description, schemas, annotations.
    pub tool: Tool,
    /// Needs an admin token.
    pub admin: bool,
    /// Argument names the input schema declares.
    known: Vec<String>,
    call: Arc<Call>,
}

/// Builds a read-only tool: `f` gets the parsed arguments and returns its answer and a
/// summary.
pub fn read<Args, Out, F, Fut>(name: &'static str, description: &'static str, f: F) -> ToolDef
where
    Args: DeserializeOwned + JsonSchema + 'static,
    Out: Serialize + JsonSchema + 'static,
    F: Fn(Ctx, Args) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(Out, String), ApiError>> + Send + 'static,
{
    let input = rmcp::handler::server::common::schema_for_input::<Args>()
        .unwrap_or_else(|e| panic!("input schema of {name}: {e}"));
    let known = input
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let tool = Tool::new(name, description, input)
        .with_output_schema::<Out>()
        .annotate(ToolAnnotations::new().read_only(true).open_world(false));
    let call = move |ctx: Ctx, args: JsonObject| -> BoxFuture<'static, Result<Reply, ApiError>> {
        match serde_json::from_value::<Args>(Value::Object(args)) {
            Err(e) => Box::pin(std::future::ready(Err(ApiError::Invalid(format!(
                "invalid arguments: {e}"
            ))))),
            Ok(args) => {
                let fut = f(ctx, args);
                Box::pin(async move {
                    let (out, summary) = fut.await?;
                    let value = serde_json::to_value(out).map_err(|e| {
                        ApiError::Failed(format!("the answer could not be encoded: {e}"))
                    })?;
                    Ok(Reply { summary, value })
                })
            }
        }
    };
    ToolDef { tool, admin: false, known, call: Arc::new(call) }
}

impl ToolDef {
    /// The same tool, needing an admin token and marked as changing things.
    pub fn admin(mut self, destructive: bool) -> Self {
        self.admin = true;
        self.tool = self.tool.annotate(
            ToolAnnotations::new().read_only(false).destructive(destructive).open_world(false),
        );
        self
    }

    /// Names the first argument the input schema does not declare, with the known ones.
    pub fn unknown(&self, args: &JsonObject) -> Option<String> {
        let bad = args.keys().find(|k| !self.known.contains(k))?;
        let known = if self.known.is_empty() { "none".to_string() } else { self.known.join(", ") };
        Some(format!("unknown argument `{bad}` (known: {known})"))
    }

    /// The call alone, for the REST twin (which checks the scope itself and builds the
    /// arguments from typed parameters).
    pub fn invoke(
        &self,
        ctx: Ctx,
        args: JsonObject,
    ) -> BoxFuture<'static, Result<Reply, ApiError>> {
        (self.call)(ctx, args)
    }

    /// Runs the tool: scope and argument checks, then the call; every failure is a tool
    /// error.
    pub async fn run(&self, ctx: Ctx, args: Option<JsonObject>) -> CallToolResult {
        if self.admin && ctx.caller.scope != crate::config::Scope::Admin {
            return error(&format!("`{}` needs a token with the admin scope", self.tool.name));
        }
        let args = args.unwrap_or_default();
        if let Some(unknown) = self.unknown(&args) {
            return error(&unknown);
        }
        match (self.call)(ctx, args).await {
            Ok(reply) => success(reply),
            Err(e) => error(&describe(&e)),
        }
    }
}

/// The message of a facade error, with its kind.
fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Invalid(m) => format!("invalid argument: {m}"),
        ApiError::NotFound(m) => format!("not found: {m}"),
        ApiError::Refused(m) => format!("refused: {m}"),
        ApiError::Failed(m) => format!("failed: {m}"),
        ApiError::Unavailable(m) => format!("unavailable: {m}"),
        ApiError::Timeout(d) => format!("timed out: no answer within {:.0} s", d.as_secs_f64()),
    }
}

fn success(reply: Reply) -> CallToolResult {
    let mut r = CallToolResult::structured(reply.value);
    let json = std::mem::take(&mut r.content);
    r.content = std::iter::once(ContentBlock::text(reply.summary)).chain(json).collect();
    r
}

/// A tool error with `message`.
pub fn error(message: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.to_string())])
}
