//! Events: the envelope every observation travels in, and the typed event kinds.

mod envelope;
mod kinds;
mod names;

pub use envelope::Event;
pub use kinds::EventKind;
pub use names::{TYPE_NAMES, is_known_type};
