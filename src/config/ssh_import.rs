//! Import devices from an OpenSSH client config (`~/.ssh/config`): `infrastructor devices import-ssh-config`.
//!
//! Parsing and first-match resolution use the `ssh2-config` crate. Its `Include` handling is
//! wrong for us (relative paths always resolve against `$HOME/.ssh`, and lines after an
//! `Include` inside a `Host` block land in the included file's last block), and it does not
//! know `Match`. So `Include` is expanded here first, textually, restoring the enclosing `Host`
//! context afterwards (as OpenSSH does), and `Match` blocks are neutralised (never match).

use std::collections::HashSet;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use ssh2_config::{ParseRule, SshConfig};

use super::error::ConfigError;
use super::file::sanitize_device_name;

/// OpenSSH's include depth limit.
const MAX_DEPTH: usize = 16;
/// A `Host` line that matches nothing (a negated `*`), used in place of `Match` blocks.
const NEVER: &str = "Host !*";

/// One concrete `Host` alias of the ssh config, resolved with first-match semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDevice {
    /// Device name: the alias, sanitized to a valid device name.
    pub name: String,
    /// The alias as written after `Host`.
    pub alias: String,
    /// `HostName` (with `%h` expanded), else the alias.
    pub host: String,
    /// `Port`, if set.
    pub port: Option<u16>,
    /// `User`, if set.
    pub user: Option<String>,
    /// First `IdentityFile`, if set (`~` expanded).
    pub identity_file: Option<PathBuf>,
}

/// Reads `ssh_config_path` (following `Include`) and returns one device per concrete alias,
/// in file order. Wildcard (`*`, `?`) and negated (`!x`) patterns are not devices.
pub fn discover(ssh_config_path: &Path) -> Result<Vec<ImportedDevice>, ConfigError> {
    let mut flat = String::new();
    flatten(ssh_config_path, ssh_config_path, 0, &mut flat)?;
    let rules = ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS;
    let config =
        SshConfig::default().parse(&mut BufReader::new(flat.as_bytes()), rules).map_err(|e| {
            ConfigError::SshConfig {
                file: ssh_config_path.to_path_buf(),
                message: format!("cannot parse: {e}"),
            }
        })?;
    let mut seen = HashSet::new();
    let mut devices = Vec::new();
    for host in config.get_hosts() {
        for clause in &host.pattern {
            let alias = clause.pattern.as_str();
            if clause.negated || alias.contains(['*', '?']) || !seen.insert(alias.to_owned()) {
                continue;
            }
            let Some(name) = sanitize_device_name(alias) else { continue };
            let params = config.query(alias);
            let host = params
                .host_name
                .as_deref()
                .map_or_else(|| alias.to_owned(), |h| expand_tokens(h, alias));
            devices.push(ImportedDevice {
                name,
                alias: alias.to_owned(),
                host,
                port: params.port,
                user: params.user.clone(),
                identity_file: params.identity_file.as_ref().and_then(|v| v.first().cloned()),
            });
        }
    }
    Ok(devices)
}

/// `[[devices]]` blocks for `devices` whose names are not in `existing_names` (nor repeated),
/// ready to append to a config file.
pub fn render_toml(devices: &[ImportedDevice], existing_names: &HashSet<String>) -> String {
    render(devices, existing_names).0
}

