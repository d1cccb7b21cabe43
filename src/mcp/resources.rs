//! MCP resources: the device list (`infrastructor://devices`) and one device's current state
//! (`infrastructor://devices/{name}`), with subscriptions — a subscribed client gets
//! `notifications/resources/updated` when that device's state changes (a change event about
//! it). Both styles: `resources/subscribe` in sessions, `subscriptions/listen` in 2026-07-28.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use infrastructor_actors::bus::{Bus, Delivery};
use infrastructor_actors::state::DeviceView;
use rmcp::ErrorData;
use rmcp::model::{Resource, ResourceContents, ResourceTemplate};
use rmcp::service::{Peer, RoleServer};
use tokio::sync::broadcast;

/// URI of the device list.
pub const DEVICES: &str = "infrastructor://devices";
/// Prefix of one device's URI.
const DEVICE_PREFIX: &str = "infrastructor://devices/";

/// Names of devices whose state changed, as they change.
pub type Changes = broadcast::Sender<String>;

/// Starts the change feed: a lossy bus subscriber that tells every subscribed session which
/// device changed (change events only; samples update state too often to notify each).
pub fn change_feed(bus: &Bus) -> Changes {
    let (tx, _) = broadcast::channel(1024);
    let mut rx = bus.subscribe_lossy(4096);
    let feed = tx.clone();
    tokio::spawn(async move {
        while let Some(d) = rx.recv().await {
            if let Delivery::Event(ev) = d
                && ev.kind.sample_of().is_none()
            {
                let _ = feed.send(ev.device.clone());
            }
        }
    });
    tx
}

/// The device a URI names: `None` for the list, `Some(name)` for one device.
pub fn parse(uri: &str) -> Result<Option<&str>, ErrorData> {
    if uri == DEVICES {
        return Ok(None);
    }
    match uri.strip_prefix(DEVICE_PREFIX) {
        Some(name) if !name.is_empty() && !name.contains('/') => Ok(Some(name)),
        _ => Err(ErrorData::resource_not_found(format!("no resource {uri}; try {DEVICES}"), None)),
    }
}

/// The resources listed.
pub fn list(devices: &[String]) -> Vec<Resource> {
    let mut out = vec![
        Resource::new(DEVICES, "devices")
            .with_description("Every monitored device with its status")
            .with_mime_type("application/json"),
    ];
    out.extend(devices.iter().map(|d| {
        Resource::new(format!("{DEVICE_PREFIX}{d}"), d.clone())
            .with_description(format!("Current state of {d}"))
            .with_mime_type("application/json")
    }));
    out
}

/// The template of one device's URI.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(format!("{DEVICE_PREFIX}{{name}}"), "device")
            .with_description(
                "Current state of one device: status, samples with their age, failures",
            )
            .with_mime_type("application/json"),
    ]
}

/// The contents of `uri`.
pub async fn read(
    handle: &infrastructor_actors::api::FleetHandle,
    uri: &str,
) -> Result<ResourceContents, ErrorData> {
    let json = match parse(uri)? {
        None => {
            let list = handle
                .list_devices()
                .await
                .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
            serde_json::to_string_pretty(&list)
        }
        Some(name) => {
            let state = handle
                .device(name)
                .map_err(|e| ErrorData::resource_not_found(e.to_string(), None))?;
            serde_json::to_string_pretty(&DeviceView {
                name,
                state: &state,
                now: chrono::Utc::now(),
            })
        }
    }
    .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(ResourceContents::TextResourceContents {
        uri: uri.to_string(),
        mime_type: Some("application/json".into()),
        text: json,
        meta: None,
    })
}

/// Whether a change of `device` updates `uri`.
pub fn touches(uri: &str, device: &str) -> bool {
    uri == DEVICES || uri.strip_prefix(DEVICE_PREFIX) == Some(device)
}

/// One session's `resources/subscribe` subscriptions: a task per URI, aborted on
/// unsubscribe or when the session's server is dropped.
#[derive(Clone, Default)]
pub struct Subscriptions {
    tasks: Arc<Mutex<HashMap<String, tokio::task::AbortHandle>>>,
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        if Arc::strong_count(&self.tasks) == 1 {
            let tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
            tasks.values().for_each(tokio::task::AbortHandle::abort);
        }
    }
}

impl Subscriptions {
    /// Notifies `peer` about `uri` on every change that touches it.
    pub fn add(&self, uri: String, changes: &Changes, peer: Peer<RoleServer>) {
        let mut rx = changes.subscribe();
        let watched = uri.clone();
        let task = tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(device) if touches(&watched, &device) => {
                        let p = rmcp::model::ResourceUpdatedNotificationParam::new(watched.clone());
                        if peer.notify_resource_updated(p).await.is_err() {
                            break;
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = tasks.insert(uri, task.abort_handle()) {
            old.abort();
        }
    }

    /// Stops notifying about `uri`.
    pub fn remove(&self, uri: &str) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = tasks.remove(uri) {
            t.abort();
        }
    }
}
