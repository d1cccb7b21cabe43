//! Events: the envelope every observation travels in, and the typed event kinds.

mod envelope;
mod kinds;

pub use envelope::Event;
pub use kinds::{EventKind, TYPE_NAMES, is_known_type};
