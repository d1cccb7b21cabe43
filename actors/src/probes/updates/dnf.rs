//! dnf: `dnf -q -C check-update` (`name.arch version repo`, one package per line) and
//! `dnf -q -C updateinfo list --security` (`advisory severity/Sec. name-[epoch:]version-release.arch`).
//!
//! A package is a security update when an advisory of the security list names the same
//! package name and architecture (the advisory's version may be older than the newest
//! candidate, which then contains the fix too). dnf wraps a line whose `name.arch` is too
//! long for its column: the name stands alone and the version and repository follow on the
//! next line. Everything after `Obsoleting Packages` is left out (those are replacements, also
//! listed above them as upgrades).

use std::collections::HashSet;

use super::sane::sane;
use crate::model::updates::Package;
use crate::probes::Warning;

/// The packages of the check-update lines, marked from the security lines.
pub fn packages(
    lines: &[(usize, &str)],
    security: &[(usize, &str)],
    warnings: &mut Vec<Warning>,
) -> Vec<Package> {
    let mut secure: HashSet<(&str, &str)> = HashSet::new();
    for &(n, line) in security {
        match line.split_whitespace().last().and_then(nevra) {
            Some(package) => {
                secure.insert(package);
            }
            None if line.starts_with("Last metadata expiration") => {}
            None => warnings.push(Warning::at(n, "expected `advisory severity package`")),
        }
    }
    let mut packages = Vec::new();
    let mut pending: Option<(usize, &str)> = None;
    for &(n, line) in lines {
        if line.starts_with("Obsoleting Packages") {
            break;
        }
        if line.starts_with("Last metadata expiration") || line.starts_with("Security:") {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let (name_arch, version, repo) = match (pending.take(), words.as_slice()) {
            (None, [name_arch]) => {
                pending = Some((n, name_arch));
                continue;
            }
            (None, [name_arch, version, repo]) => (*name_arch, *version, *repo),
            (Some((_, name_arch)), [version, repo]) => (name_arch, *version, *repo),
            (Some((p, _)), _) => {
                warnings.push(Warning::at(p, "wrapped dnf line without its continuation"));
                warnings.push(Warning::at(n, "expected `name.arch version repo`"));
                continue;
            }
            (None, _) => {
                warnings.push(Warning::at(n, "expected `name.arch version repo`"));
                continue;
            }
        };
        let Some((name, arch)) =
            name_arch.rsplit_once('.').filter(|(n, a)| !n.is_empty() && !a.is_empty())
        else {
            warnings.push(Warning::at(n, "expected `name.arch`"));
            continue;
        };
        let package = Package {
            name: name.to_string(),
            arch: Some(arch.to_string()),
            current: None,
            candidate: version.to_string(),
            repo: Some(repo.to_string()),
            security: secure.contains(&(name, arch)),
        };
        match sane(package) {
            Ok(p) => packages.push(p),
            Err(e) => warnings.push(Warning::at(n, e)),
        }
    }
    if let Some((p, _)) = pending {
        warnings.push(Warning::at(p, "wrapped dnf line without its continuation"));
    }
    packages
}

/// `(name, arch)` of `name-[epoch:]version-release.arch`.
fn nevra(s: &str) -> Option<(&str, &str)> {
    let (nvr, arch) = s.rsplit_once('.')?;
    let (nv, _release) = nvr.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    (!name.is_empty() && !arch.is_empty()).then_some((name, arch))
}
