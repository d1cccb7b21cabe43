//! Parsers for the tab-separated `zpool list -Hp`, `zfs list -Hp` outputs and `arcstats`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::zfs::{ArcStats, Dataset, Pool, SnapshotSummary};
use crate::probes::Warning;
use crate::probes::sane::{TEXT_MAX, clean_name, shown};

/// `zpool list -Hp -o name,size,alloc,free,frag,cap,health`: fills (or adds) pools by name.
pub fn merge_pool_list(
    lines: &[&str],
    first_line: usize,
    pools: &mut Vec<Pool>,
    warnings: &mut Vec<Warning>,
) {
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let [name, size, alloc, free, frag, cap, health] = f.as_slice() else {
            warnings
                .push(Warning::at(first_line + i, "zpool list: expected 7 tab-separated fields"));
            continue;
        };
        let name = match clean_name(name) {
            Ok(name) => name,
            Err(why) => {
                let message = format!("zpool list: pool `{}`: {why}", shown(name));
                warnings.push(Warning::at(first_line + i, message));
                continue;
            }
        };
        let idx = match pools.iter().position(|p| p.name == name) {
            Some(idx) => idx,
            None => {
                pools.push(Pool { name, ..Pool::default() });
                pools.len() - 1
            }
        };
        let Some(pool) = pools.get_mut(idx) else { continue };
        pool.size_bytes = bytes(size);
        pool.alloc_bytes = bytes(alloc);
        pool.free_bytes = bytes(free);
        pool.fragmentation_percent = bytes(frag.trim_end_matches('%')).filter(|p| *p <= 100);
        // A pool can be filled beyond 100 % of its size (e.g. after shrinking quotas), never
        // to thousands of percent.
        pool.capacity_percent = bytes(cap.trim_end_matches('%')).filter(|p| *p <= 1000);
        if pool.health.is_empty() {
            pool.health = clean_name(health).unwrap_or_default();
        }
    }
}

/// `zfs list -Hp -t filesystem,volume -o name,used,avail,refer,mountpoint`.
pub fn parse_datasets(
    lines: &[&str],
    first_line: usize,
    warnings: &mut Vec<Warning>,
) -> Vec<Dataset> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let [name, used, avail, refer, mountpoint] = f.as_slice() else {
            warnings.push(Warning::at(first_line + i, "zfs list: expected 5 tab-separated fields"));
            continue;
        };
        let name = match clean_name(name) {
            Ok(name) => name,
            Err(why) => {
                let message = format!("zfs list: dataset `{}`: {why}", shown(name));
                warnings.push(Warning::at(first_line + i, message));
                continue;
            }
        };
        let path = |p: &str| p.len() <= TEXT_MAX && !p.contains(char::is_control);
        out.push(Dataset {
            name,
            used_bytes: bytes(used),
            avail_bytes: bytes(avail),
            refer_bytes: bytes(refer),
            mountpoint: (*mountpoint != "-" && path(mountpoint)).then(|| mountpoint.to_string()),
        });
    }
    out
}

/// `zfs list -Hp -t snapshot -o name,creation`: count and newest snapshot per dataset.
pub fn parse_snapshots(
    lines: &[&str],
    first_line: usize,
    observed_at: DateTime<Utc>,
    warnings: &mut Vec<Warning>,
) -> Vec<SnapshotSummary> {
    // Per dataset: the count, and the creation time and name of the newest snapshot.
    type Newest<'a> = Option<(i64, &'a str)>;
    let mut by_dataset: BTreeMap<&str, (u64, Newest)> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line
            .split_once('\t')
            .and_then(|(name, created)| Some((name.split_once('@')?, created.trim())));
        let Some(((dataset, snapshot), created)) = parsed else {
            warnings.push(Warning::at(
                first_line + i,
                "zfs list: expected `dataset@snap<TAB>creation`",
            ));
            continue;
        };
        if let Err(why) = clean_name(dataset) {
            let message = format!("zfs list: snapshot of `{}`: {why}", shown(dataset));
            warnings.push(Warning::at(first_line + i, message));
            continue;
        }
        let entry = by_dataset.entry(dataset).or_default();
        entry.0 += 1;
        match created.parse::<i64>() {
            // The later of equal times is the one listed last.
            Ok(t) if entry.1.is_none_or(|(n, _)| t >= n) => entry.1 = Some((t, snapshot)),
            Ok(_) => {}
            Err(_) => {
                warnings.push(Warning::at(first_line + i, "snapshot creation is not epoch seconds"))
            }
        }
    }
    by_dataset
        .into_iter()
        .map(|(dataset, (count, newest))| {
            let newest_created_at = newest.and_then(|(t, _)| DateTime::from_timestamp(t, 0));
            SnapshotSummary {
                dataset: dataset.to_string(),
                count,
                newest_created_at,
                newest_name: newest.map(|(_, name)| name.to_string()),
                newest_age_secs: newest_created_at.map(|t| (observed_at - t).num_seconds()),
            }
        })
        .collect()
}

/// `/proc/spl/kstat/zfs/arcstats`: `name type data` rows after two header lines.
pub fn parse_arcstats(lines: &[&str]) -> Option<ArcStats> {
    let mut values: BTreeMap<&str, u64> = BTreeMap::new();
    for line in lines {
        let mut f = line.split_whitespace();
        if let (Some(name), Some(_ty), Some(data), None) = (f.next(), f.next(), f.next(), f.next())
            && let Ok(v) = data.parse()
        {
            values.insert(name, v);
        }
    }
    if values.is_empty() {
        return None;
    }
    let (hits, misses) = (values.get("hits").copied(), values.get("misses").copied());
    let hit_ratio_percent = match (hits, misses) {
        (Some(h), Some(m)) if h.saturating_add(m) > 0 => {
            Some((h as f64 * 10000.0 / (h as f64 + m as f64)).round() / 100.0)
        }
        _ => None,
    };
    Some(ArcStats {
        size_bytes: values.get("size").copied(),
        max_bytes: values.get("c_max").copied(),
        hits,
        misses,
        hit_ratio_percent,
    })
}

/// An exact (`-p`) number; `-` and anything else unparsable are `None`.
fn bytes(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::parse_snapshots;

    #[test]
    fn the_newest_snapshot_is_the_latest_created_whatever_the_listing_order() {
        let lines = ["t/a@b\t200", "t/a@a\t100", "t/a@bad\tx", "t/a@c\t200", "t/b@z\t5"];
        let mut warnings = Vec::new();
        let s = parse_snapshots(&lines, 1, Utc::now(), &mut warnings);
        let got: Vec<_> =
            s.iter().map(|x| (x.dataset.as_str(), x.count, x.newest_name.as_deref())).collect();
        assert_eq!(got, [("t/a", 4, Some("c")), ("t/b", 1, Some("z"))]);
        assert_eq!(warnings.len(), 1);
        let none = parse_snapshots(&["t/a@x\tnever"], 1, Utc::now(), &mut warnings);
        assert_eq!((none[0].count, none[0].newest_name.as_deref()), (1, None));
    }
}
