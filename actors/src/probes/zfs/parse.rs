//! Parser for the `zfs` catalogue command: its sections assembled into a [`ZfsSample`].

use chrono::{DateTime, Utc};

use super::json::parse_status_json;
use super::lists::{merge_pool_list, parse_arcstats, parse_datasets, parse_snapshots};
use super::text::parse_status_text;
use crate::model::zfs::ZfsSample;
use crate::probes::{Warning, sections};

/// The sections the `zfs` command always prints (and one of `status-json` and `status`).
const EXPECTED: &[&str] = &["version", "list", "datasets", "snapshots", "arcstats"];

/// Parses the whole `zfs` command output, whose markers carry `nonce`. The sample is an error
/// saying why when the output is unusable: a section is missing (cut short), mostly
/// unreadable, or gave nothing from non-empty output.
pub fn parse_zfs(
    output: &str,
    nonce: &str,
    observed_at: DateTime<Utc>,
) -> (Result<ZfsSample, String>, Vec<Warning>) {
    let (_, sections) = sections::split(output, nonce);
    let mut sample = ZfsSample::default();
    let mut warnings = Vec::new();
    let mut list = None;
    let mut unusable = sections::check(&sections, EXPECTED, &[]);
    if unusable.is_none() && !sections.iter().any(|s| s.name.starts_with("status")) {
        unusable = Some("no `status` or `status-json` section (output cut short?)".into());
    }
    for s in &sections {
        match s.name {
            "version" => {
                sample.version =
                    s.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()).map(str::to_string)
            }
            "status-json" => {
                let (pools, w) = parse_status_json(&s.body(), s.first_line);
                if pools.is_empty() && !w.is_empty() && !no_pools(s) {
                    unusable.get_or_insert_with(|| format!("`{}`: {}", s.name, w[0].message));
                }
                sample.pools = pools;
                sample.json_status = true;
                warnings.extend(w);
            }
            "status" => {
                let (pools, w) = parse_status_text(&s.lines, s.first_line);
                if pools.is_empty() && !no_pools(s) {
                    unusable.get_or_insert_with(|| nothing_from(s));
                }
                sample.pools = pools;
                warnings.extend(w);
            }
            "list" => list = Some(s),
            "datasets" => sample.datasets = parse_datasets(&s.lines, s.first_line, &mut warnings),
            "snapshots" => {
                sample.snapshots =
                    parse_snapshots(&s.lines, s.first_line, observed_at, &mut warnings)
            }
            "arcstats" => {
                sample.arc = parse_arcstats(&s.lines);
                if sample.arc.is_none() && s.non_empty() > 0 {
                    unusable.get_or_insert_with(|| nothing_from(s));
                }
            }
            other => warnings.push(Warning::at(
                s.first_line.saturating_sub(1),
                format!("unknown section `{other}`"),
            )),
        }
    }
    if let Some(s) = list {
        merge_pool_list(&s.lines, s.first_line, &mut sample.pools, &mut warnings);
    }
    // The JSON root vdev has no state of its own: give it the pool's.
    for pool in &mut sample.pools {
        let health = pool.health.clone();
        if let Some(root) = pool.vdevs.first_mut()
            && root.depth == 0
            && root.group.is_none()
            && root.state.is_empty()
        {
            root.state = health;
        }
    }
    let unusable =
        unusable.or_else(|| sections.iter().find_map(|s| s.mostly_unreadable(&warnings)));
    (unusable.map_or(Ok(sample), Err), warnings)
}

/// Whether a `status` section is zpool's own "no pools" answer (or empty).
fn no_pools(s: &sections::Section<'_>) -> bool {
    s.lines.iter().map(|l| l.trim()).all(|l| l.is_empty() || l == "no pools available")
}

fn nothing_from(s: &sections::Section<'_>) -> String {
    let first = s.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or_default();
    let first: String = first.chars().take(120).flat_map(char::escape_debug).collect();
    format!("`{}`: nothing readable in {} lines (first: \"{first}\")", s.name, s.non_empty())
}
