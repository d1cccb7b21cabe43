//! Updates probe: upgradable packages of apt, dnf or pacman, from the local package cache.
//!
//! Nothing is refreshed (no `apt update`, `dnf -C`, `checkupdates --nosync`): the probe needs
//! no root and writes nothing; the list is as fresh as the device's own cache (unattended
//! upgrades, a timer or an admin keep it current).

mod dnf;
mod parse;
mod sane;

#[cfg(test)]
mod tests;

pub use parse::{Upgradable, parse_upgradable};

use crate::command;
use crate::events::EventKind;

use super::{PollContext, PollWarnings, Probe, ProbeError};

/// Polls the upgradable packages and says when updates become available.
#[derive(Debug, Default)]
pub struct UpdatesProbe {
    /// `(count, security_count)` of the previous poll; `None` before the first one.
    previous: Option<(u32, u32)>,
    /// Since when security updates have been pending.
    security_since: Option<chrono::DateTime<chrono::Utc>>,
}

#[async_trait::async_trait]
impl Probe for UpdatesProbe {
    fn name(&self) -> &'static str {
        "updates"
    }

    /// None: the command itself finds apt, dnf or pacman.
    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::UpdatesSampled { packages, security_count, security_since, .. } =
            &last.kind
        {
            let count = u32::try_from(packages.len()).unwrap_or(u32::MAX);
            self.previous = Some((count, *security_count));
            // A sample from before the field existed: pending at least since it was taken.
            self.security_since =
                security_since.or((*security_count > 0).then_some(last.observed_at));
        }
    }

    /// Returns `[UpdatesSampled]`, plus `UpdatesAvailable` when the count went from 0 (or
    /// unknown, on the first poll) to more, or the security count rose.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let cmd = command::upgradable();
        let out = ctx.run_ok(&cmd).await?;
        let (parsed, warnings) =
            parse_upgradable(&out.stdout, cmd.section_nonce(), ctx.observed_at);
        let mut log = PollWarnings::new("updates");
        log.add("upgradable", &out.stdout, &warnings);
        log.log();
        let Upgradable { manager, packages } =
            parsed.map_err(|detail| ProbeError::Output { command: "upgradable", detail })?;
        let count = u32::try_from(packages.len()).unwrap_or(u32::MAX);
        let security = packages.iter().filter(|p| p.security).count();
        let security_count = u32::try_from(security).unwrap_or(u32::MAX);
        self.security_since =
            (security_count > 0).then(|| self.security_since.unwrap_or(ctx.observed_at));
        let mut events = vec![EventKind::UpdatesSampled {
            manager: manager.to_string(),
            packages,
            security_count,
            security_since: self.security_since,
        }];
        if became_available(self.previous, (count, security_count)) {
            events.push(EventKind::UpdatesAvailable { count, security_count });
        }
        self.previous = Some((count, security_count));
        Ok(events)
    }
}

/// Whether `(count, security_count)` deserves an `UpdatesAvailable` after `previous`.
pub fn became_available(previous: Option<(u32, u32)>, (count, security): (u32, u32)) -> bool {
    let (before, before_security) = previous.unwrap_or((0, 0));
    (before == 0 && count > 0) || security > before_security
}
