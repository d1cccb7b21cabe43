//! One `/ws` connection: first-message auth when needed, then a loop over the client's
//! frames, its fan-out queue, heartbeats and shutdown. Every send races the client being
//! dropped by the fan-out and the shutdown, so a client that stopped reading holds nothing.

use std::time::Duration;

use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use infrastructor_actors::api::ApiError;
use infrastructor_actors::fanout::{Client, Delivery, Filter, Replay, Topic};
use poem::web::websocket::{CloseCode, Message, WebSocketStream};
use tokio::time::Instant;
use uuid::Uuid;

use super::protocol::{self, ClientMsg, ServerMsg};
use super::{Slot, WsState};
use crate::auth::Caller;

/// Longest wait for the socket to take one message; a client that long behind is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for a close frame to go out.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

type Sink = SplitSink<WebSocketStream, Message>;
type Source = SplitStream<WebSocketStream>;

/// The connection's writing half and what it last delivered.
struct Conn {
    sink: Sink,
    /// The last event sent: where a lagged client resumes.
    last: Option<Uuid>,
}

impl Conn {
    /// Sends `msg`; `false` when the connection should end (gone, too slow, shutting down).
    async fn send(&mut self, msg: Message, client: Option<&Client>, st: &WsState) -> bool {
        let kicked = async {
            match client {
                Some(c) => c.kicked().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            sent = self.sink.send(msg) => sent.is_ok(),
            _ = kicked => false,
            _ = st.cancel.cancelled() => false,
            _ = tokio::time::sleep(SEND_TIMEOUT) => false,
        }
    }

    async fn text(&mut self, text: String, client: Option<&Client>, st: &WsState) -> bool {
        self.send(Message::Text(text), client, st).await
    }

    /// Sends a close frame (best effort, briefly).
    async fn close(&mut self, code: CloseCode, reason: &str) {
        let frame = Message::close_with(code, reason);
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
            let _ = self.sink.send(frame).await;
            let _ = self.sink.flush().await;
        })
        .await;
    }
}

/// Runs one connection to its end.
pub(super) async fn run(socket: WebSocketStream, st: WsState, caller: Option<Caller>, _slot: Slot) {
    let (sink, mut source) = socket.split();
    let mut conn = Conn { sink, last: None };
    if caller.is_none() && !first_message_auth(&mut conn, &mut source, &st).await {
        return;
    }
    let Some(mut client) = st.fanout.join(st.settings.queue).await else {
        conn.close(CloseCode::Away, "server shutting down").await;
        return;
    };
    let mut filter = Filter::default();
    let heartbeat = st.settings.heartbeat;
    let mut beat = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            biased;
            _ = st.cancel.cancelled() => {
                conn.close(CloseCode::Away, "server shutting down").await;
                return;
            }
            frame = source.next() => {
                heard = Instant::now();
                let ok = match frame {
                    None | Some(Err(_)) => return,
                    Some(Ok(Message::Text(t))) => {
                        on_text(&t, &mut conn, &mut client, &mut filter, &st).await
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let e = protocol::error("bad_message", "binary frames are not accepted: send JSON text");
                        conn.text(e, Some(&client), &st).await
                    }
                    // Pings are answered by the WebSocket layer; a close is answered there too,
                    // and the stream then ends.
                    Some(Ok(_)) => true,
                };
                if !ok {
                    return;
                }
            }
            delivery = client.recv() => {
                let text = match delivery {
                    Some(Delivery::Event(ev)) => {
                        conn.last = Some(ev.id);
                        ServerMsg::Event { event: &ev }.text()
                    }
                    Some(Delivery::Lagged { missed }) => {
                        ServerMsg::Lagged { missed, resume_from: conn.last }.text()
                    }
                    None => {
                        tracing::info!("dropping a live-stream client that stayed behind");
                        conn.close(CloseCode::Policy, "too slow: reconnect and resume with since").await;
                        return;
                    }
                };
                if !conn.text(text, Some(&client), &st).await {
                    return;
                }
            }
            _ = beat.tick() => {
                if heard.elapsed() > heartbeat * 2 {
                    tracing::info!("closing a live-stream connection that stopped answering");
                    return;
                }
                if !conn.send(Message::ping(Vec::new()), Some(&client), &st).await {
                    return;
                }
            }
        }
    }
}

