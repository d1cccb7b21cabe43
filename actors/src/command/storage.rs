//! Catalogue commands of the ZFS, arrays and VMs probes.

use super::{Command, DEFAULT_TIMEOUT};

/// ZFS state in one round trip, in `@@<name>` sections: `version` (`zpool version`),
/// `status-json` (`zpool status -j --json-int`, OpenZFS ≥ 2.3) or else `status`
/// (`zpool status -p` text), `list` (`zpool list -Hp`), `datasets` and `snapshots`
/// (`zfs list -Hp`), `arcstats` (`/proc/spl/kstat/zfs/arcstats`).
pub fn zfs() -> Command {
    Command::new(
        "zfs",
        "echo @@version; zpool version 2>/dev/null; \
         if out=$(zpool status -j --json-int -p 2>/dev/null); then \
         echo @@status-json; printf '%s\\n' \"$out\"; \
         else echo @@status; zpool status -p 2>&1; fi; \
         echo @@list; zpool list -Hp -o name,size,alloc,free,frag,cap,health 2>/dev/null; \
         echo @@datasets; zfs list -Hp -t filesystem,volume -o name,used,avail,refer,mountpoint 2>/dev/null; \
         echo @@snapshots; zfs list -Hp -t snapshot -o name,creation 2>/dev/null; \
         echo @@arcstats; cat /proc/spl/kstat/zfs/arcstats 2>/dev/null; true",
        DEFAULT_TIMEOUT,
    )
}

/// Arrays in one round trip: `@@mdstat` (`/proc/mdstat`), `@@unraid-var` and `@@unraid-disks`
/// (`/var/local/emhttp/var.ini`, `disks.ini`); a section is printed only when its file exists,
/// so a device with neither prints nothing.
pub fn arrays() -> Command {
    Command::new(
        "arrays",
        "if [ -r /proc/mdstat ]; then echo @@mdstat; cat /proc/mdstat; fi; \
         if [ -r /var/local/emhttp/var.ini ]; then echo @@unraid-var; cat /var/local/emhttp/var.ini; fi; \
         if [ -r /var/local/emhttp/disks.ini ]; then echo @@unraid-disks; cat /var/local/emhttp/disks.ini; fi; \
         true",
        DEFAULT_TIMEOUT,
    )
}

/// `virsh list --all --name`: one domain name per line.
pub fn virsh_list() -> Command {
    Command::new("virsh_list", "virsh list --all --name", DEFAULT_TIMEOUT)
}

/// Whether `name` is a VM name we are willing to put on a command line:
/// `[A-Za-z0-9][A-Za-z0-9_.+-]*`, at most 200 bytes.
pub fn valid_vm_name(name: &str) -> bool {
    name.len() <= 200
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
}

/// `virsh dominfo` for every VM of `names` in one round trip, each section preceded by an
/// `@@vm` line. Names failing [`valid_vm_name`] are left out and returned as the second value;
/// `None` when no name is left.
pub fn virsh_dominfo(names: &[String]) -> (Option<Command>, Vec<&str>) {
    let mut line = String::new();
    let mut rejected = Vec::new();
    for name in names {
        match shlex::try_quote(name).ok().filter(|_| valid_vm_name(name)) {
            Some(quoted) => {
                line.push_str(&format!("echo @@vm; virsh dominfo --domain {quoted} 2>&1; "))
            }
            None => rejected.push(name.as_str()),
        }
    }
    if line.is_empty() {
        return (None, rejected);
    }
    line.push_str("true");
    (Some(Command::new("virsh_dominfo", line, DEFAULT_TIMEOUT)), rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_names_are_validated_and_quoted() {
        let names: Vec<String> =
            ["test", "win11.gaming", "a b", "x;rm -rf /", "-flag", "", "ok+1_2-3"]
                .into_iter()
                .map(String::from)
                .collect();
        let (cmd, rejected) = virsh_dominfo(&names);
        assert_eq!(rejected, ["a b", "x;rm -rf /", "-flag", ""]);
        assert_eq!(
            cmd.unwrap().line,
            "echo @@vm; virsh dominfo --domain test 2>&1; \
             echo @@vm; virsh dominfo --domain win11.gaming 2>&1; \
             echo @@vm; virsh dominfo --domain ok+1_2-3 2>&1; true"
        );
        assert!(virsh_dominfo(&["$(id)".to_string()]).0.is_none());
    }

    #[test]
    fn zfs_and_arrays_are_sectioned() {
        for marker in ["@@version", "@@status-json", "@@status;", "@@list", "@@arcstats"] {
            assert!(zfs().line.contains(marker), "{marker}");
        }
        assert!(arrays().line.contains("@@unraid-disks"));
    }
}
