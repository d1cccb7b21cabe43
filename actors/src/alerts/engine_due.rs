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
        let mut due: HashSet<&str> = HashSet::new();
        for (k, since) in &self.pending {
            if *since + span(rule_of(k).hold) <= now {
                due.insert(device_of(k));
            }
        }
        for (k, since) in &self.clearing {
            if *since + span(rule_of(k).clear_for) <= now {
                due.insert(device_of(k));
            }
        }
        for (k, o) in &self.open {
            if due.contains(o.device.as_str()) {
                continue;
            }
            // An offline device's other alerts stay as they are (see `judge`).
            let offline = self.states.get(&o.device).is_some_and(|s| s.online == Some(false));
            if offline && !k.starts_with("device_offline/") {
                continue;
            }
            let remind = rule_of(k).renotify.is_some_and(|every| {
                o.acknowledged_by.is_none() && o.notified_at + span(every) <= now
            });
            if (remind || o.suppressed.is_some()) && self.suppression(&o.device, k, now).is_none() {
                due.insert(o.device.as_str());
            }
        }
        due
    }
}