/// Prints (`dry_run`) or appends to `config_path` the devices imported from `ssh_config`,
/// skipping names the config already has. The result is parsed before anything is written.
pub fn run_import(
    ssh_config: &Path,
    config_path: &Path,
    dry_run: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let devices = discover(ssh_config)?;
    let existing = match std::fs::read_to_string(config_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", config_path.display())),
    };
    let names = existing_names(&existing)
        .with_context(|| format!("cannot parse {}", config_path.display()))?;
    let (block, added) = render(&devices, &names);
    let skipped = devices.len() - added.len();
    if added.is_empty() {
        writeln!(
            out,
            "nothing to import from {}: {skipped} host(s) already configured",
            ssh_config.display()
        )?;
        return Ok(());
    }
    let mut addition = String::new();
    if !existing.is_empty() && !existing.ends_with('\n') {
        addition.push('\n');
    }
    if !existing.is_empty() {
        addition.push('\n');
    }
    addition.push_str(&format!("# imported from {}\n", ssh_config.display()));
    addition.push_str(&block);
    let combined = format!("{existing}{addition}");
    // Only HOME and USER: a bad INFRASTRUCTOR_* variable is not the imported file's fault.
    let env =
        |name: &str| if matches!(name, "HOME" | "USER") { std::env::var(name).ok() } else { None };
    super::parse_str(&combined, config_path, &env)
        .context("the imported devices would make the config invalid; nothing written")?;
    if dry_run {
        writeln!(
            out,
            "would add {} device(s) to {} (skipping {skipped} already configured):",
            added.len(),
            config_path.display()
        )?;
        write!(out, "{block}")?;
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(config_path)
        .with_context(|| format!("cannot open {}", config_path.display()))?;
    file.write_all(addition.as_bytes())
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    writeln!(
        out,
        "added {} device(s) to {}: {}",
        added.len(),
        config_path.display(),
        added.join(", ")
    )?;
    if skipped > 0 {
        writeln!(out, "skipped {skipped} already configured")?;
    }
    Ok(())
}

/// Renders the blocks and returns the names added.
fn render(devices: &[ImportedDevice], existing: &HashSet<String>) -> (String, Vec<String>) {
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    // Device names are unique ignoring case, so `Web1` in the file already covers `web1`.
    let mut taken: HashSet<String> = existing.iter().map(|n| n.to_ascii_lowercase()).collect();
    let mut text = String::new();
    let mut added = Vec::new();
    for d in devices {
        if !taken.insert(d.name.to_ascii_lowercase()) {
            continue;
        }
        text.push_str(&format!(
            "[[devices]]\nname = {}\nhost = {}\n",
            quote(&d.name),
            quote(&d.host)
        ));
        if let Some(port) = d.port {
            text.push_str(&format!("port = {port}\n"));
        }
        if let Some(user) = &d.user {
            text.push_str(&format!("user = {}\n", quote(user)));
        }
        if let Some(id) = &d.identity_file {
            text.push_str(&format!(
                "auth = \"key\"\nidentity_file = {}\n",
                quote(&id.to_string_lossy())
            ));
        }
        text.push('\n');
        added.push(d.name.clone());
    }
    (text, added)
}

/// Names of the `[[devices]]` already in a config file's text.
fn existing_names(text: &str) -> Result<HashSet<String>, toml::de::Error> {
    let table: toml::Table = toml::from_str(text)?;
    let devices =
        table.get("devices").and_then(|d| d.as_array()).map(Vec::as_slice).unwrap_or_default();
    Ok(devices.iter().filter_map(|d| d.get("name")?.as_str().map(str::to_owned)).collect())
}

/// Expands `%h` (the alias) and `%%` in a `HostName`.
fn expand_tokens(value: &str, alias: &str) -> String {
    value.replace("%%", "\u{0}").replace("%h", alias).replace('\u{0}', "%")
}

/// Appends `path` to `flat` with every `Include` replaced by the included files' text.
fn flatten(root: &Path, path: &Path, depth: usize, flat: &mut String) -> Result<(), ConfigError> {
    let err = |message: String| ConfigError::SshConfig { file: path.to_path_buf(), message };
    if depth > MAX_DEPTH {
        return Err(err(format!("include nested deeper than {MAX_DEPTH} levels")));
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: path.to_path_buf(),
        what: "ssh config",
        source,
    })?;
    let mut context: Option<String> = None;
    for line in text.lines() {
        let (keyword, args) = split_directive(line);
        match keyword.to_ascii_lowercase().as_str() {
            "host" => {
                context = Some(line.trim().to_owned());
                flat.push_str(line);
            }
            "match" => {
                context = Some(NEVER.to_owned());
                flat.push_str(NEVER);
            }
            "include" => {
                for pattern in shell_words(args) {
                    let files = expand_include(root, &pattern)
                        .map_err(|e| err(format!("include {pattern}: {e}")))?;
                    for file in files {
                        let before = flat.len();
                        flatten(root, &file, depth + 1, flat)?;
                        let switched = flat[before..].lines().any(|l| {
                            let k = split_directive(l).0.to_ascii_lowercase();
                            k == "host" || k == "match"
                        });
                        if switched {
                            flat.push_str(context.as_deref().unwrap_or("Host *"));
                            flat.push('\n');
                        }
                    }
                }
                continue;
            }
            _ => flat.push_str(line),
        }
        flat.push('\n');
    }
    Ok(())
}

