//! Every event kind, as past-tense facts: samples (`…Sampled`) and changes derived by diffing.

use serde::{Deserialize, Serialize};

use crate::model::alerts::{Alert, Severity, Suppressed};
use crate::model::arrays::ArraysSample;
use crate::model::backups::BackupStatus;
use crate::model::capabilities::Capabilities;
use crate::model::containers::Container;
use crate::model::drives::Drive;
use crate::model::images::{ImageStatus, ImageUpdate};
use crate::model::logs::LogMatch;
use crate::model::metrics::MetricsSample;
use crate::model::refs::{ContainerRef, DriveRef};
use crate::model::services::FailedUnit;
use crate::model::updates::Package;
use crate::model::vms::Vm;
use crate::model::zfs::ZfsSample;

/// What an [`Event`](super::Event) says. Serialized as `{"type": "<Variant>", "payload": {..}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum EventKind {
    /// The device answered after being offline (or for the first time).
    DeviceOnline {
        /// `ssh user@host:port` or `local`.
        transport: String,
    },
    /// The device failed `consecutive_failures` polls in a row and is now retried with backoff.
    DeviceOffline {
        /// Consecutive transport failures that tripped the threshold.
        consecutive_failures: u32,
        /// The last transport error, secrets removed.
        reason: String,
    },
    /// The device was removed from the fleet: it is no longer monitored, and its current
    /// state is forgotten (its history stays).
    DeviceRemoved {},
    /// Tools detected on the device after (re)connecting.
    CapabilitiesDetected {
        /// What was found.
        capabilities: Capabilities,
    },
    /// A probe is not run on this device, and why (e.g. its tool is missing).
    ProbeSkipped {
        /// Probe name (`containers`, `metrics`, `drives`).
        probe: String,
        /// Human-readable reason.
        reason: String,
    },
    /// A probe's poll failed for a reason other than the device being unreachable.
    ProbeFailed {
        /// Probe name.
        probe: String,
        /// What went wrong, secrets removed.
        error: String,
    },
    /// A poller actor crashed and was restarted by its device supervisor's policy.
    PollerRestarted {
        /// Probe name.
        probe: String,
        /// Restarts inside the current policy window, including this one.
        restarts_in_window: u32,
        /// Why the poller stopped.
        reason: String,
    },
    /// One poll of every container on the device (`docker ps -a` + `docker stats`).
    ContainerStatsSampled {
        /// Every container, running or not.
        containers: Vec<Container>,
    },
    /// A container appeared.
    ContainerCreated {
        /// Which container.
        container: ContainerRef,
    },
    /// A container went from not running to running.
    ContainerStarted {
        /// Which container.
        container: ContainerRef,
    },
    /// A container exited with status 0 (or was stopped cleanly).
    ContainerStopped {
        /// Which container.
        container: ContainerRef,
        /// Exit code, when known.
        exit_code: Option<i64>,
    },
    /// A container exited with a non-zero status.
    ContainerDied {
        /// Which container.
        container: ContainerRef,
        /// Exit code, when known.
        exit_code: Option<i64>,
        /// Whether the kernel OOM killer killed it, from `docker inspect`; `None` when unknown.
        #[serde(default)]
        oom_killed: Option<bool>,
    },
    /// A container disappeared.
    ContainerRemoved {
        /// Which container.
        container: ContainerRef,
    },
    /// A container kept running but was restarted between two polls (its restart count went
    /// up or its start time changed; without inspect data, its uptime went down).
    ContainerRestarted {
        /// Which container.
        container: ContainerRef,
        /// Restarts since the previous poll: how far the engine's restart count rose when
        /// `docker inspect` shows it, else 1 (one event per poll, never one per restart).
        #[serde(default = "one")]
        restarts: u64,
    },
    /// A container restarted at least 3 times within 5 minutes; reported once per episode
    /// (until it has been quiet for a whole window).
    ContainerRestartLoopDetected {
        /// Which container.
        container: ContainerRef,
        /// Restarts seen inside the window.
        restarts: u64,
        /// The window, seconds.
        window_secs: u64,
    },
    /// A container's healthcheck status changed (`starting`, `healthy`, `unhealthy`).
    ContainerHealthChanged {
        /// Which container.
        container: ContainerRef,
        /// Health before, `None` when the container had no health status (e.g. it was stopped).
        previous: Option<String>,
        /// Health now.
        current: Option<String>,
    },
    /// A container was recreated under the same name from a different image reference
    /// (e.g. `docker compose up` after a pull); comes after the `ContainerCreated` of the new id.
    ContainerImageChanged {
        /// The new container.
        container: ContainerRef,
        /// Id of the container it replaced.
        previous_id: String,
        /// Image reference of the container it replaced.
        previous_image: String,
    },
    /// One sample of system metrics.
    MetricsSampled {
        /// The sample.
        sample: MetricsSample,
    },
    /// One poll of every SMART-capable drive.
    DriveHealthSampled {
        /// Every drive found by `smartctl --scan-open`.
        drives: Vec<Drive>,
    },
    /// A drive's SMART overall self-assessment changed between two samples in which it was
    /// awake (waking from standby is not a change).
    DriveHealthChanged {
        /// Which drive.
        drive: DriveRef,
        /// Verdict before: `passed` or `failed`.
        previous: String,
        /// Verdict now: `passed` or `failed`.
        current: String,
    },
    /// An error counter of a drive went up: reallocated, pending or offline-uncorrectable
    /// sectors, CRC errors, reported-uncorrectable errors, NVMe media errors or error-log
    /// entries, SCSI grown defects.
    SmartAttributeIncreased {
        /// Which drive.
        drive: DriveRef,
        /// Counter name as smartctl calls it, e.g. `Reallocated_Sector_Ct`, `media_errors`.
        attribute: String,
        /// Value at the previous awake sample.
        previous: u64,
        /// Value now.
        current: u64,
    },
    /// A drive's temperature crossed its threshold (55 °C for HDD/SSD, 70 °C for NVMe); it
    /// is reported falling again only once 3 °C below the threshold.
    DriveTemperatureCrossed {
        /// Which drive.
        drive: DriveRef,
        /// Temperature now, °C.
        temperature_c: i64,
        /// The threshold crossed, °C.
        threshold_c: i64,
        /// `true` when it went above the threshold, `false` when it came back below.
        rising: bool,
    },
    /// One poll of the logs (the journal and the running containers' logs) for the log
    /// patterns: the window read, and the matches of the last 24 hours.
    LogsScanned {
        /// Start of the window read (the device's clock).
        from: chrono::DateTime<chrono::Utc>,
        /// End of the window, exclusive: the next poll starts here, so no line is read twice.
        until: chrono::DateTime<chrono::Utc>,
        /// The sources read: `journal`, `container:<name>`.
        sources: Vec<String>,
        /// Matches of the last 24 hours, by pattern and source, newest lines as evidence.
        recent: Vec<LogMatch>,
        /// Sources that could not be read, and why.
        errors: Vec<String>,
    },
    /// Lines read by this poll matched a log pattern (once per pattern and source).
    LogPatternMatched {
        /// The pattern, the source, how many lines and the lines.
        matched: LogMatch,
    },
    /// One poll of the failed systemd units.
    ServicesSampled {
        /// Every unit in the `failed` state, in name order (empty when all is well).
        failed: Vec<FailedUnit>,
    },
    /// A systemd unit entered the `failed` state (or was failed when monitoring started).
    ServiceFailed {
        /// Unit name, e.g. `nginx.service`.
        unit: String,
        /// The unit's description.
        description: String,
    },
    /// A systemd unit that was failed is no longer failed (restarted, reset or removed).
    ServiceRecovered {
        /// Unit name.
        unit: String,
    },
    /// One poll of the declared backup jobs.
    BackupSampled {
        /// Every job of the device, in declaration order, with its verdict and evidence.
        jobs: Vec<BackupStatus>,
    },
    /// A backup job's last run failed, or its status could not be read (or it was so when
    /// monitoring started).
    BackupFailed {
        /// The job's name.
        job: String,
        /// `restic`, `systemd`, `file` or `zfs`.
        kind: String,
        /// Why, e.g. restic's error line or the unit's `Result=`.
        detail: String,
    },
    /// A backup job's last success is older than its `max_age` (or there is none).
    BackupOverdue {
        /// The job's name.
        job: String,
        /// `restic`, `systemd`, `file` or `zfs`.
        kind: String,
        /// When the last success finished, if there is one.
        last_success: Option<chrono::DateTime<chrono::Utc>>,
        /// How old the last success may be, in seconds.
        max_age_seconds: u64,
    },
    /// A backup job that was failed or overdue is fine again.
    BackupRecovered {
        /// The job's name.
        job: String,
        /// When the last success finished.
        last_success: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// One poll of the images in use, each compared with its registry.
    ImagesSampled {
        /// Every (reference, image) in use by containers, by reference.
        images: Vec<ImageStatus>,
    },
    /// A registry has a newer image under a tag in use (once per new remote digest).
    ImageUpdateAvailable {
        /// The image, its containers and both digests.
        update: ImageUpdate,
    },
    /// One poll of the upgradable packages (from the local package cache; nothing refreshed).
    UpdatesSampled {
        /// Package manager: `apt`, `dnf` or `pacman`.
        manager: String,
        /// Every upgradable package, in name order.
        packages: Vec<Package>,
        /// How many of `packages` are security updates.
        security_count: u32,
        /// Since when security updates have been pending without a break (`None` when there
        /// are none); kept across restarts, so the `updates` rule's limit is measured from
        /// when they appeared, not from when the server started.
        #[serde(default)]
        security_since: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Updates became available (the count went from 0 to more), or more security updates
    /// are pending than at the previous poll.
    UpdatesAvailable {
        /// Upgradable packages now.
        count: u32,
        /// Security updates among them.
        security_count: u32,
    },
    /// One poll of ZFS: pools with vdev tree and scan state, datasets, snapshots, ARC.
    PoolStatusSampled {
        /// The sample.
        sample: ZfsSample,
    },
    /// A pool's health changed (e.g. `ONLINE` → `DEGRADED`), or a pool appeared or vanished.
    PoolStateChanged {
        /// Pool name.
        pool: String,
        /// Health before; `None` when the pool was not there.
        previous: Option<String>,
        /// Health now; `None` when the pool is gone (exported or destroyed).
        current: Option<String>,
    },
    /// A scrub finished since the previous poll.
    ScrubFinished {
        /// Pool name.
        pool: String,
        /// Errors the scrub found, when reported.
        errors: Option<u64>,
        /// When it finished: as the device prints it (text status, device local time) or
        /// RFC 3339 (JSON status).
        finished_at: Option<String>,
    },
    /// A resilver finished since the previous poll.
    ResilverFinished {
        /// Pool name.
        pool: String,
        /// Errors the resilver found, when reported.
        errors: Option<u64>,
        /// When it finished, same format as in `ScrubFinished`.
        finished_at: Option<String>,
    },
    /// One poll of the device's RAID arrays (Linux md and/or the Unraid array).
    ArraysSampled {
        /// The sample.
        sample: ArraysSample,
    },
    /// An array became degraded (a member failed or is missing, or the Unraid array lost a
    /// disk), or a degraded array appeared.
    ArrayDegraded {
        /// Array name (`md0`, or `unraid`).
        array: String,
        /// What is wrong, e.g. `[2/1] [U_]` or `disk2 DISK_DSBL`.
        detail: String,
    },
    /// A degraded array is whole again.
    ArrayRecovered {
        /// Array name.
        array: String,
    },
    /// One poll of every libvirt domain.
    VmsSampled {
        /// Every domain, running or not.
        vms: Vec<Vm>,
    },
    /// A VM's state changed (e.g. `running` → `shut off`), or a VM was defined or undefined.
    VmStateChanged {
        /// Domain name.
        vm: String,
        /// State before; `None` when the VM was not there.
        previous: Option<String>,
        /// State now; `None` when the VM is gone.
        current: Option<String>,
    },
    /// An admin ran an action on the device through the API or MCP (recorded whether it
    /// worked or not).
    ActionPerformed {
        /// What was done, e.g. `container.restart`.
        action: String,
        /// What it was done to (a container name).
        target: String,
        /// The token name of the caller.
        by: String,
        /// Whether it worked.
        ok: bool,
        /// The tool's answer or the error, first line, secrets removed.
        detail: String,
    },
    /// Maintenance mode was switched on or off for the device (alerts are silenced while on).
    MaintenanceChanged {
        /// On or off.
        on: bool,
        /// When it ends by itself; `None`: until switched off.
        until: Option<chrono::DateTime<chrono::Utc>>,
        /// The token name of the caller.
        by: String,
        /// Why, as given.
        reason: Option<String>,
    },
    /// An alert began firing, escalated (`previous` is the lower severity), or is sent again
    /// while it keeps firing (`renotify`).
    AlertRaised {
        /// The alert as it stands.
        alert: Alert,
        /// The severity before an escalation; `None` when the alert is new.
        previous: Option<Severity>,
        /// A reminder of an alert that keeps firing (the re-notify interval passed).
        #[serde(default)]
        renotify: bool,
        /// Why no notification is sent for it, if none is.
        suppressed: Option<Suppressed>,
    },
    /// An alert stopped firing (its condition cleared past the hysteresis, or its object is
    /// gone).
    AlertResolved {
        /// The alert as it was last raised.
        alert: Alert,
        /// Why no notification is sent for it, if none is (the raise was not sent either).
        suppressed: Option<Suppressed>,
    },
    /// An admin acknowledged a firing alert: reminders stop; escalations and the recovery
    /// are still sent.
    AlertAcknowledged {
        /// The alert's key.
        key: String,
        /// The token name of the caller.
        by: String,
        /// Why, as given.
        comment: Option<String>,
    },
    /// An admin silenced an alert key, or a rule on the device (`key` = `rule/device`),
    /// until a time: nothing is sent for it until then.
    AlertSilenced {
        /// The alert key or `rule/device` prefix silenced.
        key: String,
        /// When the silence ends.
        until: chrono::DateTime<chrono::Utc>,
        /// The token name of the caller.
        by: String,
        /// Why, as given.
        reason: Option<String>,
    },
}

/// Serde default of `ContainerRestarted::restarts` (events stored before the field existed).
fn one() -> u64 {
    1
}
