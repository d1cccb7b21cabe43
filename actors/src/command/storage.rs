//! Catalogue commands of the ZFS, arrays and VMs probes.

use super::{Command, DEFAULT_TIMEOUT, MAX_BATCH, MAX_BATCH_BYTES};

/// ZFS state in one round trip, in sections: `version` (`zpool version`), `status-json`
/// (`zpool status -j --json-int`, OpenZFS ≥ 2.3) or else `status` (`zpool status -p` text),
/// `list` (`zpool list -Hp`), `datasets` and `snapshots` (`zfs list -Hp`), `arcstats`
/// (`/proc/spl/kstat/zfs/arcstats`). Every section but `status-json`/`status` is always
/// printed, and exactly one of those two.
pub fn zfs() -> Command {
    Command::sectioned(
        "zfs",
        "section version; zpool version 2>/dev/null; \
         if out=$(zpool status -j --json-int -p 2>/dev/null); then \
         section status-json; printf '%s\\n' \"$out\"; \
         else section status; zpool status -p 2>&1; fi; \
         section list; zpool list -Hp -o name,size,alloc,free,frag,cap,health 2>/dev/null; \
         section datasets; zfs list -Hp -t filesystem,volume -o name,used,avail,refer,mountpoint 2>/dev/null; \
         section snapshots; zfs list -Hp -t snapshot -o name,creation 2>/dev/null; \
         section arcstats; cat /proc/spl/kstat/zfs/arcstats 2>/dev/null; true",
        DEFAULT_TIMEOUT,
    )
}

/// Arrays in one round trip: sections `mdstat` (`/proc/mdstat`), `unraid-var` and
/// `unraid-disks` (`/var/local/emhttp/var.ini`, `disks.ini`); a section is printed only when
/// its file exists, so a device with neither prints nothing.
pub fn arrays() -> Command {
    Command::sectioned(
        "arrays",
        "if [ -r /proc/mdstat ]; then section mdstat; cat /proc/mdstat; fi; \
         if [ -r /var/local/emhttp/var.ini ]; then section unraid-var; cat /var/local/emhttp/var.ini; fi; \
         if [ -r /var/local/emhttp/disks.ini ]; then section unraid-disks; cat /var/local/emhttp/disks.ini; fi; \
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

/// `virsh dominfo` for every VM of `names`, each preceded by a `vm` section marker, in
/// batches of at most [`MAX_BATCH`] VMs and about [`MAX_BATCH_BYTES`] of command line (one
/// round trip each). Names failing [`valid_vm_name`] are left out and returned as the second
/// value; no command when no name is left. Each batch's sections come in its names' order.
pub fn virsh_dominfo(names: &[String]) -> (Vec<(Command, Vec<String>)>, Vec<&str>) {
    let mut batches = Vec::new();
    let mut rejected = Vec::new();
    let mut body = String::new();
    let mut batch = Vec::new();
    for name in names {
        let Some(quoted) = shlex::try_quote(name).ok().filter(|_| valid_vm_name(name)) else {
            rejected.push(name.as_str());
            continue;
        };
        let part = format!("section vm; virsh dominfo --domain {quoted} 2>&1; ");
        if !batch.is_empty()
            && (batch.len() >= MAX_BATCH || body.len() + part.len() > MAX_BATCH_BYTES)
        {
            batches.push(dominfo_batch(std::mem::take(&mut body), std::mem::take(&mut batch)));
        }
        body.push_str(&part);
        batch.push(name.clone());
    }
    if !batch.is_empty() {
        batches.push(dominfo_batch(body, batch));
    }
    (batches, rejected)
}

fn dominfo_batch(mut body: String, names: Vec<String>) -> (Command, Vec<String>) {
    body.push_str("true");
    (Command::sectioned("virsh_dominfo", &body, DEFAULT_TIMEOUT), names)
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
        let (batches, rejected) = virsh_dominfo(&names);
        assert_eq!(rejected, ["a b", "x;rm -rf /", "-flag", ""]);
        let [(cmd, batch)] = batches.as_slice() else { panic!("{batches:?}") };
        assert_eq!(batch, &["test", "win11.gaming", "ok+1_2-3"]);
        let body = "section vm; virsh dominfo --domain test 2>&1; \
             section vm; virsh dominfo --domain win11.gaming 2>&1; \
             section vm; virsh dominfo --domain ok+1_2-3 2>&1; true";
        assert_eq!(
            cmd.line,
            format!("N={}; {}{body}", cmd.section_nonce(), super::super::SECTION_PRELUDE)
        );
        assert!(virsh_dominfo(&["$(id)".to_string()]).0.is_empty());
    }

    #[test]
    fn a_thousand_vms_are_split_into_bounded_batches() {
        let names: Vec<String> =
            (0..1000).map(|i| format!("vm-{i:04}-{}", "x".repeat(180))).collect();
        let (batches, rejected) = virsh_dominfo(&names);
        assert!(rejected.is_empty());
        assert!(batches.len() >= 10, "{}", batches.len());
        let mut seen = Vec::new();
        for (cmd, batch) in &batches {
            assert!(batch.len() <= MAX_BATCH && cmd.line.len() <= MAX_BATCH_BYTES + 200);
            assert_eq!(cmd.line.matches("virsh dominfo").count(), batch.len());
            seen.extend(batch.iter().cloned());
        }
        assert_eq!(seen, names, "every name once, in order");
    }

    #[test]
    fn zfs_and_arrays_are_sectioned() {
        for marker in [
            "section version;",
            "section status-json;",
            "section status;",
            "section list;",
            "section arcstats;",
        ] {
            assert!(zfs().line.contains(marker), "{marker}");
        }
        assert!(arrays().line.contains("section unraid-disks;"));
        let prelude = super::super::SECTION_PRELUDE;
        assert_eq!(zfs().line.matches("@@").count(), prelude.matches("@@").count());
        assert_ne!(zfs().section_nonce(), zfs().section_nonce());
    }
}
