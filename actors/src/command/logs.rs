//! The `logs` probe's command: one window of the journal and of every running container's
//! log, filtered on the device by the log patterns, so only matching lines cross the network.

use super::{Command, DEFAULT_TIMEOUT, sudo_prefix};

/// How far back the very first scan of a device reads, seconds.
pub(crate) const FIRST_LOOKBACK_SECS: i64 = 600;

/// How far back a scan reads at most (after an outage), seconds.
pub(crate) const MAX_WINDOW_SECS: i64 = 86_400;

/// Lines a device lags behind its clock: what is logged in the last seconds is read by the
/// next scan, so a line still being written is not missed.
const LAG_SECS: i64 = 2;

/// Deadline of each docker call of a scan on the device (`timeout`, when the device has it).
const DOCKER_CALL_SECS: u32 = 5;

/// Time the container logs of one scan may take together; the containers after it are
/// reported as not read.
const DOCKER_BUDGET_SECS: u32 = 10;

/// Most journal entries, and lines per container, read by one scan.
pub(crate) const MAX_LINES: usize = 200;

/// The scan of the window from `from` (device seconds; `None`: the first scan) to the
/// device's clock less a lag. Sections: `clock` (`<from> <until>` as read, exclusive end),
/// `journal` (`journalctl -o json` entries matching a journal pattern), `docker-error` (why
/// the containers could not be listed) and one `container:<name>` per running container
/// (its matching lines with docker's timestamps). `journal` and `containers` are the
/// patterns' combined regexes for each (`None`: that source is not read); they are
/// shell-quoted, and the window numbers are ours.
pub(crate) fn log_scan(
    from: Option<i64>,
    journal: Option<&str>,
    containers: Option<&str>,
    sudo: bool,
) -> Command {
    let start = match from {
        Some(s) => s.to_string(),
        None => format!("$((u-{FIRST_LOOKBACK_SECS}))"),
    };
    let mut body = format!(
        "section clock; u=$(( $(date +%s) - {LAG_SECS} )); s={start}; \
         if [ \"$s\" -gt \"$u\" ]; then s=$u; fi; lo=$((u-{MAX_WINDOW_SECS})); \
         if [ \"$s\" -lt \"$lo\" ]; then s=$lo; fi; echo \"$s $u\"; e=$((u-1)); \
         if [ \"$s\" -lt \"$u\" ]; then "
    );
    if let Some(q) = journal.and_then(|q| shlex::try_quote(q).ok().map(|q| q.into_owned())) {
        body.push_str(&format!(
            "if command -v journalctl >/dev/null 2>&1; then section journal; \
             {}journalctl --since=@$s --until=@$e.999999 --grep={q} -o json \
             --output-fields=MESSAGE,PRIORITY,SYSLOG_IDENTIFIER,_SYSTEMD_UNIT,_COMM \
             --no-pager -q -n {MAX_LINES} 2>&1; fi; ",
            sudo_prefix(sudo)
        ));
    }
    let docker = containers.map(|q| format!("(?:{q})|^Error"));
    if let Some(q) = docker.and_then(|q| shlex::try_quote(&q).ok().map(|q| q.into_owned())) {
        // A hung docker must not cost the journal's matches: every docker call has its own
        // deadline on the device, and the container logs share a budget.
        body.push_str(&format!(
            "if command -v docker >/dev/null 2>&1; then \
             T=''; command -v timeout >/dev/null 2>&1 && T='timeout {DOCKER_CALL_SECS}'; \
             if names=$($T docker ps --format '{{{{.Names}}}}' 2>&1); then \
             dl=$(( $(date +%s) + {DOCKER_BUDGET_SECS} )); \
             for c in $names; do section \"container:$c\"; \
             if [ \"$(date +%s)\" -ge \"$dl\" ]; then \
             echo 'Error: not read: the scan ran out of its {DOCKER_BUDGET_SECS} s for container logs'; continue; fi; \
             {{ $T docker logs --since $s --until $e.999999999 --tail 5000 --timestamps \"$c\" 2>&1; \
             [ $? = 124 ] && echo 'Error: docker logs did not finish within {DOCKER_CALL_SECS} s'; }} \
             | grep -a -P -e {q} 2>&1 | cut -c 1-2000 | head -n {MAX_LINES}; done; \
             else st=$?; section docker-error; if [ \"$st\" = 124 ]; then \
             echo 'docker did not answer within {DOCKER_CALL_SECS} s'; \
             else echo \"$names\" | head -n 3; fi; fi; fi; "
        ));
    }
    body.push_str("fi; true");
    Command::sectioned("log_scan", &body, DEFAULT_TIMEOUT)
}
