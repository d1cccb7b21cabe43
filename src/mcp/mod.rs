//! The MCP server at `/mcp` (rmcp, streamable HTTP, both the session protocol and the
//! stateless 2026-07-28 revision): a thin face over the query facade. Tools are listed and
//! called from one table (`tools/`), each a few lines of argument parsing and a summary.

pub mod args;
pub mod registry;
pub mod tools;

use std::sync::Arc;

use infrastructor_actors::api::FleetHandle;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServerHandler};
use tokio_util::sync::CancellationToken;

use crate::auth::Caller;
use crate::config::{ApiSettings, Scope};
use registry::{Ctx, ToolDef};

/// Instructions sent to clients at initialisation.
const INSTRUCTIONS: &str = "Infrastructor watches Linux machines over SSH. Start with \
list_devices or what_changed; answers say whether they are live or cached and how old.";

/// One MCP server: the facade and the tool table (built once, shared by every session).
#[derive(Clone)]
pub struct McpServer {
    handle: FleetHandle,
    tools: Arc<Vec<ToolDef>>,
    allow_actions: bool,
}

impl McpServer {
    /// A server over `handle`.
    pub fn new(handle: FleetHandle, allow_actions: bool) -> Self {
        Self { handle, tools: Arc::new(tools::all()), allow_actions }
    }

    /// Every tool as listed.
    pub fn tool_list(&self) -> Vec<rmcp::model::Tool> {
        self.tools.iter().map(|t| t.tool.clone()).collect()
    }
}

/// The caller attached to the HTTP request by the auth layer (a local admin when none is).
fn caller(ctx: &RequestContext<RoleServer>) -> Caller {
    ctx.extensions
        .get::<poem::http::request::Parts>()
        .and_then(|p| p.extensions.get::<Caller>().cloned())
        .unwrap_or(Caller { name: "local".into(), scope: Scope::Admin })
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("infrastructor", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tool_list()))
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.tools.iter().find(|t| t.tool.name == name).map(|t| t.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = self.tools.iter().find(|t| t.tool.name == request.name) else {
            let msg = format!("unknown tool `{}`", request.name);
            return Ok(registry::error(&msg).into());
        };
        let ctx = Ctx {
            handle: self.handle.clone(),
            caller: caller(&context),
            allow_actions: self.allow_actions,
            progress: context.meta.get_progress_token(),
            peer: Some(context.peer.clone()),
        };
        Ok(tool.run(ctx, request.arguments).await.into())
    }
}

/// The `/mcp` service: sessions for older clients, stateless for 2026-07-28; `Host` and
/// `Origin` checked against the config; streams end when `cancel` fires.
pub fn service(
    handle: FleetHandle,
    api: &ApiSettings,
    cancel: CancellationToken,
) -> StreamableHttpService<McpServer, LocalSessionManager> {
    let server = McpServer::new(handle, api.allow_actions);
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(api.allowed_hosts.clone())
        .with_cancellation_token(cancel);
    config = if api.allowed_origins.is_empty() {
        config.enforce_origin_validation()
    } else {
        config.with_allowed_origins(api.allowed_origins.clone())
    };
    StreamableHttpService::new(move || Ok(server.clone()), Default::default(), config)
}
