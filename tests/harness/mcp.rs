//! An MCP client for tests: rmcp's own client over streamable HTTP against the running
//! server, in either protocol style, with typed helpers to call a tool and read its answer.

use std::net::SocketAddr;

use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ContentBlock, ProtocolVersion};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, RoleClient, ServiceExt};
use serde_json::Value;

/// A connected client.
pub type Client = RunningService<RoleClient, ClientConfig>;

fn config(addr: SocketAddr, token: Option<&str>) -> StreamableHttpClientTransportConfig {
    let config = StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp"));
    match token {
        Some(t) => config.auth_header(t.to_string()),
        None => config,
    }
}

/// Connects with the session protocol (`initialize`, a session id).
pub async fn connect(addr: SocketAddr, token: Option<&str>) -> Client {
    ClientConfig::default().serve(StreamableHttpClientTransport::from_config(config(addr, token))).await.expect("mcp client connects")
}

/// Connects with the stateless 2026-07-28 protocol (`server/discover`, no session).
pub async fn connect_stateless(addr: SocketAddr, token: Option<&str>) -> Client {
    let mode = ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::V_2026_07_28] };
    ClientConfig::default()
        .serve_with_lifecycle(StreamableHttpClientTransport::from_config(config(addr, token)), mode)
        .await
        .expect("stateless mcp client connects")
}

/// Calls `tool` with `args` (a JSON object); a protocol error fails the test.
pub async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else { panic!("arguments must be an object") };
    let params = CallToolRequestParams::new(tool.to_string()).with_arguments(args);
    client.call_tool(params).await.unwrap_or_else(|e| panic!("{tool}: protocol error {e}"))
}

/// The structured answer of a successful call.
pub fn ok(r: &CallToolResult) -> &Value {
    assert_ne!(r.is_error, Some(true), "tool error: {}", text(r));
    r.structured_content.as_ref().expect("structured content")
}

/// The message of a failed call.
pub fn err(r: &CallToolResult) -> String {
    assert_eq!(r.is_error, Some(true), "expected a tool error, got {:?}", r.structured_content);
    text(r)
}

/// The first text block (the summary, or the error message).
pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .find_map(|c| match c {
            ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .unwrap_or_default()
}
