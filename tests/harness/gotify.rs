//! A real Gotify receiver for the notifier tests: `POST /message` with the application token
//! in the `X-Gotify-Key` header or `?token=`, a JSON body, 200 with `{"id": n, ...}`, 401 on a
//! bad token, 400 on a bad body. It records every accepted message and counts every request,
//! and can be taken down and brought back on the same port. `POST /hook` is a generic
//! webhook receiver: it records each body with its `Authorization` header.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::web::{Data, Json, Query};
use poem::{EndpointExt, Request, Response, Route, handler, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the receiver saw.
#[derive(Default)]
struct State {
    /// Accepted messages, in arrival order.
    messages: Vec<Value>,
    /// Every request to `/message`, accepted or not.
    requests: usize,
    /// Bodies POSTed to `/hook`, with their `Authorization` header.
    hooks: Vec<(Option<String>, Value)>,
}

/// The receiver.
pub struct Gotify {
    addr: SocketAddr,
    token: String,
    state: Arc<Mutex<State>>,
    running: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[handler]
fn message(
    req: &Request,
    Query(q): Query<TokenQuery>,
    body: String,
    Data((state, token)): Data<&(Arc<Mutex<State>>, String)>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.requests += 1;
    let given = req
        .headers()
        .get("X-Gotify-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(q.token);
    if given.as_deref() != Some(token.as_str()) {
        let err = json!({"error": "Unauthorized", "errorCode": 401,
            "errorDescription": "you need to provide a valid access token or user credentials to access this api"});
        return Response::builder().status(StatusCode::UNAUTHORIZED).body(err.to_string());
    }
    let Ok(mut msg) = serde_json::from_str::<Value>(&body) else {
        return Response::builder().status(StatusCode::BAD_REQUEST).body("bad json");
    };
    if msg["message"].as_str().is_none_or(str::is_empty) {
        return Response::builder().status(StatusCode::BAD_REQUEST).body("message is required");
    }
    let id = s.messages.len() as u64 + 1;
    msg["id"] = id.into();
    msg["appid"] = 1.into();
    msg["date"] = chrono::Utc::now().to_rfc3339().into();
    s.messages.push(msg.clone());
    poem::IntoResponse::into_response(Json(msg))
}

#[handler]
fn hook(
    req: &Request,
    body: String,
    Data((state, _)): Data<&(Arc<Mutex<State>>, String)>,
) -> Response {
    let auth = req.headers().get("Authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    state.lock().unwrap().hooks.push((auth, body));
    Response::builder().status(StatusCode::NO_CONTENT).finish()
}

impl Gotify {
    /// A receiver accepting `token`, on a free port.
    pub async fn start(token: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut g = Self { addr, token: token.into(), state: Default::default(), running: None };
        g.serve(listener);
        g
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        let app = Route::new()
            .at("/message", post(message))
            .at("/hook", post(hook))
            .data((self.state.clone(), self.token.clone()));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    app,
                    async {
                        let _ = rx.await;
                    },
                    Some(std::time::Duration::from_millis(100)),
                )
                .await;
        });
        self.running = Some((tx, task));
    }

    /// Notifier settings sending to this receiver with its token, reading the outbox every
    /// `poll` (a nudge from the bus comes first), the rest default.
    pub fn notify_settings(
        &self,
        poll: std::time::Duration,
    ) -> infrastructor::config::NotifySettings {
        use infrastructor::config::notify::{GotifySettings, NotifyTiming, Priorities};
        infrastructor::config::NotifySettings {
            gotify: Some(GotifySettings {
                url: self.url(),
                token: infrastructor::config::Secret::new(self.token.as_str()),
                priorities: Priorities::default(),
            }),
            timing: NotifyTiming { poll, ..NotifyTiming::default() },
            ..Default::default()
        }
    }

    /// Its base URL (what `[alerts.gotify] url` says).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Takes it down: the port refuses connections until [`Gotify::up`].
    pub async fn down(&mut self) {
        if let Some((tx, task)) = self.running.take() {
            let _ = tx.send(());
            let _ = task.await;
        }
    }

    /// Brings it back on the same port.
    pub async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// Every accepted message, in arrival order.
    pub fn messages(&self) -> Vec<Value> {
        self.state.lock().unwrap().messages.clone()
    }

    /// Every body POSTed to `/hook`, with its `Authorization` header.
    pub fn hooks(&self) -> Vec<(Option<String>, Value)> {
        self.state.lock().unwrap().hooks.clone()
    }

    /// How many requests `/message` got (accepted or not).
    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }
}
