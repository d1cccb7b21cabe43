//! `/api/devices…`: the fleet list, one device's info, its current state, a connectivity
//! check, the registry (add, replace, remove, import; admin) and maintenance mode.

use std::collections::BTreeMap;

use infrastructor_actors::device::CheckReport;
use infrastructor_actors::query::{DeviceInfo, DeviceList, MaintenanceState};
use infrastructor_actors::state::DeviceView;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use schemars::JsonSchema;
use serde::Deserialize;

use super::Tag;
use super::call::{Api, Reply, args};
use super::error::Failure;
use super::schema::{Answer, Input};
use crate::auth::Caller;
use crate::mcp::tools::devices::{Changed, DeviceArgs, ImportArgs, Imported};

/// The REST face of the device tools.
pub struct Devices(pub Api);

/// A device was added.
#[derive(ApiResponse)]
pub enum Added {
    /// Added and persisted; its supervisor has started.
    #[oai(status = 201)]
    Created(Json<Answer<Changed>>),
}

/// Maintenance mode to set (checked here, then passed on as the tool's arguments).
#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceBody {
    /// `true` to silence the device's alerts, `false` to end maintenance.
    pub on: bool,
    /// When it ends by itself: RFC 3339, or a duration from now such as `2h` (default:
    /// until switched off).
    pub until: Option<String>,
    /// Why (shown in the recorded event).
    pub reason: Option<String>,
}

/// Every device's current state, by name.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct States(BTreeMap<String, DeviceView<'static>>);

#[OpenApi(tag = "Tag::Devices")]
impl Devices {
    /// Every device
    ///
    /// Status (online/offline/unknown) and since when, tags, where it comes from (`config`
    /// or `api`), and how many open problems it has.
    #[oai(path = "/devices", method = "get", operation_id = "list_devices")]
    async fn list(&self, caller: Data<&Caller>) -> Reply<DeviceList> {
        self.0.call(&caller, "list_devices", args! {}).await
    }

    /// Add a device (admin)
    ///
    /// Starts monitoring a new device over SSH and persists it. Validated like a
    /// `[[devices]]` entry of the config file; the supervisor starts at once.
    #[oai(path = "/devices", method = "post", operation_id = "add_device")]
    async fn add(
        &self,
        caller: Data<&Caller>,
        body: Json<Input<DeviceArgs>>,
    ) -> Result<Added, Failure> {
        let Json(reply) = self.0.call(&caller, "add_device", body.0.raw).await?;
        Ok(Added::Created(Json(reply)))
    }

    /// Import from an OpenSSH client config (admin)
    ///
    /// One device per concrete `Host` alias; without `apply: true` it only lists what it
    /// would add.
    #[oai(path = "/devices/import", method = "post", operation_id = "import_devices")]
    async fn import(
        &self,
        caller: Data<&Caller>,
        body: Json<Input<ImportArgs>>,
    ) -> Reply<Imported> {
        self.0.call(&caller, "import_devices_from_ssh_config", body.0.raw).await
    }

    /// One device in depth
    ///
    /// Capabilities (which tools it has), kernel, uptime, last seen, and every probe's last
    /// poll, failure or skip reason.
    #[oai(path = "/devices/:device", method = "get", operation_id = "get_device")]
    async fn info(
        &self,
        caller: Data<&Caller>,
        #[oai(example = "super::example_device")] device: Path<String>,
    ) -> Reply<DeviceInfo> {
        self.0.call(&caller, "get_device_info", args! { device }).await
    }

    /// Replace a device's settings (admin)
    ///
    /// Only devices added through the API; its supervisor restarts with the new settings at
    /// once. A device from the config file is a 409: edit the file. `name` must be the
    /// device's.
    #[oai(path = "/devices/:device", method = "put", operation_id = "update_device")]
    async fn update(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        body: Json<Input<DeviceArgs>>,
    ) -> Reply<Changed> {
        if body.0.value.name != device.0 {
            let msg =
                format!("name `{}` differs from the device `{}`", body.0.value.name, device.0);
            return Err(Failure::invalid("name", msg));
        }
        self.0.call(&caller, "edit_device", body.0.raw).await
    }

    /// Remove a device (admin)
    ///
    /// Stops monitoring a device added through the API and deletes it from the registry;
    /// its history stays. A device from the config file is a 409: edit the file.
    #[oai(path = "/devices/:device", method = "delete", operation_id = "remove_device")]
    async fn remove(
        &self,
        caller: Data<&Caller>,
        #[oai(example = "super::example_device")] device: Path<String>,
    ) -> Reply<Changed> {
        self.0.call(&caller, "remove_device", args! { device }).await
    }

    /// Current state of every device
    ///
    /// Online or offline since when, tools, the latest sample of every probe with its age,
    /// skipped and failing probes, maintenance; from memory, never polls.
    #[oai(path = "/state", method = "get", operation_id = "get_fleet_state")]
    async fn states(&self) -> Reply<States> {
        let snap = self.0.handle.snapshot();
        let now = chrono::Utc::now();
        let views: serde_json::Map<String, serde_json::Value> = snap
            .devices
            .iter()
            .map(|(name, state)| (name.clone(), serde_json::json!(DeviceView { name, state, now })))
            .collect();
        Ok(Json(Answer::from_value(serde_json::Value::Object(views))))
    }

    /// Current state of one device
    ///
    /// As `/api/state`, for one device.
    #[oai(path = "/devices/:device/state", method = "get", operation_id = "get_device_state")]
    async fn state(
        &self,
        #[oai(example = "super::example_device")] device: Path<String>,
    ) -> Reply<DeviceView<'static>> {
        let state = self.0.handle.device(&device.0)?;
        let view = DeviceView { name: &device.0, state: &state, now: chrono::Utc::now() };
        Ok(Json(Answer::from_value(serde_json::json!(view))))
    }

    /// Check a device now
    ///
    /// Connects on its own on-demand session: host key verification, authentication,
    /// which tools it has, and the round-trip time of one command.
    #[oai(path = "/devices/:device/check", method = "post", operation_id = "check_device")]
    async fn check(
        &self,
        caller: Data<&Caller>,
        #[oai(example = "super::example_device")] device: Path<String>,
    ) -> Reply<CheckReport> {
        self.0.call(&caller, "check_device", args! { device }).await
    }

    /// Set maintenance mode (admin, allow_actions)
    ///
    /// On (until a time, or until switched off) or off. Alerts are silenced while on;
    /// recorded as a `MaintenanceChanged` event.
    #[oai(path = "/devices/:device/maintenance", method = "put", operation_id = "set_maintenance")]
    async fn maintenance(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        body: Json<Input<MaintenanceBody>>,
    ) -> Reply<MaintenanceState> {
        self.0.actions(&caller)?;
        let mut a = body.0.raw;
        a.insert("device".into(), device.0.into());
        a.insert("confirm".into(), true.into());
        self.0.call(&caller, "set_maintenance_mode", a).await
    }
}
