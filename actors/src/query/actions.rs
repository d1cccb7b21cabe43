//! Actions (admin, and only when the config allows them): start, stop or restart a
//! container, and maintenance mode. Each is recorded as an event, whether it worked or not.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ReadOptions, unknown_device};
use crate::api::{ApiError, FleetHandle};
use crate::command::ondemand::ContainerVerb;
use crate::device::{Answer, DeviceRequest, Query};
use crate::events::EventKind;
use crate::state::Maintenance;

/// Deadline of publishing a record.
const RECORD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What an action did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ActionResult {
    /// The device.
    pub device: String,
    /// The container.
    pub container: String,
    /// `start`, `stop` or `restart`.
    pub action: ContainerVerb,
    /// Whether docker did it.
    pub ok: bool,
    /// Docker's answer, or why it failed.
    pub detail: String,
    /// The container's state after the action, from a poll right after it.
    pub state_after: Option<String>,
}

/// Maintenance mode after a change.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MaintenanceState {
    /// The device.
    pub device: String,
    /// Whether it is in maintenance now.
    pub on: bool,
    /// Details while on.
    pub maintenance: Option<Maintenance>,
}

impl FleetHandle {
    /// Publishes `kind` about `device` through its supervisor (so it is stored like any
    /// other event), waiting until it is on the bus.
    pub(crate) async fn record(&self, device: &str, kind: EventKind) -> Result<(), ApiError> {
        self.route(device, RECORD_TIMEOUT, |reply| DeviceRequest::Record {
            kind: Box::new(kind),
            reply,
        })
        .await
    }

    /// Starts, stops or restarts a container (by name or id), records it as
    /// `ActionPerformed` by `by`, then polls the containers so the answer shows the result.
    pub async fn container_action(
        &self,
        device: &str,
        container: &str,
        verb: ContainerVerb,
        by: &str,
    ) -> Result<ActionResult, ApiError> {
        let state = self.device(device).map_err(|_| unknown_device(device, &self.snapshot()))?;
        let name = super::containers::find(state.containers(), container, device)?.name.clone();
        let query = Query::ContainerAction { verb, container: name.clone() };
        let (ok, detail) = match self.query(device, query).await {
            Ok(Answer::ContainerAction(out)) => (true, out),
            Ok(_) => (false, "unexpected answer".to_string()),
            Err(e @ ApiError::Invalid(_)) => return Err(e),
            Err(e) => (false, e.to_string()),
        };
        let action = format!("container.{}", verb.as_str());
        let kind = EventKind::ActionPerformed {
            action,
            target: name.clone(),
            by: by.into(),
            ok,
            detail: detail.clone(),
        };
        self.record(device, kind).await?;
        // A poll that started after the action (one in flight since before would be shared
        // and show the old state).
        let done = chrono::Utc::now();
        let live = ReadOptions { live: Some(true), ..ReadOptions::default() };
        let mut state_after = None;
        for _ in 0..3 {
            let (after, fresh) = self.read(device, "containers", &live).await?;
            if fresh.observed_at.is_some_and(|at| at >= done) {
                state_after =
                    after.containers().iter().find(|c| c.name == name).map(|c| c.state.clone());
                break;
            }
        }
        Ok(ActionResult {
            device: device.to_string(),
            container: name,
            action: verb,
            ok,
            detail,
            state_after,
        })
    }

    /// Switches maintenance mode of `device` on (until a time, or until switched off) or
    /// off, recorded as `MaintenanceChanged` by `by`.
    pub async fn set_maintenance(
        &self,
        device: &str,
        on: bool,
        until: Option<DateTime<Utc>>,
        reason: Option<String>,
        by: &str,
    ) -> Result<MaintenanceState, ApiError> {
        self.device(device).map_err(|_| unknown_device(device, &self.snapshot()))?;
        if let Some(u) = until
            && (!on || u <= Utc::now())
        {
            return Err(ApiError::Invalid(
                "until must be in the future, and only with on: true".into(),
            ));
        }
        self.record(device, EventKind::MaintenanceChanged { on, until, by: by.into(), reason })
            .await?;
        let maintenance = match on {
            true => Some(Maintenance { since: Utc::now(), until, by: by.into(), reason: None }),
            false => None,
        };
        Ok(MaintenanceState { device: device.to_string(), on, maintenance })
    }
}
