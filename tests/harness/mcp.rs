//! An MCP client for tests: rmcp's own client over streamable HTTP against the running
//! server, in either protocol style, with typed helpers to call a tool and read its answer.

use std::net::SocketAddr;

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientConfig, ContentBlock, ProtocolVersion,
};
use std::sync::{Arc, Mutex};

use rmcp::ClientHandler;
use rmcp::model::{ProgressNotificationParam, ResourceUpdatedNotificationParam};
use rmcp::service::{NotificationContext, Peer, RunningService};
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
    ClientConfig::default()
        .serve(StreamableHttpClientTransport::from_config(config(addr, token)))
        .await
        .expect("mcp client connects")
}

/// Connects with the stateless 2026-07-28 protocol (`server/discover`, no session).
pub async fn connect_stateless(addr: SocketAddr, token: Option<&str>) -> Client {
    let mode =
        ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::V_2026_07_28] };
    ClientConfig::default()
        .serve_with_lifecycle(StreamableHttpClientTransport::from_config(config(addr, token)), mode)
        .await
        .expect("stateless mcp client connects")
}

/// Connects over a keep-alive connection pool, as most MCP clients do (rmcp's default HTTP
/// client opens a new TCP connection for every request): with sessions, or with the stateless
/// 2026-07-28 protocol when `stateless`.
pub async fn connect_kept_alive(addr: SocketAddr, token: Option<&str>, stateless: bool) -> Client {
    let http = reqwest::Client::builder().build().expect("an http client");
    let transport = StreamableHttpClientTransport::with_client(http, config(addr, token));
    let client = if stateless {
        let preferred_versions = vec![ProtocolVersion::V_2026_07_28];
        let mode = ClientLifecycleMode::Discover { preferred_versions };
        ClientConfig::default().serve_with_lifecycle(transport, mode).await
    } else {
        ClientConfig::default().serve(transport).await
    };
    client.expect("mcp client connects over a kept-alive connection")
}

/// A client that records the notifications it gets.
#[derive(Clone, Default)]
pub struct Recorder {
    /// Progress notifications, in arrival order.
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    /// URIs of `notifications/resources/updated`, in arrival order.
    pub updated: Arc<Mutex<Vec<String>>>,
    /// How the user answers a confirmation question (`None`: the client cannot be asked).
    pub answer: Option<bool>,
    /// The questions asked.
    pub asked: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    /// A client whose user answers every confirmation question with `answer`.
    pub fn answering(answer: bool) -> Self {
        Self { answer: Some(answer), ..Self::default() }
    }
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }

    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.updated.lock().unwrap().push(params.uri);
    }

    fn get_info(&self) -> ClientConfig {
        let mut caps = rmcp::model::ClientCapabilities::default();
        if self.answer.is_some() {
            caps.elicitation = Some(Default::default());
        }
        ClientConfig::new(caps, rmcp::model::Implementation::new("test", "1"))
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        use rmcp::model::{ElicitResult, ElicitationAction};
        self.asked.lock().unwrap().push(format!("{request:?}"));
        Ok(match self.answer {
            Some(true) => ElicitResult::new(ElicitationAction::Accept)
                .with_content(serde_json::json!({ "confirm": true })),
            _ => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

/// Connects (sessions) with a client that records notifications.
pub async fn connect_recording(
    addr: SocketAddr,
    token: Option<&str>,
) -> (RunningService<RoleClient, Recorder>, Recorder) {
    connect_as(addr, token, Recorder::default()).await
}

/// Connects (sessions) as `recorder`.
pub async fn connect_as(
    addr: SocketAddr,
    token: Option<&str>,
    recorder: Recorder,
) -> (RunningService<RoleClient, Recorder>, Recorder) {
    let transport = StreamableHttpClientTransport::from_config(config(addr, token));
    let client = recorder.clone().serve(transport).await.expect("mcp client connects");
    (client, recorder)
}

/// Calls `tool` with `args` (a JSON object); a protocol error fails the test.
pub async fn call(client: &Peer<RoleClient>, tool: &str, args: Value) -> CallToolResult {
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

/// A raw HTTP/1.1 request to the server: `(status, headers, body)`.
pub async fn http(addr: SocketAddr, request: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_lowercase(), body.to_string())
}

/// A POST of an MCP `initialize` to `/mcp` with extra header lines.
pub fn initialize(addr: SocketAddr, headers: &str) -> String {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}
