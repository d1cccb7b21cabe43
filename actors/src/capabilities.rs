//! Capability detection: which tools a device has, detected once per connection.

use crate::command;
use crate::model::capabilities::Capabilities;
use crate::probes::ProbeError;
use crate::transport::Transport;

/// Tools looked for by capability detection.
pub const KNOWN_TOOLS: &[&str] = &[
    "docker",
    "smartctl",
    "zpool",
    "zfs",
    "virsh",
    "systemctl",
    "journalctl",
    "sensors",
    "sudo",
    "apt",
    "dnf",
    "pacman",
];

/// Capabilities detected by the presence of a file: (capability, path).
pub const KNOWN_FILES: &[(&str, &str)] =
    &[("md", "/proc/mdstat"), ("unraid", "/etc/unraid-version")];

/// Runs the capabilities command on `transport` and parses its output.
pub async fn detect(transport: &dyn Transport) -> Result<Capabilities, ProbeError> {
    let cmd = command::capabilities(KNOWN_TOOLS, KNOWN_FILES);
    let out = transport.run(&cmd).await?;
    if !out.success() {
        return Err(ProbeError::Command {
            command: cmd.name,
            status: out.status,
            stderr: crate::probes::first_line(&out.stderr),
        });
    }
    Ok(parse(&out.stdout))
}

/// Parses `uname -sr` followed by `<tool> yes|no` lines (tools and file-detected
/// capabilities such as `md`, `unraid`); unknown lines are ignored.
pub(crate) fn parse(output: &str) -> Capabilities {
    let mut lines = output.lines();
    let kernel = lines.next().unwrap_or("").trim().chars().take(200).collect();
    let mut tools: std::collections::BTreeMap<String, bool> = KNOWN_TOOLS
        .iter()
        .copied()
        .chain(KNOWN_FILES.iter().map(|(cap, _)| *cap))
        .map(|t| (t.to_string(), false))
        .collect();
    for line in lines {
        if let Some((tool, answer)) = line.trim().split_once(' ')
            && let Some(slot) = tools.get_mut(tool)
        {
            *slot = answer == "yes";
        }
    }
    Capabilities { tools, kernel }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tools_and_kernel_and_ignores_noise() {
        let caps = parse("Linux 6.1.0\ndocker yes\nsmartctl no\nrm -rf yes\ngarbage\n");
        assert_eq!(caps.kernel, "Linux 6.1.0");
        assert!(caps.has("docker"));
        assert!(!caps.has("smartctl"));
        assert!(!caps.has("zpool"));
        assert!(!caps.tools.contains_key("rm"));
    }

    #[test]
    fn empty_output_means_nothing_detected() {
        let caps = parse("");
        assert!(caps.tools.values().all(|v| !v));
    }
}
