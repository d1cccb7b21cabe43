//! Test support shared by the probe and on-demand unit tests: a transport that answers from a
//! script and records what it was asked.

use std::sync::Mutex;

use crate::command::Command;
use crate::transport::{Output, Transport, TransportError};

/// Answers each command with the first scripted reply of the same catalogue name (replies of
/// one name are used in order) and records every command line. An unscripted command panics.
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
        Ok(replies.remove(i).1)
    }

    async fn connect(&self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn disconnect(&self) {}

    fn describe(&self) -> String {
        "scripted".into()
    }
}
