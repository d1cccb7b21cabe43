//! Probe slots: which probes a device supervisor runs, how often, and how to build them.

use std::sync::Arc;

use super::{DeviceSpec, ProbeSettings};
use crate::events::Event;
use crate::probes::Probe;
use crate::probes::arrays::ArraysProbe;
use crate::probes::backups::BackupsProbe;
use crate::probes::containers::ContainersProbe;
use crate::probes::drives::DrivesProbe;
use crate::probes::images::ImagesProbe;
use crate::probes::logs::{LogPatterns, LogsProbe};
use crate::probes::metrics::MetricsProbe;
use crate::probes::services::ServicesProbe;
use crate::probes::updates::UpdatesProbe;
use crate::probes::vms::VmsProbe;
use crate::probes::zfs::ZfsProbe;

/// Builds a fresh probe (on first start and after every restart).
pub type ProbeFactory = Arc<dyn Fn() -> Box<dyn Probe> + Send + Sync>;

/// The newest sample event of `(device, probe)`, if one is known: every fresh probe is
/// resumed from it ([`Probe::resume`]), so change detection continues across restarts.
pub type LastSample = Arc<dyn Fn(&str, &str) -> Option<Arc<Event>> + Send + Sync>;

/// A [`LastSample`] that knows none (every probe starts afresh).
pub fn no_last_sample() -> LastSample {
    Arc::new(|_, _| None)
}

/// One probe a device supervisor keeps running.
#[derive(Clone)]
pub struct ProbeSlot {
    /// Probe name; unique per device.
    pub name: &'static str,
    /// Tool the probe needs; the slot is skipped (with a `ProbeSkipped` event) without it.
    pub required_tool: Option<&'static str>,
    /// Poll interval.
    pub settings: ProbeSettings,
    /// Builds the probe.
    pub make: ProbeFactory,
}

impl ProbeSlot {
    /// A slot for probes of type `P`.
    pub fn of<P: Probe + Default>(settings: ProbeSettings) -> Self {
        let sample = P::default();
        Self {
            name: sample.name(),
            required_tool: sample.required_tool(),
            settings,
            make: Arc::new(|| Box::new(P::default())),
        }
    }
}

/// The built-in log patterns, compiled once.
static DEFAULT_PATTERNS: std::sync::LazyLock<Arc<LogPatterns>> =
    std::sync::LazyLock::new(|| Arc::new(LogPatterns::defaults()));

/// The enabled built-in probes of `spec`, with the built-in log patterns.
pub fn default_slots(spec: &DeviceSpec) -> Vec<ProbeSlot> {
    slots_with(spec, &DEFAULT_PATTERNS)
}

/// The enabled built-in probes of `spec`; the `logs` probe reads for `patterns` (and does
/// not run without any).
pub fn slots_with(spec: &DeviceSpec, patterns: &Arc<LogPatterns>) -> Vec<ProbeSlot> {
    let p = &spec.probes;
    let logs = {
        let patterns = patterns.clone();
        let settings = ProbeSettings { enabled: p.logs.enabled && !patterns.is_empty(), ..p.logs };
        ProbeSlot {
            name: "logs",
            required_tool: None,
            settings,
            make: Arc::new(move || Box::new(LogsProbe::new(patterns.clone()))),
        }
    };
    let backups = {
        let jobs = Arc::new(spec.backups.clone());
        let settings =
            ProbeSettings { enabled: p.backups.enabled && !jobs.is_empty(), ..p.backups };
        let zfs = p.zfs.enabled.then_some(p.zfs.interval);
        ProbeSlot {
            name: "backups",
            required_tool: None,
            settings,
            make: Arc::new(move || Box::new(BackupsProbe::new(jobs.clone(), zfs))),
        }
    };
    [
        ProbeSlot::of::<ContainersProbe>(p.containers),
        ProbeSlot::of::<MetricsProbe>(p.metrics),
        ProbeSlot::of::<DrivesProbe>(p.drives),
        ProbeSlot::of::<ZfsProbe>(p.zfs),
        ProbeSlot::of::<ArraysProbe>(p.arrays),
        ProbeSlot::of::<VmsProbe>(p.vms),
        ProbeSlot::of::<ServicesProbe>(p.services),
        ProbeSlot::of::<UpdatesProbe>(p.updates),
        ProbeSlot::of::<ImagesProbe>(p.images),
        logs,
        backups,
    ]
    .into_iter()
    .filter(|s| s.settings.enabled)
    .collect()
}
