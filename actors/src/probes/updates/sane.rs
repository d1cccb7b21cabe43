//! The plausibility check of one parsed package, shared by the apt, pacman and dnf parsers.

use crate::model::updates::Package;
use crate::probes::sane::{clean_name, shown};

/// `p` if its name, versions, architecture and repository are names (no control bytes, at
/// most 256 bytes); else why not.
pub fn sane(p: Package) -> Result<Package, String> {
    let bad = |what: &str, v: &str, why| format!("package {what} `{}`: {why}", shown(v));
    let check = |what: &str, v: &str| clean_name(v).map(drop).map_err(|why| bad(what, v, why));
    check("name", &p.name)?;
    check("candidate version", &p.candidate)?;
    for (what, v) in [("version", &p.current), ("arch", &p.arch), ("repository", &p.repo)] {
        if let Some(v) = v {
            check(what, v)?;
        }
    }
    Ok(p)
}
