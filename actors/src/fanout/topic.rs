//! Topic patterns of the live stream: `device.<name>.<Type>` with `*` for any segment (`*`
//! alone is every device event), and `alerts` (every alert event of every device).

use crate::events::Event;
use crate::events::TYPE_NAMES;

/// Longest accepted pattern, in bytes.
const MAX_TOPIC_LEN: usize = 256;

/// One parsed topic pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// The pattern as the client wrote it.
    text: String,
    /// What it selects.
    kind: Pattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// Device events: `None` is `*` in that segment.
    Device { device: Option<String>, ty: Option<&'static str> },
    /// Alert events of every device (`AlertRaised`, `AlertResolved`, `AlertAcknowledged`,
    /// `AlertSilenced`).
    Alerts,
}

impl Topic {
    /// Parses a pattern; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.len() > MAX_TOPIC_LEN || text.chars().any(char::is_control) {
            return Err(format!("a topic is 1 to {MAX_TOPIC_LEN} printable characters"));
        }
        let kind = match text {
            "*" => Pattern::Device { device: None, ty: None },
            "alerts" => Pattern::Alerts,
            _ => {
                let bad = || {
                    format!(
                        "unknown topic \"{text}\": expected device.<name>.<Type> (segments may be *), * or alerts"
                    )
                };
                let rest = text.strip_prefix("device.").ok_or_else(bad)?;
                let (device, ty) = rest.rsplit_once('.').ok_or_else(bad)?;
                if device.is_empty() || ty.is_empty() {
                    return Err(bad());
                }
                let ty = match ty {
                    "*" => None,
                    t => Some(TYPE_NAMES.iter().copied().find(|n| *n == t).ok_or_else(|| {
                        format!("unknown event type \"{t}\" in topic \"{text}\"")
                    })?),
                };
                let device = (device != "*").then(|| device.to_string());
                Pattern::Device { device, ty }
            }
        };
        Ok(Self { text: text.to_string(), kind })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `event` is selected. A sample event (`…Sampled`) is selected only when the
    /// pattern names its type, or when `samples` is asked for.
    pub fn matches(&self, event: &Event, samples: bool) -> bool {
        let Pattern::Device { device, ty } = &self.kind else {
            return event.type_name().starts_with("Alert");
        };
        if device.as_deref().is_some_and(|d| d != event.device) {
            return false;
        }
        match ty {
            Some(t) => *t == event.type_name(),
            None => samples || event.kind.sample_of().is_none(),
        }
    }
}

/// What one client wants: its topics and whether wildcards include samples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The patterns (none: nothing is delivered).
    pub topics: Vec<Topic>,
    /// Whether `*` type segments also select sample events.
    pub samples: bool,
}

impl Filter {
    /// Whether any topic selects `event`.
    pub fn matches(&self, event: &Event) -> bool {
        self.topics.iter().any(|t| t.matches(event, self.samples))
    }

    /// Adds `topics` (already present ones are kept once).
    pub fn add(&mut self, topics: Vec<Topic>) {
        for t in topics {
            if !self.topics.contains(&t) {
                self.topics.push(t);
            }
        }
    }

    /// Removes the topics written exactly as `texts`.
    pub fn remove(&mut self, texts: &[String]) {
        self.topics.retain(|t| !texts.iter().any(|x| x == t.as_str()));
    }

    /// The patterns as written.
    pub fn texts(&self) -> Vec<String> {
        self.topics.iter().map(|t| t.text.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventKind;
    use chrono::Utc;

    fn died(device: &str) -> Event {
        let container = crate::model::refs::ContainerRef {
            id: "abc".into(),
            name: "web".into(),
            image: "nginx".into(),
        };
        Event::new(
            device,
            Utc::now(),
            EventKind::ContainerDied { container, exit_code: Some(1), oom_killed: None },
        )
    }

    fn online(device: &str) -> Event {
        Event::new(device, Utc::now(), EventKind::DeviceRemoved {})
    }

    fn sample(device: &str) -> Event {
        Event::new(device, Utc::now(), EventKind::ContainerStatsSampled { containers: vec![] })
    }

    fn t(s: &str) -> Topic {
        Topic::parse(s).unwrap()
    }

    #[test]
    fn wildcards_select_devices_and_types() {
        let died_tower = died("tower");
        assert!(t("*").matches(&died_tower, false));
        assert!(t("device.tower.*").matches(&died_tower, false));
        assert!(!t("device.nas.*").matches(&died_tower, false));
        assert!(t("device.*.*").matches(&online("nas"), false));
        assert!(t("device.*.DeviceRemoved").matches(&online("nas"), false));
        assert!(!t("device.*.DeviceRemoved").matches(&died_tower, false));
        assert!(t("device.tower.DeviceRemoved").matches(&online("tower"), false));
        assert!(!t("device.tower.DeviceRemoved").matches(&online("tower2"), false));
        assert!(t("device.a.b.*").matches(&online("a.b"), false), "a device name with dots");
        assert!(!t("alerts").matches(&died_tower, false), "only alert events");
    }

    #[test]
    fn samples_need_their_type_named_or_the_flag() {
        let s = sample("tower");
        assert!(!t("*").matches(&s, false));
        assert!(!t("device.tower.*").matches(&s, false));
        assert!(t("*").matches(&s, true));
        assert!(t("device.tower.ContainerStatsSampled").matches(&s, false));
        assert!(t("device.*.ContainerStatsSampled").matches(&s, false));
    }

    #[test]
    fn bad_patterns_are_refused_with_a_reason() {
        for bad in ["", "device", "device.tower", "device..*", "devices.tower.*", "tower.*"] {
            assert!(Topic::parse(bad).is_err(), "{bad:?} is refused");
        }
        let e = Topic::parse("device.tower.ContainerExploded").unwrap_err();
        assert!(e.contains("unknown event type \"ContainerExploded\""), "{e}");
        assert!(Topic::parse(&"x".repeat(300)).is_err());
        assert!(Topic::parse("device.tower\n.*").is_err());
    }

    #[test]
    fn filters_add_and_remove_by_text() {
        let mut f = Filter::default();
        f.add(vec![t("*"), t("device.tower.*"), t("*")]);
        assert_eq!(f.texts(), ["*", "device.tower.*"]);
        f.remove(&["*".to_string()]);
        assert_eq!(f.texts(), ["device.tower.*"]);
        assert!(f.matches(&online("tower")));
        assert!(!f.matches(&online("nas")));
    }
}
