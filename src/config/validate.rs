//! `infrastructor config validate`: load the config and print what the server would run with.

use std::io::Write;
use std::path::Path;

use infrastructor_actors::device::{Auth, DeviceSpec, TransportKind};

use super::{Config, Env, format_duration, load};

/// Loads the config like the server would and prints a summary to `out`: source, listen
/// address, whether a database is configured (never the URL), a device table, and warnings.
pub fn run_validate(
    explicit: Option<&Path>,
    env: Env<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let config = load(explicit, env)?;
    write_summary(&config, out)?;
    Ok(())
}

/// Prints the summary of an already loaded config.
pub fn write_summary(config: &Config, out: &mut dyn Write) -> std::io::Result<()> {
    match &config.source {
        Some(p) => writeln!(out, "source:   {}", p.display())?,
        None => writeln!(out, "source:   built-in defaults (no config file)")?,
    }
    writeln!(out, "listen:   {}", config.listen)?;
    let db = if config.database_url.is_some() { "configured" } else { "not configured" };
    writeln!(out, "database: {db}")?;
    let f = &config.fleet;
    writeln!(
        out,
        "fleet:    max_channels {}, connect_timeout {}, command_timeout {}, offline_after {}",
        f.max_channels,
        format_duration(f.connect_timeout),
        format_duration(f.command_timeout),
        f.offline_after
    )?;
    writeln!(out, "devices:  {}", config.devices.len())?;
    let header = ["NAME", "TRANSPORT", "TARGET", "AUTH", "PROBES"].map(str::to_owned);
    let rows: Vec<[String; 5]> =
        std::iter::once(header).chain(config.devices.iter().map(row)).collect();
    let mut widths = [0usize; 5];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for r in &rows {
        let line: Vec<String> = r.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        writeln!(out, "  {}", line.join("  ").trim_end())?;
    }
    if config.warnings.is_empty() {
        writeln!(out, "config ok")?;
    } else {
        for w in &config.warnings {
            writeln!(out, "warning: {w}")?;
        }
        writeln!(
            out,
            "config ok ({} warning{})",
            config.warnings.len(),
            if config.warnings.len() == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// One table row: name, transport, target, auth kind, enabled probes with intervals.
fn row(d: &DeviceSpec) -> [String; 5] {
    let (transport, target) = match d.transport {
        TransportKind::Ssh => ("ssh", format!("{}@{}:{}", d.user, d.host, d.port)),
        TransportKind::Local => ("local", "-".to_owned()),
    };
    let auth = match (&d.auth, d.transport) {
        (_, TransportKind::Local) => "-".to_owned(),
        (Auth::Agent, _) => "agent".to_owned(),
        (Auth::KeyFile { path, passphrase }, _) => {
            let pp = if passphrase.is_some() { " (passphrase)" } else { "" };
            format!("key {}{pp}", path.display())
        }
    };
    let p = &d.probes;
    let probes: Vec<String> = p
        .entries()
        .into_iter()
        // The backups probe runs only for a device with backup jobs.
        .filter(|(n, s)| s.enabled && (*n != "backups" || !d.backups.is_empty()))
        .map(|(n, s)| format!("{n}/{}", format_duration(s.interval)))
        .collect();
    let probes = if probes.is_empty() { "none".to_owned() } else { probes.join(" ") };
    [d.name.clone(), transport.to_owned(), target, auth, probes]
}

#[cfg(test)]
mod tests {
    use super::super::{env::from_pairs, parse_str};
    use super::*;

    #[test]
    fn prints_table_without_secrets() {
        let env = from_pairs(&[("HOME", "/h"), ("USER", "me")]);
        let text = "database_url = \"postgres://u:dbpw@h/db\"\n\
            [[devices]]\nname = \"web\"\nhost = \"10.0.0.5\"\nport = 2222\nidentity_file = \"~/.ssh/id\"\npassphrase = \"keypw\"\n\
            [devices.probes.drives]\nenabled = false\n\
            [[devices]]\nname = \"here\"\ntransport = \"local\"\n";
        let cfg = parse_str(text, Path::new("t.toml"), &env).unwrap();
        let mut out = Vec::new();
        write_summary(&cfg, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("dbpw") && !out.contains("keypw"), "{out}");
        assert!(out.contains("database: configured"), "{out}");
        assert!(out.contains("me@10.0.0.5:2222"), "{out}");
        assert!(out.contains("key /h/.ssh/id (passphrase)"), "{out}");
        let rest = "zfs/5m arrays/5m vms/5m services/5m updates/6h images/6h logs/1m";
        assert!(out.contains(&format!("containers/30s metrics/5m {rest}\n")), "{out}");
        assert!(out.contains(&format!("containers/30s metrics/5m drives/1h {rest}")), "{out}");
        assert!(out.contains("source:   t.toml"), "{out}");
    }
}
