//! Notifiers: Gotify and a generic JSON webhook, fed from the event store (the outbox, see
//! `outbox`), one task each; and the test message sent through every configured one.
//! HTTP lives here, never in `actors/`.

pub mod message;
pub mod outbox;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

use infrastructor_actors::bus::Bus;
use infrastructor_actors::store::Store;
use schemars::JsonSchema;
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::NotifySettings;
use target::{Item, Target};

/// How long the shutdown waits for a notifier to finish the request it is sending.
const STOP_WAIT: Duration = Duration::from_secs(3);

/// The configured notifiers (cheap to clone; empty when none is configured).
#[derive(Clone, Default)]
pub struct Notifiers {
    targets: Arc<Vec<Target>>,
    settings: Arc<NotifySettings>,
}

/// What one notifier answered to the test message.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TestResult {
    /// `gotify` or `webhook`.
    pub notifier: String,
    /// Whether the receiver accepted the message.
    pub ok: bool,
    /// The message id the receiver gave (Gotify).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<u64>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Notifiers {
    /// The notifiers `settings` configures.
    pub fn new(settings: &NotifySettings) -> Self {
        let (public, timeout) = (settings.public_url.clone(), settings.timing.request_timeout);
        let mut targets = Vec::new();
        if let Some(g) = &settings.gotify {
            targets.push(Target::gotify(g.clone(), public.clone(), timeout));
        }
        if let Some(w) = &settings.webhook {
            targets.push(Target::webhook(w.clone(), public, timeout));
        }
        Self { targets: Arc::new(targets), settings: Arc::new(settings.clone()) }
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Sends a test message through every notifier, at once (not through the outbox), and
    /// says what each answered.
    pub async fn test(&self) -> Vec<TestResult> {
        let sends = self.targets.iter().map(|t| async move {
            let r = t.send(Item::Test).await;
            TestResult {
                notifier: t.name.to_string(),
                ok: r.is_ok(),
                message_id: r.as_ref().ok().copied().flatten(),
                error: r.err().map(|e| e.to_string()),
            }
        });
        futures::future::join_all(sends).await
    }

    /// Starts one delivery task per notifier over `store`, woken by `bus`. Each cursor is
    /// read (or created at "now") before this returns, so an alert published afterwards is
    /// sent; without a store nothing starts (the outbox is the store).
    pub async fn start(&self, store: Option<&Store>, bus: &Bus) -> Option<Running> {
        if self.is_empty() {
            return None;
        }
        let Some(store) = store else {
            tracing::warn!(
                "notifiers are configured but no history is kept: notifications need the store \
                 (their outbox); none will be sent"
            );
            return None;
        };
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        for target in self.targets.iter() {
            let cursor = match outbox::init_cursor(store, target.name).await {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(notifier = target.name, error = %e, "the outbox is not readable yet; the notifier waits for the store");
                    None
                }
            };
            let nudges = bus.subscribe_lossy(1024);
            let params = (self.settings.rate_limit_per_hour, self.settings.timing.clone());
            let ob = outbox::Outbox::new(target.clone(), store.clone(), params, cursor);
            tasks.push(tokio::spawn(ob.run(Some(nudges), stop.clone())));
            tracing::info!(notifier = target.name, "notifier started");
        }
        Some(Running { stop, tasks })
    }
}

/// The running delivery tasks.
pub struct Running {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops every task (a request in flight may finish, for a few seconds).
    pub async fn shutdown(self) {
        self.stop.cancel();
        for mut t in self.tasks {
            if tokio::time::timeout(STOP_WAIT, &mut t).await.is_err() {
                t.abort();
            }
        }
    }
}
