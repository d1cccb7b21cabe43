//! stub
pub struct SshTransport;
pub struct SshOptions;
