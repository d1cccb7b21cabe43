//! What a notification says, independent of the receiver: title, a markdown body (device,
//! what, value against threshold, since when, a link) and the priority's severity, for an
//! alert raised, escalated, re-sent or resolved, a digest of the excess over the rate limit,
//! and a test.
//!
//! Everything that comes from a device (summary, object names, evidence lines such as log
//! excerpts) is escaped: every ASCII punctuation character gets a backslash, so markdown
//! cannot render it (no links, images, HTML or emphasis sneak in); it shows as plain text.

use chrono::{DateTime, Utc};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::alerts::{Alert, Severity};

/// Most evidence lines shown in one message (the rest are counted).
const MAX_EVIDENCE: usize = 10;
/// Longest evidence line shown (longer ones are cut).
const MAX_LINE: usize = 300;

/// One rendered notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// One line.
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Drives the priority.
    pub severity: Severity,
    /// Where a click leads, when `public_url` is set.
    pub click: Option<String>,
}

/// `text` with every ASCII punctuation character backslash-escaped (CommonMark shows it
/// literally) and line breaks kept as hard breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => {}
            '\n' => out.push_str("  \n"),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `1h 5m`, `3m 2s`, `12s`.
pub fn human(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{days}d {h}h"),
    }
}

fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn what(ev: &Event, alert: &Alert) -> String {
    match &alert.object {
        Some(o) => format!("{}: {} {}", ev.device, alert.rule, o),
        None => format!("{}: {}", ev.device, alert.rule),
    }
}

/// The click link of an alert: the device's current state.
fn click(public_url: Option<&str>, ev: &Event) -> Option<String> {
    public_url.map(|u| format!("{u}/api/devices/{}/state", ev.device))
}

fn details(alert: &Alert, now: DateTime<Utc>) -> Vec<String> {
    let mut lines = Vec::new();
    let unit = alert.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
    match (alert.value, alert.threshold) {
        (Some(v), Some(t)) => lines.push(format!(
            "- **Value:** {}{} (threshold {}{})",
            number(v),
            escape(&unit),
            number(t),
            escape(&unit)
        )),
        (Some(v), None) => lines.push(format!("- **Value:** {}{}", number(v), escape(&unit))),
        _ => {}
    }
    lines.push(format!(
        "- **Since:** {} ({} ago)",
        alert.since.format("%Y-%m-%d %H:%M:%S UTC"),
        human(now - alert.since)
    ));
    lines
}

fn evidence(alert: &Alert) -> Vec<String> {
    if alert.evidence.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![String::new(), "**Evidence** (plain text):".to_string(), String::new()];
    for l in alert.evidence.iter().take(MAX_EVIDENCE) {
        let cut: String = l.chars().take(MAX_LINE).collect();
        lines.push(format!("> {}", escape(&cut)));
        lines.push(">".to_string());
    }
    lines.pop();
    if alert.evidence.len() > MAX_EVIDENCE {
        lines.push(format!("\n…and {} more lines", alert.evidence.len() - MAX_EVIDENCE));
    }
    lines
}

/// The message of an alert event (`AlertRaised`, `AlertResolved`); `None` for other kinds.
pub fn of_event(ev: &Event, public_url: Option<&str>, now: DateTime<Utc>) -> Option<Message> {
    let (title, head, alert) = match &ev.kind {
        EventKind::AlertRaised { alert, previous: Some(p), .. } => (
            format!(
                "{} → {} {}",
                p.as_str().to_uppercase(),
                alert.severity.as_str().to_uppercase(),
                what(ev, alert)
            ),
            format!("Escalated from **{}** to **{}**.", p.as_str(), alert.severity.as_str()),
            alert,
        ),
        EventKind::AlertRaised { alert, renotify, .. } => (
            format!("{} {}", alert.severity.as_str().to_uppercase(), what(ev, alert)),
            if *renotify { "Still firing.".to_string() } else { "Firing.".to_string() },
            alert,
        ),
        EventKind::AlertResolved { alert, .. } => (
            format!("RESOLVED {}", what(ev, alert)),
            format!("Resolved after **{}**.", human(ev.observed_at - alert.since)),
            alert,
        ),
        _ => return None,
    };
    let mut lines = vec![escape(&alert.summary), String::new(), head, String::new()];
    lines.push(format!("- **Device:** {}", escape(&ev.device)));
    lines.push(format!("- **Rule:** {}", escape(&alert.rule)));
    if let Some(o) = &alert.object {
        lines.push(format!("- **Object:** {}", escape(o)));
    }
    lines.push(format!("- **Severity:** {}", alert.severity.as_str()));
    lines.extend(details(alert, now));
    let click = click(public_url, ev);
    if let Some(url) = &click {
        lines.push(String::new());
        lines.push(format!("[Open in Infrastructor]({url})"));
    }
    lines.extend(evidence(alert));
    // A recovery has the priority of the alert, so it reaches whoever the alert woke.
    Some(Message { title, body: lines.join("\n"), severity: alert.severity, click })
}

/// One digest of the alert events held back by the rate limit: their count and one line
/// each; its severity is the highest among them.
pub fn digest(events: &[Event], limit: u32, public_url: Option<&str>) -> Message {
    let mut lines = vec![
        format!(
            "{} more alert notifications came in over the limit of {limit} per hour:",
            events.len()
        ),
        String::new(),
    ];
    let mut severity = Severity::Info;
    for ev in events {
        let (state, alert) = match &ev.kind {
            EventKind::AlertRaised { alert, .. } => {
                severity = severity.max(alert.severity);
                (alert.severity.as_str().to_uppercase(), alert)
            }
            EventKind::AlertResolved { alert, .. } => ("RESOLVED".to_string(), alert),
            _ => continue,
        };
        lines.push(format!(
            "- {} {} **{}**: {}",
            ev.observed_at.format("%H:%M:%S"),
            state,
            escape(&ev.device),
            escape(&alert.summary)
        ));
    }
    let click = public_url.map(|u| format!("{u}/api/state"));
    if let Some(url) = &click {
        lines.push(String::new());
        lines.push(format!("[Open in Infrastructor]({url})"));
    }
    Message {
        title: format!("Digest: {} alert notifications held back", events.len()),
        body: lines.join("\n"),
        severity,
        click,
    }
}

/// The test message.
pub fn test(public_url: Option<&str>) -> Message {
    let click = public_url.map(|u| format!("{u}/api/state"));
    Message {
        title: "Infrastructor test notification".into(),
        body: "This is a test: notifications from **Infrastructor** reach you.".into(),
        severity: Severity::Info,
        click,
    }
}