/// Waits for the `auth` message; `false` (after an `error` and a close) when it is missing,
/// wrong, or late.
async fn first_message_auth(conn: &mut Conn, source: &mut Source, st: &WsState) -> bool {
    let deadline = Instant::now() + st.settings.auth_timeout;
    let first = loop {
        match tokio::time::timeout_at(deadline, source.next()).await {
            // Control frames before the auth message are answered by the WebSocket layer.
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            other => break other,
        }
    };
    let refusal = match first {
        Err(_) => ("auth_timeout", "no auth message within the time allowed".to_string()),
        Ok(Some(Ok(Message::Text(t)))) => match protocol::parse(&t) {
            Ok(ClientMsg::Auth { token }) => match st.tokens.check(Some(&token)) {
                Ok(_) => return true,
                Err(_) => ("unauthorized", "the token is not valid".to_string()),
            },
            _ => (
                "unauthorized",
                "authentication required: send {\"type\":\"auth\",\"token\":…} first".into(),
            ),
        },
        Ok(_) => return false,
    };
    let _ = conn.text(protocol::error(refusal.0, refusal.1), None, st).await;
    conn.close(CloseCode::Policy, refusal.0).await;
    false
}

/// Handles one text frame; `false` when the connection should end.
async fn on_text(
    text: &str,
    conn: &mut Conn,
    client: &mut Client,
    filter: &mut Filter,
    st: &WsState,
) -> bool {
    let msg = match protocol::parse(text) {
        Ok(m) => m,
        Err((code, why)) => return conn.text(protocol::error(code, why), Some(client), st).await,
    };
    match msg {
        ClientMsg::Ping => conn.text(ServerMsg::Pong.text(), Some(client), st).await,
        ClientMsg::Auth { .. } => {
            let e = protocol::error("bad_message", "already authenticated");
            conn.text(e, Some(client), st).await
        }
        ClientMsg::Unsubscribe { topics } => {
            filter.remove(&topics);
            client.set_filter(filter.clone()).await;
            let done = ServerMsg::Subscribed { topics: filter.texts(), samples: filter.samples };
            conn.text(done.text(), Some(client), st).await
        }
        ClientMsg::Subscribe { topics, since, samples } => {
            let parsed: Result<Vec<Topic>, String> =
                topics.iter().map(|t| Topic::parse(t)).collect();
            let parsed = match parsed {
                Ok(p) => p,
                Err(why) => {
                    return conn.text(protocol::error("bad_topic", why), Some(client), st).await;
                }
            };
            if since.is_some() && st.handle.store().is_err() {
                let e = protocol::error(
                    "unavailable",
                    "no history is kept, so there is nothing to replay",
                );
                return conn.text(e, Some(client), st).await;
            }
            if let Some(s) = samples {
                filter.samples = s;
            }
            let replayed = Filter { topics: parsed.clone(), samples: filter.samples };
            filter.add(parsed);
            let barrier = client.set_filter(filter.clone()).await;
            conn.last = conn.last.or(barrier);
            let done = ServerMsg::Subscribed { topics: filter.texts(), samples: filter.samples };
            if !conn.text(done.text(), Some(client), st).await {
                return false;
            }
            match since {
                Some(since) => replay(since, barrier, replayed, conn, client, st).await,
                None => true,
            }
        }
    }
}

/// Sends the stored events after `since` that match `filter`, noting each so its live copy
/// is skipped.
async fn replay(
    since: Uuid,
    barrier: Option<Uuid>,
    filter: Filter,
    conn: &mut Conn,
    client: &mut Client,
    st: &WsState,
) -> bool {
    conn.last = Some(since);
    let mut replay = Replay::new(since, barrier, filter);
    loop {
        let page = match replay.next(&st.handle).await {
            Ok(Some(page)) => page,
            Ok(None) if replay.complete() => return true,
            Ok(None) => {
                let e = protocol::error(
                    "replay_incomplete",
                    "the store has not caught up with the live stream (is the database reachable?): events may be missing; resume again later",
                );
                return conn.text(e, Some(client), st).await;
            }
            Err(e) => {
                let code = match e {
                    ApiError::Invalid(_) => "unknown_cursor",
                    _ => "unavailable",
                };
                return conn.text(protocol::error(code, e.to_string()), Some(client), st).await;
            }
        };
        for ev in page {
            client.replayed(ev.id);
            conn.last = Some(ev.id);
            if !conn.text(ServerMsg::Event { event: &ev }.text(), Some(client), st).await {
                return false;
            }
        }
    }
}
