//! The query facade: the one door through which MCP, REST and WebSocket code asks the fleet
//! anything. A cheap-to-clone handle: state reads come from the projection's snapshot (no
//! actor hop, no lock held while serializing); everything else travels Fleet → device
//! supervisor (→ poller) by message with a reply port, under a deadline.

mod error;
mod registry;

pub use error::ApiError;
pub use registry::{RegisteredDevice, Registry};

use std::sync::Arc;
use std::time::Duration;

use ractor::{ActorRef, RpcReplyPort};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::device::{Answer, CheckReport, DeviceRequest, PollReport, Query};
use crate::events::Event;
use crate::fleet::FleetMsg;
use crate::ondemand::{ContainerLogsQuery, JournalQuery, JournalResult, LogsResult, Network};
use crate::state::{DeviceState, Projection, Snapshot};
use crate::store::{Page, Series, SeriesQuery, Store, Time, TimelineQuery};

/// Deadline of registry changes (add, edit, remove: a removal waits for the device's pollers).
pub(crate) const REGISTRY_TIMEOUT: Duration = Duration::from_secs(30);
/// Deadline of a check (connect, detect tools, one round trip).
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline of an on-demand query.
const QUERY_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline of "poll now" (a drives poll of many disks is slow).
const POLL_TIMEOUT: Duration = Duration::from_secs(300);

/// The handle every consumer holds. Clone freely.
#[derive(Clone)]
pub struct FleetHandle {
    /// The root supervisor; requests are routed through it. Stopped by the app, not here.
    fleet: ActorRef<FleetMsg>,
    /// Current state and recent change events, fed from the bus: the cache in front of
    /// the store.
    projection: Arc<Projection>,
    /// The history; `None` when the server keeps none (memory only).
    store: Option<Store>,
    /// Which devices the config owns, and where API devices are persisted.
    registry: Registry,
    /// The alerting task's view (firing alerts, silences); `None` when alerts do not run.
    pub(crate) alerts: Option<tokio::sync::watch::Receiver<Arc<crate::alerts::AlertsView>>>,
}

impl FleetHandle {
    /// A handle over a running fleet and the projection fed from its bus (no store, no
    /// registry).
    pub fn new(fleet: ActorRef<FleetMsg>, projection: Arc<Projection>) -> Self {
        Self { fleet, projection, store: None, registry: Registry::default(), alerts: None }
    }

    /// The same handle answering history questions from `store`.
    pub fn with_store(self, store: Store) -> Self {
        Self { store: Some(store), ..self }
    }

    /// The same handle with its device edits going through `registry` (config devices
    /// refused, API devices persisted); without one every device may be edited, and nothing
    /// is persisted.
    pub fn with_registry(self, registry: Registry) -> Self {
        Self { registry, ..self }
    }

    /// The same handle answering alert questions from the alerting task's `view`.
    pub fn with_alerts(
        self,
        view: tokio::sync::watch::Receiver<Arc<crate::alerts::AlertsView>>,
    ) -> Self {
        Self { alerts: Some(view), ..self }
    }

    /// Whether the root supervisor is running (readiness; `false` once it stopped).
    pub fn fleet_running(&self) -> bool {
        self.fleet.get_status() == ractor::ActorStatus::Running
    }

    /// The history store, when one is kept.
    pub fn store(&self) -> Result<&Store, ApiError> {
        self.store.as_ref().ok_or_else(|| {
            ApiError::Unavailable("no history is kept (the server runs without a store)".into())
        })
    }

    /// One page of the event timeline (filters, cursor both ways), from the store.
    pub async fn timeline(&self, q: &TimelineQuery) -> Result<Page, ApiError> {
        Ok(self.store()?.timeline(q).await?)
    }

    /// Time series of one metric of one device (one per instance unless one is asked for),
    /// raw or rolled up by the query's bucket, from the store. An unknown device is
    /// `NotFound` (a device removed long ago still answers from its history if the store
    /// holds it).
    pub async fn series(&self, q: &SeriesQuery) -> Result<Vec<Series>, ApiError> {
        let store = self.store()?;
        let series = store.series(q).await?;
        if series.is_empty() && !self.snapshot().devices.contains_key(&q.device) {
            return Err(ApiError::no_device(&q.device));
        }
        Ok(series)
    }

    /// Capacity inputs: the usage series of filesystems and pools of one device or all,
    /// hourly for ranges under 31 days, daily beyond.
    pub async fn capacity(
        &self,
        device: Option<&str>,
        from: Time,
        to: Time,
    ) -> Result<Vec<Series>, ApiError> {
        if let Some(d) = device
            && !self.snapshot().devices.contains_key(d)
        {
            return Err(ApiError::no_device(d));
        }
        Ok(self.store()?.capacity(device, from, to).await?)
    }

