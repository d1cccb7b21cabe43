//! stub
pub struct Poller;
pub struct PollerArgs;
pub enum PollerMsg {}
