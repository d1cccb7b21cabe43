//! Errors of the query facade, one variant per kind of answer an HTTP or MCP face gives.

use std::time::Duration;

use crate::ondemand::QueryError;

/// Why the facade could not answer. Messages are lowercase, shown to callers, secret-free.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No device (or probe) by that name.
    #[error("{0}")]
    NotFound(String),
    /// An argument broke its rule; nothing was run.
    #[error("{0}")]
    Invalid(String),
    /// The request was understood but refused (name taken, device offline, probe skipped).
    #[error("{0}")]
    Refused(String),
    /// It ran on the device and failed (a tool error, the device unreachable).
    #[error("{0}")]
    Failed(String),
    /// Nobody can answer right now (shutting down, device restarting).
    #[error("{0}")]
    Unavailable(String),
    /// No answer within the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

impl ApiError {
    pub(crate) fn no_device(name: &str) -> Self {
        Self::NotFound(format!("no device `{name}`"))
    }

    /// Whether asking again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Timeout(_) | Self::Failed(_))
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_invalid() {
            Self::Invalid(e.to_string())
        } else if e.is_transient() {
            tracing::debug!(error = %e, "history store not reachable");
            Self::Unavailable(format!("history is not available right now: {e}"))
        } else {
            tracing::warn!(error = %e, "history store failed");
            Self::Unavailable(format!("the history store failed: {e}"))
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::InvalidArgument(a) => Self::Invalid(a.to_string()),
            QueryError::Unavailable(why) => Self::Unavailable(why),
            other => Self::Failed(other.to_string()),
        }
    }
}
