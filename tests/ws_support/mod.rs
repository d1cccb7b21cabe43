//! A `/ws` client for the system tests (tokio-tungstenite, a real WebSocket client): connect
//! with or without a token, send JSON, read the next JSON message (skipping pings) under a
//! deadline, and a server with the live stream's settings shortened.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A connected client.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to `/ws` (`query` appended to the URL), with `Authorization: Bearer` when given.
pub async fn try_connect(addr: SocketAddr, bearer: Option<&str>, query: &str) -> Result<Ws, Error> {
    let mut req = format!("ws://{addr}/ws{query}").into_client_request().unwrap();
    if let Some(t) = bearer {
        req.headers_mut().insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

/// Connects, or panics.
pub async fn connect(addr: SocketAddr, bearer: Option<&str>) -> Ws {
    try_connect(addr, bearer, "").await.expect("the upgrade is accepted")
}

/// The HTTP status of a refused upgrade.
pub async fn refused(addr: SocketAddr, bearer: Option<&str>, query: &str) -> u16 {
    match try_connect(addr, bearer, query).await {
        Err(Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, the upgrade was accepted"),
    }
}

/// Sends one JSON text frame.
pub async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.expect("sent");
}

/// What the server sent next.
#[derive(Debug)]
pub enum Next {
    /// A JSON message.
    Json(Value),
    /// A close frame (code, reason).
    Closed(u16, String),
    /// The connection ended without a close frame.
    Ended,
}

/// The next message (pings and pongs skipped), within 20 s.
pub async fn next(ws: &mut Ws) -> Next {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await.expect("a message in time");
        match frame {
            Some(Ok(Message::Text(t))) => return Next::Json(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(c))) => {
                return c.map_or(Next::Closed(1005, String::new()), |c| {
                    Next::Closed(c.code.into(), c.reason.to_string())
                });
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            None | Some(Err(_)) => return Next::Ended,
        }
    }
}

/// The next JSON message, or panics.
pub async fn json(ws: &mut Ws) -> Value {
    match next(ws).await {
        Next::Json(v) => v,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// The next `event` message's event, skipping nothing else (panics on another type).
pub async fn event(ws: &mut Ws) -> Value {
    let m = json(ws).await;
    assert_eq!(m["type"], "event", "expected an event, got {m}");
    m["event"].clone()
}

/// Subscribes and checks the `subscribed` answer.
pub async fn subscribe(ws: &mut Ws, v: Value) -> Value {
    send(ws, v).await;
    let m = json(ws).await;
    assert_eq!(m["type"], "subscribed", "{m}");
    m
}
