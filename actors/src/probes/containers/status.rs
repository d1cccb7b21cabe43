//! Reading docker's human `Status` text: health, last exit code and uptime.
//!
//! Examples: `Up 13 seconds (health: starting)`, `Up 2 hours (unhealthy)`, `Up 8 seconds
//! (Paused)`, `Restarting (3) 1 second ago`, `Exited (137) 26 seconds ago`, `Created`, `Dead`.

/// Healthcheck status in `status`: `starting`, `healthy` or `unhealthy`.
pub fn health(status: &str) -> Option<String> {
    let inner = status.rsplit_once('(')?.1.strip_suffix(')')?.trim();
    let word = inner.strip_prefix("health:").map(str::trim).unwrap_or(inner);
    matches!(word, "starting" | "healthy" | "unhealthy").then(|| word.to_string())
}

/// Exit code in `Exited (N) …` or `Restarting (N) …`.
pub fn exit_code(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited").or_else(|| status.strip_prefix("Restarting"))?;
    let inner = rest.trim_start().strip_prefix('(')?;
    inner.split_once(')')?.0.trim().parse().ok()
}

/// A lower bound, in seconds, of the uptime in `Up <duration>…`, as docker's
/// `HumanDuration` prints it. It only grows while the container keeps running, so a smaller
/// value at the next poll means the container was restarted in between.
pub fn uptime_secs(status: &str) -> Option<u64> {
    let rest = status.strip_prefix("Up ")?;
    let text = rest.split_once(" (").map_or(rest, |(d, _)| d).trim();
    human_duration_secs(text)
}

/// The range `[low, high)` of uptimes, in seconds, that docker prints as the `Up <duration>…`
/// of `status`: go-units' `HumanDuration` truncates to seconds and minutes, rounds to hours
/// (so `5 hours` is 4.5 h to 5.5 h), and days, weeks and months are whole rounded hours
/// divided down; years truncate again.
pub fn uptime_range(status: &str) -> Option<(u64, u64)> {
    let rest = status.strip_prefix("Up ")?;
    let text = rest.split_once(" (").map_or(rest, |(d, _)| d).trim();
    const HOUR: u64 = 3600;
    const HALF: u64 = HOUR / 2;
    let range = match text {
        "Less than a second" => (0, 1),
        "About a minute" => (60, 120),
        "About an hour" => (HOUR, HOUR + HALF),
        _ => {
            let (n, unit) = text.split_once(' ')?;
            let n: u64 = n.parse().ok()?;
            let next = n.checked_add(1)?;
            let (per, rounded) = match unit.trim_end_matches('s') {
                "second" => (1, false),
                "minute" => (60, false),
                "hour" => (HOUR, true),
                "day" => (24 * HOUR, true),
                "week" => (7 * 24 * HOUR, true),
                "month" => (30 * 24 * HOUR, true),
                "year" => (365 * 24 * HOUR, false),
                _ => return None,
            };
            let (low, high) = (n.checked_mul(per)?, next.checked_mul(per)?);
            if rounded { (low.saturating_sub(HALF), high - HALF) } else { (low, high) }
        }
    };
    Some(range)
}

/// Seconds in a go-units `HumanDuration` string (`Less than a second`, `5 seconds`,
/// `About a minute`, `3 minutes`, `About an hour`, `12 hours`, `4 days`, `3 weeks`,
/// `5 months`, `2 years`).
fn human_duration_secs(text: &str) -> Option<u64> {
    match text {
        "Less than a second" => return Some(0),
        "About a minute" => return Some(60),
        "About an hour" => return Some(3600),
        _ => {}
    }
    let (n, unit) = text.split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let per = match unit.trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        "week" => 7 * 86_400,
        "month" => 30 * 86_400,
        "year" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_from_status() {
        assert_eq!(health("Up 13 seconds (health: starting)").as_deref(), Some("starting"));
        assert_eq!(health("Up 2 hours (healthy)").as_deref(), Some("healthy"));
        assert_eq!(health("Up 8 seconds (unhealthy)").as_deref(), Some("unhealthy"));
        assert_eq!(health("Up 8 seconds (Paused)"), None);
        assert_eq!(health("Exited (137) 26 seconds ago"), None);
        assert_eq!(health("Created"), None);
        assert_eq!(health("("), None);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code("Exited (137) 26 seconds ago"), Some(137));
        assert_eq!(exit_code("Exited (0) 5 seconds ago"), Some(0));
        assert_eq!(exit_code("Restarting (3) 1 second ago"), Some(3));
        assert_eq!(exit_code("Exited (-1) 2 days ago"), Some(-1));
        assert_eq!(exit_code("Up 8 seconds"), None);
        assert_eq!(exit_code("Exited (x"), None);
        assert_eq!(exit_code("Created"), None);
    }

    #[test]
    fn uptime_ranges() {
        assert_eq!(uptime_range("Up Less than a second"), Some((0, 1)));
        assert_eq!(uptime_range("Up 13 seconds (health: starting)"), Some((13, 14)));
        assert_eq!(uptime_range("Up About a minute"), Some((60, 120)));
        assert_eq!(uptime_range("Up 3 minutes"), Some((180, 240)));
        assert_eq!(uptime_range("Up About an hour"), Some((3600, 5400)));
        assert_eq!(uptime_range("Up 5 hours (Paused)"), Some((16_200, 19_800)));
        assert_eq!(uptime_range("Up 3 days"), Some((257_400, 343_800)));
        assert_eq!(uptime_range("Up 2 years"), Some((63_072_000, 94_608_000)));
        assert_eq!(uptime_range("Up 99999999999999999 years"), None);
        assert_eq!(uptime_range("Exited (0) 3 hours ago"), None);
    }

    #[test]
    fn uptimes() {
        assert_eq!(uptime_secs("Up Less than a second"), Some(0));
        assert_eq!(uptime_secs("Up 1 second"), Some(1));
        assert_eq!(uptime_secs("Up 13 seconds (health: starting)"), Some(13));
        assert_eq!(uptime_secs("Up About a minute"), Some(60));
        assert_eq!(uptime_secs("Up 45 minutes (Paused)"), Some(2700));
        assert_eq!(uptime_secs("Up About an hour (healthy)"), Some(3600));
        assert_eq!(uptime_secs("Up 5 hours"), Some(18_000));
        assert_eq!(uptime_secs("Up 3 days"), Some(259_200));
        assert_eq!(uptime_secs("Up 2 weeks"), Some(1_209_600));
        assert_eq!(uptime_secs("Up 4 months"), Some(10_368_000));
        assert_eq!(uptime_secs("Up 2 years"), Some(63_072_000));
        assert_eq!(uptime_secs("Up 99999999999999999 years"), None);
        assert_eq!(uptime_secs("Exited (0) 3 hours ago"), None);
        assert_eq!(uptime_secs("Up soon"), None);
    }
}
