//! Parser for the `zfs` catalogue command: its `@@` sections assembled into a [`ZfsSample`].

use chrono::{DateTime, Utc};

use super::json::parse_status_json;
use super::lists::{merge_pool_list, parse_arcstats, parse_datasets, parse_snapshots};
use super::model::ZfsSample;
use super::text::parse_status_text;
use crate::probes::{Warning, sections};

/// Parses the whole `zfs` command output. Returns `None` as the sample when no known section
/// was present (the output is unusable).
pub fn parse_zfs(output: &str, observed_at: DateTime<Utc>) -> (Option<ZfsSample>, Vec<Warning>) {
    let (_, sections) = sections::split(output);
    let mut sample = ZfsSample::default();
    let mut warnings = Vec::new();
    let mut known = 0;
    let mut list = None;
    for s in &sections {
        known += 1;
        match s.name {
            "version" => {
                sample.version =
                    s.lines.iter().map(|l| l.trim()).find(|l| !l.is_empty()).map(str::to_string)
            }
            "status-json" => {
                let (pools, w) = parse_status_json(&s.body(), s.first_line);
                sample.pools = pools;
                sample.json_status = true;
                warnings.extend(w);
            }
            "status" => {
                let (pools, w) = parse_status_text(&s.lines, s.first_line);
                sample.pools = pools;
                warnings.extend(w);
            }
            "list" => list = Some(s),
            "datasets" => sample.datasets = parse_datasets(&s.lines, s.first_line, &mut warnings),
            "snapshots" => {
                sample.snapshots =
                    parse_snapshots(&s.lines, s.first_line, observed_at, &mut warnings)
            }
            "arcstats" => sample.arc = parse_arcstats(&s.lines),
            other => {
                known -= 1;
                warnings.push(Warning::at(
                    s.first_line.saturating_sub(1),
                    format!("unknown section `@@{other}`"),
                ));
            }
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
    ((known > 0).then_some(sample), warnings)
}
