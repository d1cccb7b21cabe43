//! The event store (arriving with issue 8: one API on SQLite and PostgreSQL, a lossless
//! writer). Today: the writer's disk spool, where events wait while the database is away.

pub mod spool;

pub use spool::{Drained, Spool};