    /// Change events after `after` (oldest first), optionally of one device, at most `limit`:
    /// from memory while it still holds `after`, from the store beyond (an id the store
    /// does not hold either is `Invalid`).
    pub async fn changes_after(
        &self,
        after: Option<Uuid>,
        device: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Arc<Event>>, ApiError> {
        let (Some(id), Some(store)) = (after, &self.store) else {
            return Ok(self.projection.events_after(after, device, limit));
        };
        if self.projection.holds(id) {
            return Ok(self.projection.events_after(after, device, limit));
        }
        let q = TimelineQuery {
            devices: device.map(|d| vec![d.to_string()]).unwrap_or_default(),
            cursor: Some(crate::store::Cursor::After(id)),
            limit: limit.clamp(1, crate::store::MAX_PAGE),
            ..Default::default()
        };
        Ok(store.timeline(&q).await?.events.into_iter().map(Arc::new).collect())
    }

    /// Every stored event (samples included) after `after`, in stored order, at most
    /// `limit`: the live stream's replay. An id the store does not hold is `Invalid`.
    pub async fn stored_after(
        &self,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<Arc<Event>>, ApiError> {
        let events = self.store()?.events_after(after, limit).await?;
        Ok(events.into_iter().map(Arc::new).collect())
    }

    /// Every device's current state (one snapshot: consistent across devices).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.projection.snapshot()
    }

    /// One device's current state.
    pub fn device(&self, name: &str) -> Result<Arc<DeviceState>, ApiError> {
        self.snapshot().devices.get(name).cloned().ok_or_else(|| ApiError::no_device(name))
    }

    /// Change events after `after` (oldest first), optionally of one device, at most `limit`.
    pub fn events_after(
        &self,
        after: Option<Uuid>,
        device: Option<&str>,
        limit: usize,
    ) -> Vec<Arc<Event>> {
        self.projection.events_after(after, device, limit)
    }

    /// The newest `limit` change events, optionally of one device, oldest first.
    pub fn newest_events(&self, device: Option<&str>, limit: usize) -> Vec<Arc<Event>> {
        self.projection.newest(device, limit)
    }

    /// Connects to the device (on its on-demand session), detects tools, times a round trip.
    pub async fn check_device(&self, name: &str) -> Result<CheckReport, ApiError> {
        self.route(name, CHECK_TIMEOUT, |reply| DeviceRequest::Check { reply })
            .await?
            .map_err(ApiError::Failed)
    }

    /// Runs `probe` on the device now, through its own poller (sharing an in-flight poll):
    /// the result is diffed, published and stored like any other poll.
    pub async fn poll_now(&self, name: &str, probe: &str) -> Result<PollReport, ApiError> {
        let probe = probe.to_string();
        let report =
            self.route(name, POLL_TIMEOUT, |reply| DeviceRequest::PollNow { probe, reply }).await?;
        match (&report.error, report.ran) {
            (Some(why), false) => Err(ApiError::Refused(why.clone())),
            _ => Ok(report),
        }
    }

    /// `docker logs` of one container.
    pub async fn container_logs(
        &self,
        name: &str,
        q: ContainerLogsQuery,
    ) -> Result<LogsResult, ApiError> {
        match self.query(name, Query::ContainerLogs(q)).await? {
            Answer::ContainerLogs(r) => Ok(r),
            _ => Err(ApiError::Failed("unexpected answer".into())),
        }
    }

    /// The device's systemd journal.
    pub async fn journal(&self, name: &str, q: JournalQuery) -> Result<JournalResult, ApiError> {
        match self.query(name, Query::Journal(q)).await? {
            Answer::Journal(r) => Ok(r),
            _ => Err(ApiError::Failed("unexpected answer".into())),
        }
    }

    /// The device's docker networks.
    pub async fn docker_networks(&self, name: &str) -> Result<Vec<Network>, ApiError> {
        match self.query(name, Query::DockerNetworks).await? {
            Answer::DockerNetworks(r) => Ok(r),
            _ => Err(ApiError::Failed("unexpected answer".into())),
        }
    }

    pub(crate) async fn query(&self, name: &str, query: Query) -> Result<Answer, ApiError> {
        self.route(name, QUERY_TIMEOUT, |reply| DeviceRequest::Query { query, reply })
            .await?
            .map_err(ApiError::from)
    }

    /// Sends a request to a device's supervisor and waits for the answer.
    pub(crate) async fn route<T: Send + 'static>(
        &self,
        name: &str,
        within: Duration,
        request: impl FnOnce(RpcReplyPort<T>) -> DeviceRequest,
    ) -> Result<T, ApiError> {
        let (missing, not_found) = oneshot::channel();
        let (tx, rx) = oneshot::channel();
        let msg = FleetMsg::Route {
            device: name.to_string(),
            request: request(RpcReplyPort::from(tx)),
            missing: RpcReplyPort::from(missing),
        };
        self.fleet
            .cast(msg)
            .map_err(|_| ApiError::Unavailable("the fleet is shutting down".into()))?;
        let answer = async {
            tokio::select! {
                biased;
                // Dropped unanswered when the device exists: this branch then never fires.
                Ok(()) = not_found => Err(ApiError::no_device(name)),
                r = rx => r.map_err(|_| ApiError::Unavailable("the device stopped before answering".into())),
            }
        };
        tokio::time::timeout(within, answer).await.unwrap_or(Err(ApiError::Timeout(within)))
    }

    /// Sends a message to the fleet and waits for its reply port.
    pub(crate) async fn ask<T: Send + 'static>(
        &self,
        within: Duration,
        msg: impl FnOnce(RpcReplyPort<T>) -> FleetMsg,
    ) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        self.fleet
            .cast(msg(RpcReplyPort::from(tx)))
            .map_err(|_| ApiError::Unavailable("the fleet is shutting down".into()))?;
        match tokio::time::timeout(within, rx).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(ApiError::Unavailable("the device stopped before answering".into())),
            Err(_) => Err(ApiError::Timeout(within)),
        }
    }
}
