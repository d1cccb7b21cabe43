//! The writer actor (ractor) on the bus's lossless subscription. A pump task collects batches
//! (by size, and by time after the first event) and hands each to the actor with a call, so
//! the bus's back-pressure reaches the pollers if the actor falls behind; timers retry what
//! waits and run the retention job while no events come. When the subscription closes (the
//! bus is gone) the pump asks the actor to finish: what the store still refuses is spooled.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::spool::Spool;
use super::writer::{EventSink, Writer, WriterSettings};
use crate::events::Event;

/// What the writer actor is asked.
pub enum WriterMsg {
    /// Write (or queue) a batch; answered once done.
    Batch(Vec<Arc<Event>>, RpcReplyPort<()>),
    /// Retry what waits, if its deadline passed.
    Retry,
    /// Run the retention job if it is due.
    Prune,
    /// What the writer holds now.
    Stats(RpcReplyPort<WriterStats>),
    /// Write or spool everything and hand the spool back (the pump's last call).
    Finish(RpcReplyPort<Spool>),
}

/// What waits in the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    /// Events in the memory buffer.
    pub buffered: usize,
    /// Bytes in the disk spool.
    pub spool_bytes: u64,
}

/// The actor; generic over where it writes.
pub struct WriterActor<S>(PhantomData<fn() -> S>);

/// The actor's state.
pub struct WriterState<S> {
    writer: Option<Writer<S>>,
    /// When to retry next; a deadline kept across batches, so a steady stream of events
    /// cannot postpone the retry forever.
    retry_at: Option<Instant>,
    /// When the retention job last ran.
    pruned: Option<Instant>,
}

impl<S: EventSink> Actor for WriterActor<S> {
    type Msg = WriterMsg;
    type State = WriterState<S>;
    type Arguments = (S, Spool, WriterSettings);

    async fn pre_start(
        &self,
        myself: ActorRef<WriterMsg>,
        (sink, spool, settings): Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        let mut state = WriterState {
            writer: Some(Writer::new(sink, spool, settings)),
            retry_at: None,
            pruned: None,
        };
        // Events spooled by an earlier run go first.
        state.turn(&myself, Vec::new()).await;
        if !settings.prune_every.is_zero() {
            myself.send_interval(settings.prune_every, || WriterMsg::Prune);
        }
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<WriterMsg>,
        msg: WriterMsg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            WriterMsg::Batch(batch, reply) => {
                state.turn(&myself, batch).await;
                let _ = reply.send(());
            }
            WriterMsg::Retry | WriterMsg::Prune => state.turn(&myself, Vec::new()).await,
            WriterMsg::Stats(reply) => {
                let stats = state.writer.as_ref().map_or(
                    WriterStats { buffered: 0, spool_bytes: 0 },
                    |w| WriterStats { buffered: w.buffered(), spool_bytes: w.spool.len() },
                );
                let _ = reply.send(stats);
            }
            WriterMsg::Finish(reply) => {
                if let Some(mut w) = state.writer.take() {
                    w.finish().await;
                    let _ = reply.send(w.spool);
                }
                myself.stop(Some("finished".into()));
            }
        }
        Ok(())
    }
}

impl<S: EventSink> WriterState<S> {
    /// One turn: retry what waits if due, write `batch`, arm the retry timer, prune if due.
    async fn turn(&mut self, myself: &ActorRef<WriterMsg>, batch: Vec<Arc<Event>>) {
        let Some(w) = self.writer.as_mut() else { return };
        let now = Instant::now();
        if self.retry_at.is_none_or(|t| now >= t) {
            w.catch_up().await;
            self.retry_at = None;
        }
        if !batch.is_empty() {
            w.write(batch).await;
        }
        if w.waiting() && self.retry_at.is_none() {
            let retry = w.settings.retry;
            self.retry_at = Some(Instant::now() + retry);
            myself.send_after(retry, || WriterMsg::Retry);
        }
        if self.pruned.is_none_or(|t| t.elapsed() >= w.settings.prune_every) {
            w.prune().await;
            self.pruned = Some(Instant::now());
        }
    }
}

/// A running writer: its actor and the pump feeding it.
pub struct WriterHandle {
    /// The actor (for `Stats`).
    pub actor: ActorRef<WriterMsg>,
    /// Ends with the spool once the subscription closed and everything was written or
    /// spooled.
    pub done: tokio::task::JoinHandle<Option<Spool>>,
}

/// Starts the writer actor and its pump on `rx`.
pub async fn spawn_writer<S: EventSink>(
    rx: mpsc::Receiver<Arc<Event>>,
    sink: S,
    spool: Spool,
    settings: WriterSettings,
) -> Result<WriterHandle, ActorProcessingErr> {
    let (actor, _) = Actor::spawn(None, WriterActor::<S>(PhantomData), (sink, spool, settings))
        .await
        .map_err(|e| -> ActorProcessingErr { Box::new(e) })?;
    let done = tokio::spawn(pump(rx, actor.clone(), settings));
    Ok(WriterHandle { actor, done })
}

/// Collects batches from `rx` and hands each to the actor; asks it to finish at the end.
async fn pump(
    mut rx: mpsc::Receiver<Arc<Event>>,
    actor: ActorRef<WriterMsg>,
    settings: WriterSettings,
) -> Option<Spool> {
    let mut batch = Vec::with_capacity(settings.batch);
    loop {
        let open = fill(&mut rx, &mut batch, settings).await;
        if !batch.is_empty() {
            let b = std::mem::replace(&mut batch, Vec::with_capacity(settings.batch));
            if actor.call(|r| WriterMsg::Batch(b, r), None).await.is_err() {
                tracing::error!("the writer actor is gone; events are no longer stored");
                return None;
            }
        }
        if !open {
            break;
        }
    }
    let spool = actor.call(WriterMsg::Finish, Some(Duration::from_secs(60))).await;
    spool.ok().and_then(|r| r.success_or(()).ok())
}

/// Collects up to `batch` events, waiting at most `linger` after the first; `false` when the
/// channel closed.
async fn fill(
    rx: &mut mpsc::Receiver<Arc<Event>>,
    batch: &mut Vec<Arc<Event>>,
    s: WriterSettings,
) -> bool {
    if batch.is_empty() && rx.recv_many(batch, s.batch).await == 0 {
        return false;
    }
    let deadline = Instant::now() + s.linger;
    while batch.len() < s.batch {
        match tokio::time::timeout_at(deadline, rx.recv_many(batch, s.batch - batch.len())).await {
            Ok(0) => return false,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    true
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
