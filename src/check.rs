//! `infrastructor check`: connect to every device, verify host key and auth, detect
//! capabilities, and print a table, reporting progress while it works.

use std::io::Write;
use std::time::{Duration, Instant};

use futures::StreamExt;
use infrastructor_actors::capabilities;
use infrastructor_actors::command;
use infrastructor_actors::device::{DeviceSpec, FleetSettings, transport_for};

/// Devices checked at the same time.
const CONCURRENCY: usize = 16;

/// The outcome for one device.
#[derive(Debug)]
pub struct CheckRow {
    /// Device name.
    pub name: String,
    /// `ssh user@host:port` or `local`.
    pub target: String,
    /// Tools found, or the error.
    pub result: Result<String, String>,
    /// Round trip of one command on the established session.
    pub rtt: Option<Duration>,
}

/// Checks one device.
pub async fn check_device(spec: &DeviceSpec, settings: &FleetSettings) -> CheckRow {
    let t = transport_for(spec, settings, settings.max_channels);
    let result = async {
        tokio::time::timeout(settings.connect_timeout, t.connect())
            .await
            .map_err(|_| format!("connect timed out after {:?}", settings.connect_timeout))?
            .map_err(|e| e.to_string())?;
        let caps = capabilities::detect(t.as_ref()).await.map_err(|e| e.to_string())?;
        let started = Instant::now();
        t.run(&command::noop()).await.map_err(|e| e.to_string())?;
        let rtt = started.elapsed();
        let tools: Vec<_> =
            caps.tools.iter().filter(|(_, v)| **v).map(|(k, _)| k.as_str()).collect();
        let tools = if tools.is_empty() { "none".to_string() } else { tools.join(",") };
        Ok::<_, String>((tools, rtt))
    }
    .await;
    t.disconnect().await;
    CheckRow {
        name: spec.name.clone(),
        target: t.describe(),
        rtt: result.as_ref().ok().map(|(_, rtt)| *rtt),
        result: result.map(|(tools, _)| tools),
    }
}

/// Checks every device, printing progress to `progress` and the table to `out`.
/// Returns whether every device passed.
pub async fn run_check(
    devices: &[DeviceSpec],
    settings: &FleetSettings,
    out: &mut dyn Write,
    progress: &mut dyn Write,
) -> anyhow::Result<bool> {
    let total = devices.len();
    writeln!(progress, "checking {total} device(s)…")?;
    let mut rows = Vec::with_capacity(total);
    let mut stream = futures::stream::iter(devices)
        .map(|d| check_device(d, settings))
        .buffer_unordered(CONCURRENCY);
    while let Some(row) = stream.next().await {
        let status = if row.result.is_ok() { "ok" } else { "FAILED" };
        writeln!(progress, "[{}/{total}] {} {status}", rows.len() + 1, row.name)?;
        rows.push(row);
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    write_table(&rows, out)?;
    Ok(rows.iter().all(|r| r.result.is_ok()))
}

fn write_table(rows: &[CheckRow], out: &mut dyn Write) -> std::io::Result<()> {
    let name_w = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(6);
    let target_w = rows.iter().map(|r| r.target.len()).max().unwrap_or(0).max(6);
    writeln!(
        out,
        "{:name_w$}  {:target_w$}  {:6}  {:>8}  DETAILS",
        "DEVICE", "TARGET", "STATUS", "RTT"
    )?;
    for r in rows {
        let rtt = r.rtt.map(|d| format!("{:.1}ms", d.as_secs_f64() * 1000.0)).unwrap_or("-".into());
        let (status, details) = match &r.result {
            Ok(tools) => ("ok", format!("tools: {tools}")),
            Err(e) => ("FAILED", e.clone()),
        };
        writeln!(
            out,
            "{:name_w$}  {:target_w$}  {status:6}  {rtt:>8}  {details}",
            r.name, r.target
        )?;
    }
    Ok(())
}
