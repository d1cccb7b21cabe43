//! Resolution of `[fleet]` and `[fleet.restart]`: defaults, bounds, and the min/max pairs.

use infrastructor_actors::device::{FleetSettings, RestartPolicy};

use super::bounds;
use super::error::ConfigError;
use super::file::FileConfig;
use super::resolve::Resolver;

impl Resolver<'_> {
    /// The fleet settings, every value inside the bounds of [`bounds`].
    pub(super) fn fleet(&self, cfg: &FileConfig) -> Result<FleetSettings, ConfigError> {
        let d = FleetSettings::default();
        let f = &cfg.fleet;
        let max_channels = self.integer(
            &f.max_channels,
            "fleet.max_channels",
            d.max_channels as i64,
            bounds::MAX_CHANNELS,
            " (one more is reserved for quick reads and one for liveness checks; OpenSSH's MaxSessions is 10)",
        )?;
        let offline_after = self.integer(
            &f.offline_after,
            "fleet.offline_after",
            i64::from(d.offline_after),
            bounds::OFFLINE_AFTER,
            " consecutive failed polls",
        )?;
        let r = &f.restart;
        let rd = d.restart;
        let max_restarts = self.integer(
            &r.max_restarts,
            "fleet.restart.max_restarts",
            i64::from(rd.max_restarts),
            bounds::MAX_RESTARTS,
            "",
        )?;
        let backoff = bounds::RESTART_BACKOFF;
        let restart = RestartPolicy {
            // In range, so the casts cannot truncate.
            max_restarts: max_restarts as u32,
            window: self.duration(
                &r.window,
                "fleet.restart.window",
                rd.window,
                bounds::RESTART_WINDOW,
            )?,
            backoff_min: self.duration(
                &r.backoff_min,
                "fleet.restart.backoff_min",
                rd.backoff_min,
                backoff,
            )?,
            backoff_max: self.duration(
                &r.backoff_max,
                "fleet.restart.backoff_max",
                rd.backoff_max,
                backoff,
            )?,
        };
        let fleet = FleetSettings {
            offline_after: offline_after as u32,
            max_channels: max_channels as usize,
            connect_timeout: self.duration(
                &f.connect_timeout,
                "fleet.connect_timeout",
                d.connect_timeout,
                bounds::CONNECT_TIMEOUT,
            )?,
            command_timeout: self.duration(
                &f.command_timeout,
                "fleet.command_timeout",
                d.command_timeout,
                bounds::COMMAND_TIMEOUT,
            )?,
            keepalive: self.duration(
                &f.keepalive,
                "fleet.keepalive",
                d.keepalive,
                bounds::KEEPALIVE,
            )?,
            reconnect_min: self.duration(
                &f.reconnect_min,
                "fleet.reconnect_min",
                d.reconnect_min,
                bounds::RECONNECT_MIN,
            )?,
            reconnect_max: self.duration(
                &f.reconnect_max,
                "fleet.reconnect_max",
                d.reconnect_max,
                bounds::RECONNECT_MAX,
            )?,
            restart,
            // Set from `[alerts]` once that is resolved.
            log_patterns: d.log_patterns.clone(),
        };
        if fleet.reconnect_min > fleet.reconnect_max {
            let span =
                f.reconnect_min.as_ref().or(f.reconnect_max.as_ref()).map_or(0..0, |s| s.span());
            return self.invalid(
                span,
                "fleet.reconnect_min",
                "must not be longer than fleet.reconnect_max".to_owned(),
            );
        }
        if restart.backoff_min > restart.backoff_max {
            let span = r.backoff_min.as_ref().or(r.backoff_max.as_ref()).map_or(0..0, |s| s.span());
            return self.invalid(
                span,
                "fleet.restart.backoff_min",
                "must not be longer than fleet.restart.backoff_max".to_owned(),
            );
        }
        Ok(fleet)
    }
}
