//! stub
pub struct RestartPolicy;
