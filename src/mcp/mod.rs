//! The MCP server at `/mcp` (rmcp, streamable HTTP, both the session protocol and the
//! stateless 2026-07-28 revision): a thin face over the query facade. Tools are listed and
//! called from one table (`tools/`), each a few lines of argument parsing and a summary.

pub mod args;
pub mod prompts;
pub mod registry;
pub mod resources;
pub mod tools;

use std::sync::Arc;

use infrastructor_actors::api::FleetHandle;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, ServerCapabilities, ServerConfig, SubscribeRequestParams,
    SubscriptionFilter, UnsubscribeRequestParams,
};
use rmcp::service::{RequestContext, RoleServer, SubscriptionContext};
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
    /// The query facade every tool calls.
    handle: FleetHandle,
    /// The tool table, shared.
    tools: Arc<Vec<ToolDef>>,
    /// Whether action tools may run.
    allow_actions: bool,
    /// Which devices changed, for resource subscriptions.
    changes: resources::Changes,
    /// This session's `resources/subscribe` tasks (aborted when the session ends).
    subscriptions: resources::Subscriptions,
    /// The configured notifiers.
    notify: crate::notify::Notifiers,
}

impl McpServer {
    /// A server over `handle`, told about changes by `changes`.
    pub fn new(
        handle: FleetHandle,
        allow_actions: bool,
        changes: resources::Changes,
        notify: crate::notify::Notifiers,
    ) -> Self {
        let tools = Arc::new(tools::all());
        let subscriptions = Default::default();
        Self { handle, tools, allow_actions, changes, subscriptions, notify }
    }

    /// The same server with subscriptions of its own, for a new session.
    fn session(&self) -> Self {
        Self { subscriptions: Default::default(), ..self.clone() }
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
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_prompts()
            .build();
        ServerConfig::new(caps)
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
            notify: self.notify.clone(),
        };
        Ok(tool.run(ctx, request.arguments).await.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let names: Vec<String> = self.handle.snapshot().devices.keys().cloned().collect();
        Ok(ListResourcesResult::with_all_items(resources::list(&names)))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let contents = resources::read(&self.handle, &request.uri).await?;
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        resources::parse(&request.uri)?;
        self.subscriptions.add(request.uri, &self.changes, context.peer);
        Ok(())
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.remove(&request.uri);
        Ok(())
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        let mut accepted = requested.supported_by(&self.get_info().capabilities);
        if let Some(uris) = &mut accepted.resource_subscriptions {
            uris.retain(|u| resources::parse(u).is_ok());
        }
        Some(accepted)
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let uris = context.accepted().resource_subscriptions.clone().unwrap_or_default();
        let mut rx = self.changes.subscribe();
        loop {
            tokio::select! {
                _ = context.cancelled() => return Ok(()),
                changed = rx.recv() => match changed {
                    Ok(device) => {
                        for uri in uris.iter().filter(|u| resources::touches(u, &device)) {
                            if context.sink().notify_resource_updated(uri.clone()).await.is_err() {
                                return Ok(());
                            }
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
                },
            }
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        Ok(prompts::get(&request.name, &request.arguments.unwrap_or_default())?.into())
    }
}

/// The `/mcp` service: sessions for older clients, stateless for 2026-07-28; `Host` and
/// `Origin` checked against the config; streams end when `cancel` fires.
pub fn service(
    handle: FleetHandle,
    api: &ApiSettings,
    (changes, notify): (resources::Changes, crate::notify::Notifiers),
    cancel: CancellationToken,
) -> StreamableHttpService<McpServer, LocalSessionManager> {
    let server = McpServer::new(handle, api.allow_actions, changes, notify);
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(api.allowed_hosts.clone())
        .with_cancellation_token(cancel);
    config = if api.allowed_origins.is_empty() {
        config.enforce_origin_validation()
    } else {
        config.with_allowed_origins(api.allowed_origins.clone())
    };
    StreamableHttpService::new(move || Ok(server.session()), Default::default(), config)
}
