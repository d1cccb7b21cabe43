//! Test support shared by the probe and on-demand unit tests: a transport that answers from a
//! script and records what it was asked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::command::Command;
use crate::transport::{Output, Transport, TransportError};

/// Answers each command with the first scripted reply of the same catalogue name (replies of
/// one name are used in order) and records every command line. An unscripted command panics.
///
/// Replies are written like the stored fixtures, with `@@<name>` section markers: for a
/// sectioned command they are given its nonce (`@@<nonce>:<name>`), as the device prints them.
#[derive(Default)]
pub struct Scripted {
    replies: Mutex<Vec<(&'static str, Output)>>,
    lines: Mutex<Vec<String>>,
}

impl Scripted {
    /// A script of `(command name, exit status, stdout)`.
    pub fn new(replies: impl IntoIterator<Item = (&'static str, i32, &'static str)>) -> Self {
        Self::with_stderr(replies.into_iter().map(|(n, s, out)| (n, s, out, "")))
    }

    /// A script of `(command name, exit status, stdout, stderr)`.
    pub fn with_stderr(
        replies: impl IntoIterator<Item = (&'static str, i32, &'static str, &'static str)>,
    ) -> Self {
        let replies = replies
            .into_iter()
            .map(|(name, status, stdout, stderr)| {
                (
                    name,
                    Output {
                        stdout: stdout.into(),
                        stderr: stderr.into(),
                        status,
                        ..Default::default()
                    },
                )
            })
            .collect();
        Self { replies: Mutex::new(replies), lines: Mutex::default() }
    }

    /// Adds a reply with an owned stdout (e.g. generated in the test).
    pub fn push(&self, name: &'static str, status: i32, stdout: impl Into<String>) {
        self.push_stderr(name, status, stdout, "");
    }

    /// Adds a reply with stdout and stderr.
    pub fn push_stderr(
        &self,
        name: &'static str,
        status: i32,
        stdout: impl Into<String>,
        stderr: impl Into<String>,
    ) {
        let out =
            Output { stdout: stdout.into(), stderr: stderr.into(), status, ..Output::default() };
        self.replies.lock().unwrap().push((name, out));
    }

    /// Every command line run so far, in order.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Scripted replies not used yet.
    pub fn unused(&self) -> usize {
        self.replies.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        self.lines.lock().unwrap().push(command.line.clone());
        let mut replies = self.replies.lock().unwrap();
        let Some(i) = replies.iter().position(|(n, _)| *n == command.name) else {
            panic!("unscripted command `{}`: {}", command.name, command.line);
        };
        let mut out = replies.remove(i).1;
        if let Some(nonce) = &command.nonce {
            out.stdout = crate::probes::sections::mark(&out.stdout, nonce);
        }
        Ok(out)
    }

    async fn connect(&self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn disconnect(&self) {}

    fn describe(&self) -> String {
        "scripted".into()
    }
}

/// A `tracing` subscriber that only counts the events (log lines) it is given; install it with
/// `tracing::subscriber::set_default` in a current-thread test.
pub struct CountingSubscriber {
    /// Events seen so far.
    pub events: Arc<AtomicUsize>,
}

impl tracing::Subscriber for CountingSubscriber {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {
        self.events.fetch_add(1, Ordering::SeqCst);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
