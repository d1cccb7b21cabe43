//! Output of the `upgradable` command: an `apt`, `dnf` (+ `dnf-security`) or `pacman` section,
//! that manager's list; a `none` section when the device has none of them.

use chrono::{DateTime, Utc};

use super::dnf;
use super::sane::sane;
use crate::model::updates::Package;
use crate::probes::{Warning, sections};

/// The upgradable packages of the device's package manager.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upgradable {
    /// `apt`, `dnf` or `pacman`.
    pub manager: &'static str,
    /// Packages in name order.
    pub packages: Vec<Package>,
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Apt,
    Dnf,
    DnfSecurity,
    Pacman,
    Other,
}

/// What [`parse_upgradable`] answers when the device has no package manager it knows.
pub const NO_MANAGER: &str = "no supported package manager (apt, dnf, pacman) on the device";

/// Parses the `upgradable` output, whose markers carry `nonce`. An error says why there is
/// no list: `NO_MANAGER`, no manager section (cut short), or a mostly unreadable section.
pub fn parse_upgradable(
    output: &str,
    nonce: &str,
    _observed_at: DateTime<Utc>,
) -> (Result<Upgradable, String>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let mut manager = None;
    let mut none = false;
    let mut packages = Vec::new();
    let mut dnf_lines = Vec::new();
    let mut security = Vec::new();
    let sections = sections::split_noting_preamble(output, nonce, &mut warnings);
    for sec in &sections {
        let section = match sec.name {
            "apt" => Section::Apt,
            "dnf" => Section::Dnf,
            "dnf-security" => Section::DnfSecurity,
            "pacman" => Section::Pacman,
            _ => Section::Other,
        };
        none |= sec.name == "none";
        manager = match section {
            Section::Apt => Some("apt"),
            Section::Dnf => Some("dnf"),
            Section::Pacman => Some("pacman"),
            _ => manager,
        };
        for (i, line) in sec.lines.iter().copied().enumerate() {
            let n = sec.first_line + i;
            if line.trim().is_empty() {
                continue;
            }
            match section {
                Section::Apt => match apt_line(line).and_then(|p| p.map(sane).transpose()) {
                    Ok(Some(p)) => packages.push(p),
                    Ok(None) => {}
                    Err(e) => warnings.push(Warning::at(n, e)),
                },
                Section::Pacman => match pacman_line(line).map(sane) {
                    Some(Ok(p)) => packages.push(p),
                    Some(Err(e)) => warnings.push(Warning::at(n, e)),
                    None => warnings.push(Warning::at(n, "expected `name old -> new`")),
                },
                Section::Dnf => dnf_lines.push((n, line)),
                Section::DnfSecurity => security.push((n, line)),
                Section::Other => {}
            }
        }
    }
    if manager == Some("dnf") {
        packages = dnf::packages(&dnf_lines, &security, &mut warnings);
    }
    packages.sort_by(|a, b| (&a.name, &a.arch).cmp(&(&b.name, &b.arch)));
    let result = match (manager, sections::check(&sections, &[], &warnings)) {
        (_, Some(why)) => Err(why),
        (Some(manager), None) => Ok(Upgradable { manager, packages }),
        (None, None) if none => Err(NO_MANAGER.to_string()),
        (None, None) => Err("no package manager section (output cut short?)".to_string()),
    };
    (result, warnings)
}

/// `name/suite[,suite…] version arch [upgradable from: old]` (apt 1.0 – 2.x). `Ok(None)` for
/// the `Listing...` header and apt's stderr warning if it ends up on stdout.
fn apt_line(line: &str) -> Result<Option<Package>, String> {
    if line.starts_with("Listing") || line.starts_with("WARNING:") {
        return Ok(None);
    }
    let (head, old) = line.split_once(" [upgradable from: ").ok_or("no `[upgradable from:`")?;
    let current = old.strip_suffix(']').ok_or("unterminated `[upgradable from:`")?.trim();
    let mut words = head.split_whitespace();
    let (Some(name_repo), Some(candidate), arch, None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err("expected `name/suite version arch`".into());
    };
    let (name, repo) = name_repo.split_once('/').ok_or("no `/suite` after the name")?;
    if name.is_empty() || current.is_empty() {
        return Err("empty name or version".into());
    }
    Ok(Some(Package {
        name: name.to_string(),
        arch: arch.map(str::to_string),
        current: Some(current.to_string()),
        candidate: candidate.to_string(),
        repo: Some(repo.to_string()),
        security: repo.contains("-security"),
    }))
}

/// `name old -> new`, optionally followed by ` [ignored]` (`pacman -Qu`, `checkupdates`).
fn pacman_line(line: &str) -> Option<Package> {
    let mut words = line.split_whitespace();
    let (Some(name), Some(current), Some("->"), Some(candidate)) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return None;
    };
    Some(Package {
        name: name.to_string(),
        arch: None,
        current: Some(current.to_string()),
        candidate: candidate.to_string(),
        repo: None,
        security: false,
    })
}
