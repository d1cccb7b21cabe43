//! One notifier's delivery loop. The event table is the outbox: alert events are stored by
//! the writer (durable across restarts and database outages, in bus order); the loop reads
//! the `AlertRaised`/`AlertResolved` events after its cursor, skips the suppressed ones,
//! sends each in order and only then moves its cursor (persisted per notifier name), so a
//! restart sends nothing twice and an outage of the receiver loses nothing.
//!
//! A lossy bus subscription only wakes it (an alert event on the bus: read the store every
//! 50 ms until it is stored); a slow poll catches the rest. Failures are retried with
//! exponential backoff (network, 5xx), or rarely with one ERROR when the receiver rejects
//! the token. Over `rate_limit_per_hour` messages in the current hour, the excess is held
//! and sent as one digest when the hour rolls over (the cursor stays before it until then).

use std::collections::HashMap;
use std::time::Duration;

use infrastructor_actors::bus::{Delivery, LossyReceiver};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::store::{Store, StoreError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::target::{Item, SendError, Target};
use crate::config::notify::NotifyTiming;

/// The event kinds notifiers send.
pub const KINDS: [&str; 2] = ["AlertRaised", "AlertResolved"];
/// Events read from the store at a time.
const PAGE: usize = 100;
/// How often the store is read while an alert seen on the bus is not stored yet.
const NUDGED: Duration = Duration::from_millis(50);
/// How long an alert seen on the bus is waited for in the store before the slow poll.
const PENDING: Duration = Duration::from_secs(10);

/// Where notifier `name` stands; at its first start, the newest stored event (old history
/// is never replayed), recorded at once.
pub async fn init_cursor(store: &Store, name: &str) -> Result<i64, StoreError> {
    if let Some(c) = store.notifier_cursor(name).await? {
        return Ok(c);
    }
    let now = store.newest_seq().await?;
    store.set_notifier_cursor(name, now).await?;
    tracing::info!(notifier = name, "notifier starts with the events stored from now on");
    Ok(now)
}

fn suppressed(ev: &Event) -> bool {
    matches!(
        &ev.kind,
        EventKind::AlertRaised { suppressed: Some(_), .. }
            | EventKind::AlertResolved { suppressed: Some(_), .. }
    )
}

/// One notifier's loop state.
pub struct Outbox {
    /// The receiver.
    pub target: Target,
    /// The outbox.
    pub store: Store,
    /// Messages per window.
    pub limit: u32,
    /// Retries, window, polling.
    pub timing: NotifyTiming,
    /// Whether the rejection (token) was logged since the last success.
    rejected: bool,
    /// The persisted cursor (`None` until the store answered once).
    committed: Option<i64>,
    /// The window the counter is about, and messages sent in it.
    window: (i64, u32),
    /// Held back by the rate limit, in order, for the digest.
    held: Vec<Event>,
    /// Alert events seen on the bus and not yet read from the store.
    pending: HashMap<Uuid, Instant>,
}

impl Outbox {
    /// A loop for `target` over `store`, at `cursor` if it is known already.
    pub fn new(
        target: Target,
        store: Store,
        (limit, timing): (u32, NotifyTiming),
        cursor: Option<i64>,
    ) -> Self {
        let window = (Self::window_of(&timing), 0);
        Self {
            target,
            store,
            limit,
            timing,
            rejected: false,
            committed: cursor,
            window,
            held: Vec::new(),
            pending: HashMap::new(),
        }
    }

    fn window_of(t: &NotifyTiming) -> i64 {
        let ms = i64::try_from(t.window.as_millis()).unwrap_or(i64::MAX).max(1);
        chrono::Utc::now().timestamp_millis() / ms
    }

    /// Time left in the current window.
    fn window_left(&self) -> Duration {
        let ms = i64::try_from(self.timing.window.as_millis()).unwrap_or(i64::MAX).max(1);
        let now = chrono::Utc::now().timestamp_millis();
        let end = (now / ms + 1).saturating_mul(ms);
        Duration::from_millis(u64::try_from(end - now).unwrap_or(0) + 1)
    }

    /// Sends `item` until it is delivered; `false` when stopped first.
    async fn deliver(&mut self, item: Item<'_>, stop: &CancellationToken) -> bool {
        let name = self.target.name;
        let mut delay = self.timing.retry_min;
        let mut failures = 0u32;
        loop {
            let wait = match self.target.send(item).await {
                Ok(id) => {
                    if failures > 0 || self.rejected {
                        tracing::info!(notifier = name, failures, "notification delivered again");
                    }
                    tracing::debug!(notifier = name, id, "notification delivered");
                    self.rejected = false;
                    return true;
                }
                Err(SendError::Transient(m)) => {
                    if failures == 0 {
                        tracing::warn!(notifier = name, error = %m, retry_in = ?delay, "notification not delivered; retrying with backoff");
                    } else {
                        tracing::debug!(notifier = name, error = %m, retry_in = ?delay, "notification still not delivered");
                    }
                    let d = delay;
                    delay = (delay * 2).min(self.timing.retry_max);
                    d
                }
                Err(SendError::Rejected(m) | SendError::Refused(m)) => {
                    if !self.rejected {
                        tracing::error!(notifier = name, retry_in = ?self.timing.rejected_retry, "{m}");
                        self.rejected = true;
                    }
                    self.timing.rejected_retry
                }
            };
            failures += 1;
            tokio::select! {
                _ = stop.cancelled() => return false,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn commit(&mut self, seq: i64) {
        if self.committed == Some(seq) {
            return;
        }
        match self.store.set_notifier_cursor(self.target.name, seq).await {
            Ok(()) => self.committed = Some(seq),
            Err(e) => {
                tracing::warn!(notifier = self.target.name, error = %e, "cannot record the notifier's cursor; will retry")
            }
        }
    }

    /// At a new window: the digest of what was held, then a fresh count.
    async fn roll(&mut self, read_pos: i64, stop: &CancellationToken) -> bool {
        let now = Self::window_of(&self.timing);
        if now == self.window.0 {
            return true;
        }
        let mut sent = 0;
        if !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            if !self.deliver(Item::Digest(&held, self.limit), stop).await {
                self.held = held;
                return false;
            }
            tracing::info!(
                notifier = self.target.name,
                folded = held.len(),
                "digest of the notifications over the rate limit sent"
            );
            self.commit(read_pos).await;
            sent = 1;
        }
        self.window = (now, sent);
        true
    }

    /// Reads and sends what is stored after the cursor; `false` when stopped.
    async fn drain(&mut self, read_pos: &mut i64, stop: &CancellationToken) -> bool {
        loop {
            if !self.roll(*read_pos, stop).await {
                return false;
            }
            let batch = match self.store.events_of_kinds_after(*read_pos, &KINDS, PAGE).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::debug!(notifier = self.target.name, error = %e, "cannot read the outbox; will retry");
                    return true;
                }
            };
            let full = batch.len() == PAGE;
            for (seq, ev) in batch {
                self.pending.remove(&ev.id);
                if !self.roll(*read_pos, stop).await {
                    return false;
                }
                if !suppressed(&ev) {
                    if self.window.1 >= self.limit {
                        self.held.push(ev);
                    } else if self.deliver(Item::Event(&ev), stop).await {
                        self.window.1 += 1;
                    } else {
                        return false;
                    }
                }
                *read_pos = seq;
                if self.held.is_empty() {
                    self.commit(seq).await;
                }
            }
            if !full {
                return true;
            }
        }
    }

    /// Runs until `stop`.
    pub async fn run(mut self, mut nudges: Option<LossyReceiver>, stop: CancellationToken) {
        let mut read_pos = None;
        loop {
            if read_pos.is_none() {
                read_pos = match self.committed {
                    Some(c) => Some(c),
                    None => match init_cursor(&self.store, self.target.name).await {
                        Ok(c) => {
                            self.committed = Some(c);
                            Some(c)
                        }
                        Err(e) => {
                            tracing::debug!(notifier = self.target.name, error = %e, "the outbox is not readable yet");
                            None
                        }
                    },
                };
            }
            if let Some(pos) = read_pos.as_mut()
                && !self.drain(pos, &stop).await
            {
                return;
            }
            self.pending.retain(|_, seen| seen.elapsed() < PENDING);
            let mut wait = if self.pending.is_empty() { self.timing.poll } else { NUDGED };
            if !self.held.is_empty() {
                wait = wait.min(self.window_left());
            }
            let deadline = Instant::now() + wait;
            loop {
                let next = async {
                    match nudges.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep_until(deadline) => break,
                    d = next => match d {
                        Some(Delivery::Event(ev)) if KINDS.contains(&ev.type_name()) => {
                            self.pending.insert(ev.id, Instant::now());
                            break;
                        }
                        Some(Delivery::Event(_)) => {}
                        Some(Delivery::Lagged { .. }) => break,
                        None => nudges = None,
                    },
                }
            }
        }
    }
}