/// Splits `Keyword args` / `Keyword=args`, ignoring comments and blank lines.
fn split_directive(line: &str) -> (&str, &str) {
    let line = line.split('#').next().unwrap_or("").trim();
    let end = line.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(line.len());
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
    (&line[..end], rest)
}

/// Space-separated words, honouring double quotes.
fn shell_words(args: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Files an `Include` pattern names, sorted. `~` is `$HOME`; relative paths are relative to the
/// folder of the top-level ssh config (`~/.ssh` for the user's config, as in OpenSSH).
/// Wildcards are supported in the last path component only.
fn expand_include(root: &Path, pattern: &str) -> std::io::Result<Vec<PathBuf>> {
    let path = match pattern.strip_prefix("~/") {
        Some(rest) => PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(rest),
        None => root.parent().unwrap_or(Path::new(".")).join(pattern),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(if path.is_file() { vec![path] } else { Vec::new() });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry?;
                let file_name = entry.file_name().to_string_lossy().into_owned();
                if glob_match(&name, &file_name) && entry.path().is_file() {
                    files.push(entry.path());
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    files.sort();
    Ok(files)
}

/// `*` and `?` matching of a whole string (a dot-file needs an explicit leading dot, as in glob(3)).
fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(&pattern.chars().collect::<Vec<_>>(), &name.chars().collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.conf", "a.conf"));
        assert!(glob_match("h?st", "host"));
        assert!(!glob_match("*.conf", "a.conf.bak"));
        assert!(!glob_match("*", ".hidden"));
    }

    #[test]
    fn directives() {
        assert_eq!(split_directive("  Include = a b # c"), ("Include", "a b"));
        assert_eq!(split_directive("HostName=x"), ("HostName", "x"));
        assert_eq!(shell_words("a \"b c\" d"), vec!["a", "b c", "d"]);
        assert_eq!(expand_tokens("%h.lan%%", "web"), "web.lan%");
    }

    #[test]
    fn renders_quoted_and_skips_existing() {
        let d = |n: &str| ImportedDevice {
            name: n.into(),
            alias: n.into(),
            host: "h\"x".into(),
            port: Some(2222),
            user: None,
            identity_file: Some("/k".into()),
        };
        let existing: HashSet<String> = ["a".to_owned()].into();
        let text = render_toml(&[d("a"), d("b"), d("b")], &existing);
        assert_eq!(text.matches("[[devices]]").count(), 1, "{text}");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        let dev = &parsed["devices"][0];
        assert_eq!(dev["name"].as_str(), Some("b"));
        assert_eq!(dev["host"].as_str(), Some("h\"x"));
        assert_eq!(dev["port"].as_integer(), Some(2222));
        assert_eq!(dev["identity_file"].as_str(), Some("/k"));
        assert_eq!(dev["auth"].as_str(), Some("key"));
    }

    #[test]
    fn existing_names_match_ignoring_case() {
        let d = |n: &str| ImportedDevice {
            name: n.into(),
            alias: n.into(),
            host: "h".into(),
            port: None,
            user: None,
            identity_file: None,
        };
        let existing: HashSet<String> = ["Tower".to_owned()].into();
        let text = render_toml(&[d("tower"), d("NAS"), d("nas")], &existing);
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        let names: Vec<_> =
            parsed["devices"].as_array().unwrap().iter().map(|d| d["name"].clone()).collect();
        assert_eq!(names, [toml::Value::from("NAS")], "{text}");
    }
}
