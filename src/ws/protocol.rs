//! The `/ws` messages: what a client sends (`auth`, `subscribe`, `unsubscribe`, `ping`) and
//! what the server answers (`event`, `subscribed`, `lagged`, `error`, `pong`), as JSON text
//! frames tagged by `type`.

use std::sync::Arc;

use infrastructor_actors::events::Event;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest client message accepted, in bytes (a larger one gets an `error`).
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

/// Every `error` code (a stable contract: clients branch on it).
pub const ERROR_CODES: &[&str] = &[
    "bad_message",
    "too_large",
    "bad_topic",
    "unknown_cursor",
    "replay_incomplete",
    "unavailable",
    "unauthorized",
    "auth_timeout",
    "internal",
];

/// A message from the client.
#[derive(Debug, Deserialize, JsonSchema)]
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
#[derive(Debug, Serialize, JsonSchema)]
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
        /// A stable code that clients can branch on.
        #[schemars(extend("enum" = ERROR_CODES))]
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
    debug_assert!(ERROR_CODES.contains(&code), "undocumented error code {code}");
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn v(text: String) -> Value {
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn server_messages_have_the_documented_shape() {
        let id: Uuid = "01a232b8-51bd-77f2-8de2-fd7afa27853a".parse().unwrap();
        let lagged = ServerMsg::Lagged { missed: 12, resume_from: Some(id) };
        assert_eq!(
            v(lagged.text()),
            json!({"type":"lagged","missed":12,"resume_from":"01a232b8-51bd-77f2-8de2-fd7afa27853a"})
        );
        let sub = ServerMsg::Subscribed { topics: vec!["device.tower.*".into()], samples: false };
        assert_eq!(
            v(sub.text()),
            json!({"type":"subscribed","topics":["device.tower.*"],"samples":false})
        );
        assert_eq!(v(ServerMsg::Pong.text()), json!({"type":"pong"}));
        assert_eq!(
            v(error("bad_topic", "no")),
            json!({"type":"error","code":"bad_topic","message":"no"})
        );
    }

    #[test]
    fn client_messages_parse_or_say_why_not() {
        let m = parse(
            r#"{"type":"subscribe","topics":["*"],"since":"01a232b8-51bd-77f2-8de2-fd7afa27853a","samples":true}"#,
        );
        assert!(matches!(m, Ok(ClientMsg::Subscribe { since: Some(_), samples: Some(true), .. })));
        assert!(matches!(parse(r#"{"type":"ping"}"#), Ok(ClientMsg::Ping)));
        assert!(matches!(parse(r#"{"type":"auth","token":"t"}"#), Ok(ClientMsg::Auth { .. })));
        assert_eq!(parse("{").unwrap_err().0, "bad_message");
        assert_eq!(
            parse(r#"{"type":"unsubscribe","topics":[],"extra":1}"#).unwrap_err().0,
            "bad_message"
        );
        assert_eq!(
            parse(r#"{"type":"subscribe","topics":["*"],"since":"nope"}"#).unwrap_err().0,
            "bad_message"
        );
        let big = format!(r#"{{"type":"ping","pad":"{}"}}"#, "a".repeat(MAX_CLIENT_MESSAGE));
        assert_eq!(parse(&big).unwrap_err().0, "too_large");
    }
}
