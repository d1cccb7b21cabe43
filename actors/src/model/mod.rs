//! The payload types: what a probe observed, as carried by events and folded into state.
//!
//! One file per area. Plain data with serde derives and small helpers; no parsing, no I/O.
//! `events`, `state` and the probes all take their types from here, so none of them needs
//! another's module to name what a sample holds.

pub mod alerts;
pub mod arrays;
pub mod backups;
pub mod capabilities;
pub mod containers;
pub mod drives;
pub mod glob;
pub mod images;
pub mod logs;
pub mod metrics;
pub mod refs;
pub mod services;
pub mod updates;
pub mod vms;
pub mod zfs;
