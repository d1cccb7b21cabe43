//! The names of event kinds: each kind's `type` tag, the probe a sample comes from, and the
//! list of every tag.

use super::EventKind;

impl EventKind {
    /// For a sample event, the probe that took it (`containers`, `metrics`, …); `None` for
    /// change and lifecycle events.
    pub fn sample_of(&self) -> Option<&'static str> {
        Some(match self {
            Self::ContainerStatsSampled { .. } => "containers",
            Self::MetricsSampled { .. } => "metrics",
            Self::DriveHealthSampled { .. } => "drives",
            Self::PoolStatusSampled { .. } => "zfs",
            Self::ArraysSampled { .. } => "arrays",
            Self::VmsSampled { .. } => "vms",
            Self::ServicesSampled { .. } => "services",
            Self::LogsScanned { .. } => "logs",
            Self::BackupSampled { .. } => "backups",
            Self::ImagesSampled { .. } => "images",
            Self::UpdatesSampled { .. } => "updates",
            _ => return None,
        })
    }

    /// The `type` tag, e.g. `"ContainerDied"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::DeviceOnline { .. } => "DeviceOnline",
            Self::DeviceOffline { .. } => "DeviceOffline",
            Self::CapabilitiesDetected { .. } => "CapabilitiesDetected",
            Self::DeviceRemoved { .. } => "DeviceRemoved",
            Self::ProbeSkipped { .. } => "ProbeSkipped",
            Self::ProbeFailed { .. } => "ProbeFailed",
            Self::PollerRestarted { .. } => "PollerRestarted",
            Self::ContainerStatsSampled { .. } => "ContainerStatsSampled",
            Self::ContainerCreated { .. } => "ContainerCreated",
            Self::ContainerStarted { .. } => "ContainerStarted",
            Self::ContainerStopped { .. } => "ContainerStopped",
            Self::ContainerDied { .. } => "ContainerDied",
            Self::ContainerRemoved { .. } => "ContainerRemoved",
            Self::ContainerRestarted { .. } => "ContainerRestarted",
            Self::ContainerRestartLoopDetected { .. } => "ContainerRestartLoopDetected",
            Self::ContainerHealthChanged { .. } => "ContainerHealthChanged",
            Self::ContainerImageChanged { .. } => "ContainerImageChanged",
            Self::MetricsSampled { .. } => "MetricsSampled",
            Self::DriveHealthSampled { .. } => "DriveHealthSampled",
            Self::DriveHealthChanged { .. } => "DriveHealthChanged",
            Self::SmartAttributeIncreased { .. } => "SmartAttributeIncreased",
            Self::DriveTemperatureCrossed { .. } => "DriveTemperatureCrossed",
            Self::LogsScanned { .. } => "LogsScanned",
            Self::LogPatternMatched { .. } => "LogPatternMatched",
            Self::ServicesSampled { .. } => "ServicesSampled",
            Self::ServiceFailed { .. } => "ServiceFailed",
            Self::ServiceRecovered { .. } => "ServiceRecovered",
            Self::BackupSampled { .. } => "BackupSampled",
            Self::BackupFailed { .. } => "BackupFailed",
            Self::BackupOverdue { .. } => "BackupOverdue",
            Self::BackupRecovered { .. } => "BackupRecovered",
            Self::ImagesSampled { .. } => "ImagesSampled",
            Self::ImageUpdateAvailable { .. } => "ImageUpdateAvailable",
            Self::UpdatesSampled { .. } => "UpdatesSampled",
            Self::UpdatesAvailable { .. } => "UpdatesAvailable",
            Self::PoolStatusSampled { .. } => "PoolStatusSampled",
            Self::PoolStateChanged { .. } => "PoolStateChanged",
            Self::ScrubFinished { .. } => "ScrubFinished",
            Self::ResilverFinished { .. } => "ResilverFinished",
            Self::ArraysSampled { .. } => "ArraysSampled",
            Self::ArrayDegraded { .. } => "ArrayDegraded",
            Self::ArrayRecovered { .. } => "ArrayRecovered",
            Self::VmsSampled { .. } => "VmsSampled",
            Self::VmStateChanged { .. } => "VmStateChanged",
            Self::ActionPerformed { .. } => "ActionPerformed",
            Self::MaintenanceChanged { .. } => "MaintenanceChanged",
            Self::AlertRaised { .. } => "AlertRaised",
            Self::AlertResolved { .. } => "AlertResolved",
            Self::AlertAcknowledged { .. } => "AlertAcknowledged",
            Self::AlertSilenced { .. } => "AlertSilenced",
        }
    }
}

/// Every `type` tag, in declaration order (the store and the query layer validate filters
/// against it).
pub const TYPE_NAMES: &[&str] = &[
    "DeviceOnline",
    "DeviceOffline",
    "CapabilitiesDetected",
    "DeviceRemoved",
    "ProbeSkipped",
    "ProbeFailed",
    "PollerRestarted",
    "ContainerStatsSampled",
    "ContainerCreated",
    "ContainerStarted",
    "ContainerStopped",
    "ContainerDied",
    "ContainerRemoved",
    "ContainerRestarted",
    "ContainerRestartLoopDetected",
    "ContainerHealthChanged",
    "ContainerImageChanged",
    "MetricsSampled",
    "DriveHealthSampled",
    "DriveHealthChanged",
    "SmartAttributeIncreased",
    "DriveTemperatureCrossed",
    "LogsScanned",
    "LogPatternMatched",
    "ServicesSampled",
    "ServiceFailed",
    "ServiceRecovered",
    "BackupSampled",
    "BackupFailed",
    "BackupOverdue",
    "BackupRecovered",
    "ImagesSampled",
    "ImageUpdateAvailable",
    "UpdatesSampled",
    "UpdatesAvailable",
    "PoolStatusSampled",
    "PoolStateChanged",
    "ScrubFinished",
    "ResilverFinished",
    "ArraysSampled",
    "ArrayDegraded",
    "ArrayRecovered",
    "VmsSampled",
    "VmStateChanged",
    "ActionPerformed",
    "MaintenanceChanged",
    "AlertRaised",
    "AlertResolved",
    "AlertAcknowledged",
    "AlertSilenced",
];

/// Whether `name` is the `type` tag of an event kind.
pub fn is_known_type(name: &str) -> bool {
    TYPE_NAMES.contains(&name)
}
