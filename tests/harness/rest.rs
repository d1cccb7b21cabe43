//! A small REST client for the `/api` tests: one request, the status, the content type and
//! the body (parsed as JSON when it is JSON).

use std::net::SocketAddr;

use serde_json::Value;

/// An answer.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: String,
    /// The body as text.
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
    /// Every header.
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// The `error` code of an error body.
    pub fn code(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }

    /// The `message` of an error body.
    pub fn message(&self) -> &str {
        self.json["message"].as_str().unwrap_or("")
    }
}

/// Sends `method path` with an optional bearer token and JSON body.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let body = body.map(|b| b.to_string().into_bytes());
    request(addr, method, path, token, &[], body.map(|b| ("application/json", b))).await
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> Answer {
    send(addr, "GET", path, token, None).await
}

/// Sends raw bytes with a given content type (bad bodies, wrong types).
pub async fn send_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    request(addr, method, path, token, &[], Some((content_type, body))).await
}

/// One request with extra `headers` and an optional body of a content type.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut req = client.request(method, format!("http://{addr}{path}"));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some((content_type, bytes)) = body {
        req = req.header("content-type", content_type).body(bytes);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let content_type =
        headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, content_type, text, json, headers }
}
