//! Infrastructor's server edges: config loading, CLI commands and wiring of the actors to HTTP.

pub mod app;
pub mod auth;
pub mod check;
pub mod config;
pub mod history;
pub mod http;
pub mod logging;
pub mod mcp;
pub mod notify;
pub mod ready;
pub mod rest;
pub mod telemetry;
pub mod ws;
