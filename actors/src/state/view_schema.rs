//! The JSON Schema of [`DeviceView`] (it serializes by hand, so its shape is described here,
//! field by field, in the order it is written).

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::view::{DeviceView, SampleAge};
use super::{Maintenance, ProbeFailure};
use crate::model::arrays::ArraysSample;
use crate::model::capabilities::Capabilities;
use crate::model::containers::Container;
use crate::model::drives::Drive;
use crate::model::metrics::MetricsSample;
use crate::model::services::FailedUnit;
use crate::model::updates::Package;
use crate::model::vms::Vm;
use crate::model::zfs::ZfsSample;

/// The last updates sample.
#[allow(dead_code)]
#[derive(JsonSchema)]
struct UpdatesView {
    /// The package manager (`apt`, `dnf`, `pacman`).
    manager: String,
    /// Pending packages, security updates first.
    packages: Vec<Package>,
    /// How many of them are security updates.
    security_count: u32,
}

/// The current state of one device: status, tools, and the latest sample of every probe.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(rename = "DeviceState")]
struct Shape {
    /// Device name.
    name: String,
    /// `true` online, `false` offline, `null` not yet known.
    online: Option<bool>,
    /// When the online/offline status last changed.
    since: Option<DateTime<Utc>>,
    /// The last transport error while offline.
    offline_reason: Option<String>,
    /// When anything was last heard from the device.
    last_seen: Option<DateTime<Utc>>,
    /// Detected tools.
    capabilities: Option<Capabilities>,
    /// When each probe's latest sample was taken, by probe name.
    samples: BTreeMap<String, SampleAge>,
    /// Containers of the latest containers sample.
    containers: Vec<Container>,
    /// The latest metrics sample.
    metrics: Option<MetricsSample>,
    /// Drives of the latest drives sample.
    drives: Vec<Drive>,
    /// The latest ZFS sample.
    zfs: Option<ZfsSample>,
    /// The latest arrays sample.
    arrays: Option<ArraysSample>,
    /// VMs of the latest VMs sample.
    vms: Vec<Vm>,
    /// Failed units of the latest services sample (`null` before the first).
    failed_units: Option<Vec<FailedUnit>>,
    /// The latest updates sample.
    updates: Option<UpdatesView>,
    /// Probes skipped, with the reason.
    skipped: BTreeMap<String, String>,
    /// Current failure per probe.
    failures: BTreeMap<String, ProbeFailure>,
    /// Maintenance mode, while on.
    maintenance: Option<Maintenance>,
}

impl JsonSchema for DeviceView<'_> {
    fn schema_name() -> Cow<'static, str> {
        Shape::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Shape::json_schema(generator)
    }
}
