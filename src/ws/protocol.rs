//! The `/ws` messages: what a client sends (`auth`, `subscribe`, `unsubscribe`, `ping`) and
//! what the server answers (`event`, `subscribed`, `lagged`, `error`, `pong`), as JSON text
//! frames tagged by `type`.

use std::sync::Arc;

use infrastructor_actors::events::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest client message accepted, in bytes (a larger one gets an `error`).
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// A message from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// The token, when it was not given on the upgrade request.
    Auth {
        /// The bearer token.
        token: String,
    },
    /// Adds topics; with `since`, first replays the stored events after that id.
    Subscribe {
        /// Topic patterns.
        topics: Vec<String>,
        /// An event id: replay what came after it before the live events.
        since: Option<Uuid>,
        /// Whether wildcard types also select sample events (`…Sampled`).
        #[serde(default)]
        samples: Option<bool>,
    },
    /// Removes topics (as written when subscribing).
    Unsubscribe {
        /// Topic patterns.
        topics: Vec<String>,
    },
    /// Asks for a `pong`.
    Ping,
}

/// A message from the server.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg<'a> {
    /// One event.
    Event {
        /// The event, as stored and as the API returns it.
        event: &'a Arc<Event>,
    },
    /// The client's topics after a `subscribe` or `unsubscribe`.
    Subscribed {
        /// Every topic now subscribed.
        topics: Vec<String>,
        /// Whether wildcards select samples.
        samples: bool,
    },
    /// Events were dropped because the client read too slowly.
    Lagged {
        /// How many.
        missed: u64,
        /// The last event delivered before the gap: resume with `since` set to it.
        resume_from: Option<Uuid>,
    },
    /// A request was refused.
    Error {
        /// A stable code: `bad_message`, `too_large`, `bad_topic`, `unknown_cursor`,
        /// `unavailable`, `unauthorized`, `auth_timeout`.
        code: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The answer to `ping`.
    Pong,
}

impl ServerMsg<'_> {
    /// The JSON text.
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"unserializable message"}"#.into()
        })
    }
}

/// An `error` message.
pub fn error(code: &'static str, message: impl Into<String>) -> String {
    ServerMsg::Error { code, message: message.into() }.text()
}

/// Parses a client text frame; the error is an `error` message's code and text.
pub fn parse(text: &str) -> Result<ClientMsg, (&'static str, String)> {
    if text.len() > MAX_CLIENT_MESSAGE {
        let why = format!("a message is at most {MAX_CLIENT_MESSAGE} bytes, got {}", text.len());
        return Err(("too_large", why));
    }
    serde_json::from_str(text).map_err(|e| ("bad_message", format!("not a valid message: {e}")))
}
