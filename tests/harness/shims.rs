//! Shim bodies for tools that have no built-in shim (see `SimDevice::install_tool`): each
//! replays files under the device's state dir.

/// `zpool version|status|list`; `status -j` replays `zpool/status-json` (make it fail with
/// `status-json.exit` to simulate OpenZFS < 2.3).
pub const ZPOOL: &str = r#"case "${1:-}" in
  version) replay "$S/zpool/version" ;;
  status) case " $* " in *" -j "*) replay "$S/zpool/status-json" ;; *) replay "$S/zpool/status" ;; esac ;;
  list) replay "$S/zpool/list" ;;
  *) echo "zpool (simulated): unsupported command: $*" >&2; exit 1 ;;
esac
"#;

/// `zfs list ... -t snapshot ...` replays `zfs/snapshots`, any other `zfs list` `zfs/datasets`.
pub const ZFS: &str = r#"case " $* " in
  *" list "*snapshot*) replay "$S/zfs/snapshots" ;;
  *" list "*) replay "$S/zfs/datasets" ;;
  *) echo "zfs (simulated): unsupported command: $*" >&2; exit 1 ;;
esac
"#;

/// `virsh list --all --name` replays `virsh/list`; `virsh dominfo --domain X` replays
/// `virsh/dominfo-X`, or fails like virsh for an unknown domain.
pub const VIRSH: &str = r#"case "${1:-}" in
  list) replay "$S/virsh/list" ;;
  dominfo)
    f="$S/virsh/dominfo-${3:-}"
    [ -f "$f" ] && replay "$f"
    echo "error: failed to get domain '${3:-}'" >&2; exit 1 ;;
  *) echo "virsh (simulated): unsupported command: $*" >&2; exit 1 ;;
esac
"#;

/// `systemctl list-units` replays `systemctl/failed`; `systemctl show … <unit>` replays
/// `systemctl/show-<unit>` (a unit without that file is `not-found`).
pub const SYSTEMCTL: &str = r#"case "$*" in
  *list-units*) replay "$S/systemctl/failed" ;;
  show\ *)
    for u; do :; done
    f="$S/systemctl/show-$u"
    [ -f "$f" ] && replay "$f"
    printf 'LoadState=not-found\nActiveState=inactive\nSubState=dead\nResult=success\n' ;;
  *) echo "systemctl (simulated): unsupported arguments: $*" >&2; exit 1 ;;
esac
"#;

pub const APT: &str = r#"case "${1:-} ${2:-}" in
  "list --upgradable") replay "$S/apt/upgradable" ;;
  *) echo "apt (simulated): unsupported arguments: $*" >&2; exit 100 ;;
esac
"#;

/// `df` that runs the system's own (so the hang switch can make it a stale NFS mount).
pub const DF: &str = r#"exec /usr/bin/df "$@"
"#;

/// `sensors -j` replays `sensors/json` (+ `.exit`).
pub const SENSORS: &str = r#"replay "$S/sensors/json"
"#;

/// `docker` with `logs` and `network ls` besides the probe's commands.
pub const DOCKER_READS: &str = r#"case "${1:-}" in
  ps|stats|inspect|version) replay "$S/docker/$1" ;;
  logs) replay "$S/docker/logs" ;;
  network) replay "$S/docker/network" ;;
  *) echo "docker (simulated): unsupported command: $*" >&2; exit 1 ;;
esac
"#;

/// `journalctl -o json …` replays `journal`.
pub const JOURNALCTL: &str = r#"replay "$S/journal"
"#;

/// `docker` that also starts, stops and restarts: an action rewrites the container's state in
/// the replayed `ps` output, the way the engine would.
pub const DOCKER_ACTIONS: &str = r#"case "${1:-}" in
  ps|stats|inspect|version) replay "$S/docker/$1" ;;
  start|restart) sed -i "/\"Names\":\"$2\"/s/\"State\":\"[a-z]*\"/\"State\":\"running\"/" "$S/docker/ps"; echo "$2" ;;
  stop) sed -i "/\"Names\":\"$2\"/s/\"State\":\"[a-z]*\"/\"State\":\"exited\"/" "$S/docker/ps"; echo "$2" ;;
  *) echo "docker (simulated): unsupported command: $*" >&2; exit 1 ;;
esac
"#;
