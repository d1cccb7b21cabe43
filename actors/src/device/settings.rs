//! Fleet-wide settings that shape how every device is polled, connected and restarted.

use std::time::Duration;

use super::RestartPolicy;

/// Settings shared by every device supervisor.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetSettings {
    /// Consecutive unreachable polls before `DeviceOffline` (default 3).
    pub offline_after: u32,
    /// Maximum concurrent SSH channels per device (default 4; OpenSSH allows 10).
    pub max_channels: usize,
    /// TCP connect + SSH handshake + auth deadline (default 10 s).
    pub connect_timeout: Duration,
    /// Default deadline of one command (default 20 s), enforced locally and remotely.
    pub command_timeout: Duration,
    /// SSH keepalive interval (default 30 s).
    pub keepalive: Duration,
    /// First reconnect delay of an offline device (default 1 s), doubled per failure with jitter.
    pub reconnect_min: Duration,
    /// Longest reconnect delay of an offline device (default 5 min).
    pub reconnect_max: Duration,
    /// How crashed pollers are restarted.
    pub restart: RestartPolicy,
    /// What the `logs` probe looks for (the built-in patterns by default).
    pub log_patterns: std::sync::Arc<crate::probes::logs::LogPatterns>,
}

impl Default for FleetSettings {
    fn default() -> Self {
        Self {
            offline_after: 3,
            max_channels: 4,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(20),
            keepalive: Duration::from_secs(30),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(300),
            restart: RestartPolicy::default(),
            log_patterns: std::sync::Arc::new(crate::probes::logs::LogPatterns::defaults()),
        }
    }
}
