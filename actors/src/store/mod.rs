//! The event store (issue 8 in progress: one API on SQLite and PostgreSQL, a lossless writer).
//! Today: migrations, the embedded engine's event table, and the writer's disk spool.

pub mod migrate;
pub mod spool;
pub mod sqlite;
pub mod writer;

pub use spool::{Drained, Spool};
pub use sqlite::{SqliteEvents, StoreError};
pub use writer::{EventSink, WriterSettings, run_writer};
