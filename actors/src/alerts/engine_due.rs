//! What a tick must judge: the devices with something due that time alone brings.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Engine, span};

impl Engine {
    /// The devices with a hold-down or clear-for elapsed, a reminder due, or a suppression
    /// ended at `now`.
    pub(super) fn due(&self, now: DateTime<Utc>) -> HashSet<&str> {
        fn device_of(k: &str) -> &str {
            k.split('/').nth(1).unwrap_or("")
        }
        let rule_of = |k: &str| self.settings.rule(k.split('/').next().unwrap_or(""));
        // Past `since` by `d` (never, when that is beyond the calendar).
        let past =
            |since: DateTime<Utc>, d| since.checked_add_signed(span(d)).is_some_and(|t| t <= now);
        // An offline device's alerts other than its being offline stay as they are (see
        // `judge`): nothing of theirs is due.
        let offline = |k: &str| {
            !k.starts_with("device_offline/")
                && self.states.get(device_of(k)).is_some_and(|s| s.online == Some(false))
        };
        let mut due: HashSet<&str> = HashSet::new();
        for (k, since) in &self.pending {
            if past(*since, rule_of(k).hold) {
                due.insert(device_of(k));
            }
        }
        for (k, since) in &self.clearing {
            if past(*since, rule_of(k).clear_for) && !offline(k) {
                due.insert(device_of(k));
            }
        }
        for (k, o) in &self.open {
            if due.contains(o.device.as_str()) || offline(k) {
                continue;
            }
            let remind = rule_of(k)
                .renotify
                .is_some_and(|every| o.acknowledged_by.is_none() && past(o.notified_at, every));
            if (remind || o.suppressed.is_some()) && self.suppression(&o.device, k, now).is_none() {
                due.insert(o.device.as_str());
            }
        }
        due
    }
}
