//! Counters that must not grow unnoticed while their alert fires: a drive's reallocated and
//! pending sectors. The `drive` rule is level-based (any sector is a warning), so a firing
//! drive alert whose count goes up (3 → 5: the surface is still failing) is sent once more,
//! its summary saying what increased from what to what.

use crate::model::alerts::Alert;

/// The watched counters: the evidence name and how a reader calls it.
const WATCHED: [(&str, &str); 2] =
    [("reallocated_sectors", "reallocated sectors"), ("pending_sectors", "pending sectors")];

/// Counter values by evidence name.
pub type Counters = Vec<(&'static str, u64)>;

/// The watched counters a problem's evidence carries.
pub(super) fn of_evidence(e: &serde_json::Value) -> Counters {
    WATCHED.iter().filter_map(|(k, _)| Some((*k, e.get(*k)?.as_u64()?))).collect()
}

/// The watched counters in an alert's evidence lines (`reallocated_sectors: 3`): what a
/// stored alert last said, for an alert restored at start-up.
pub(super) fn of_alert(a: &Alert) -> Counters {
    WATCHED
        .iter()
        .filter_map(|(k, _)| {
            let v = a.evidence.iter().find_map(|l| l.strip_prefix(k)?.strip_prefix(": "))?;
            Some((*k, v.trim().parse().ok()?))
        })
        .collect()
}

/// `before` with the values of `now` over it (a counter `now` lacks keeps its last value).
pub(super) fn merged(before: &Counters, now: &Counters) -> Counters {
    let mut out = before.clone();
    for (k, v) in now {
        match out.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = *v,
            None => out.push((*k, *v)),
        }
    }
    out
}

/// What grew from `before` to `now`, as "reallocated sectors increased from 3 to 5" (joined
/// by `; `); `None` when nothing did. A counter without an earlier value did not grow.
pub(super) fn increase(before: &Counters, now: &Counters) -> Option<String> {
    let grown: Vec<String> = now
        .iter()
        .filter_map(|(k, to)| {
            let (_, from) = before.iter().find(|(n, _)| n == k)?;
            let label = WATCHED.iter().find(|(n, _)| n == k).map_or(*k, |(_, l)| *l);
            (to > from).then(|| format!("{label} increased from {from} to {to}"))
        })
        .collect();
    (!grown.is_empty()).then(|| grown.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_read_from_evidence_and_alert_lines_and_only_upwards_counts() {
        let e = serde_json::json!({ "reallocated_sectors": 3, "pending_sectors": null });
        assert_eq!(of_evidence(&e), vec![("reallocated_sectors", 3)]);
        let alert = Alert {
            key: "drive/nas//dev/sda".into(),
            rule: "drive".into(),
            object: Some("/dev/sda".into()),
            severity: crate::model::alerts::Severity::Warning,
            summary: "drive /dev/sda: 3 reallocated sectors".into(),
            value: None,
            threshold: None,
            unit: None,
            since: chrono::Utc::now(),
            evidence: vec!["model: X".into(), "reallocated_sectors: 3".into()],
        };
        assert_eq!(of_alert(&alert), vec![("reallocated_sectors", 3)]);
        let before = vec![("reallocated_sectors", 3)];
        let now = vec![("reallocated_sectors", 5), ("pending_sectors", 2)];
        assert_eq!(
            increase(&before, &now).as_deref(),
            Some("reallocated sectors increased from 3 to 5")
        );
        assert_eq!(increase(&now, &before), None, "a decrease is no increase");
        assert_eq!(increase(&vec![], &now), None, "no earlier value: nothing grew");
        assert_eq!(merged(&now, &before), vec![("reallocated_sectors", 3), ("pending_sectors", 2)]);
    }
}
