//! stub
pub struct LocalTransport;
