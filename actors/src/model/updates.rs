//! What the updates probe reports: upgradable packages.

use serde::{Deserialize, Serialize};

/// One upgradable package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Package {
    /// Package name, e.g. `openssl`.
    pub name: String,
    /// Architecture (`amd64`, `x86_64`, `noarch`…) when the manager reports it.
    pub arch: Option<String>,
    /// Installed version; `None` where the manager does not list it (dnf).
    pub current: Option<String>,
    /// Version the upgrade would install.
    pub candidate: String,
    /// Where the candidate comes from: apt suites (`bookworm-security,bookworm`), the dnf
    /// repository id; `None` for pacman.
    pub repo: Option<String>,
    /// Whether this is a security update: apt, a suite containing `-security`; dnf, listed by
    /// `dnf updateinfo list --security`; pacman, never (Arch publishes no such metadata).
    pub security: bool,
}
