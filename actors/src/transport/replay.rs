//! stub
pub struct ReplayTransport;
