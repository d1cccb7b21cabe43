//! The facade's device registry: which devices come from the config file (listed with their
//! source, never edited through the API) and the store API devices are persisted in, so they
//! come back after a restart.

use std::collections::HashSet;
use std::sync::Arc;

use super::{ApiError, FleetHandle, REGISTRY_TIMEOUT};
use crate::device::{DeviceSource, DeviceSpec};
use crate::fleet::FleetMsg;
use crate::store::devices::refuse_secret;
use crate::store::{DeviceRecord, Store};

/// Where devices added through the API are kept, and which devices the config file owns.
#[derive(Clone, Default)]
pub struct Registry {
    /// The store API devices are written to; `None` keeps them in memory only.
    store: Option<Store>,
    /// Names of the config file's devices.
    config: Arc<HashSet<String>>,
}

impl Registry {
    /// A registry persisting API devices in `store` (when given), with `config` the config
    /// file's devices.
    pub fn new(store: Option<Store>, config: &[DeviceSpec]) -> Self {
        Self { store, config: Arc::new(config.iter().map(|s| s.name.clone()).collect()) }
    }

    fn source(&self, name: &str) -> DeviceSource {
        match self.config.contains(name) {
            true => DeviceSource::Config,
            false => DeviceSource::Api,
        }
    }

    fn refuse_config(&self, name: &str, what: &str) -> Result<(), ApiError> {
        match self.source(name) {
            DeviceSource::Config => Err(ApiError::Refused(format!(
                "device `{name}` comes from the config file and cannot be {what} through the \
                 API: edit the config file and restart the server"
            ))),
            DeviceSource::Api => Ok(()),
        }
    }
}

/// A monitored device and where its spec comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredDevice {
    /// The spec.
    pub spec: DeviceSpec,
    /// `config` or `api`.
    pub source: DeviceSource,
}

fn unavailable(what: &str, e: crate::store::StoreError) -> ApiError {
    ApiError::Unavailable(format!("the device registry could not be written ({e}): {what}"))
}

impl FleetHandle {
    /// The monitored devices, sorted by name, each with its source.
    pub async fn devices(&self) -> Result<Vec<RegisteredDevice>, ApiError> {
        let specs = self.ask(REGISTRY_TIMEOUT, FleetMsg::List).await?;
        let source = |s: &DeviceSpec| self.registry.source(&s.name);
        Ok(specs.into_iter().map(|spec| RegisteredDevice { source: source(&spec), spec }).collect())
    }

    /// Starts monitoring a device and persists it (the answer is ok only once it is
    /// written). Fails if the name is taken (regardless of case); a key passphrase is
    /// refused when devices are persisted (a secret is never stored).
    pub async fn add_device(&self, spec: DeviceSpec) -> Result<(), ApiError> {
        if self.registry.store.is_some()
            && let Some(why) = refuse_secret(&spec)
        {
            return Err(ApiError::Invalid(why));
        }
        let name = spec.name.clone();
        self.ask(REGISTRY_TIMEOUT, |r| FleetMsg::Add(Box::new(spec.clone()), r))
            .await?
            .map_err(ApiError::Refused)?;
        let Some(store) = &self.registry.store else { return Ok(()) };
        if let Err(e) = store.put_device(&DeviceRecord::new(spec, DeviceSource::Api)).await {
            // Not saved: not added either, so a restart cannot surprise anyone.
            let _ = self.ask(REGISTRY_TIMEOUT, |r| FleetMsg::Remove(name, r)).await;
            return Err(unavailable("the device was not added", e));
        }
        Ok(())
    }

    /// Refuses a change to a device from the config file (`what`: `edited`, `removed`), so
    /// a caller can say so before checking the new settings.
    pub fn refuse_config_device(&self, name: &str, what: &str) -> Result<(), ApiError> {
        self.registry.refuse_config(name, what)
    }

    /// Replaces an API device's spec (saved first, then its supervisor restarts with it). A
    /// config device is refused: the config file is where it is edited.
    pub async fn update_device(&self, spec: DeviceSpec) -> Result<(), ApiError> {
        let name = spec.name.clone();
        self.registry.refuse_config(&name, "edited")?;
        if !self.devices().await?.iter().any(|d| d.spec.name == name) {
            return Err(ApiError::no_device(&name));
        }
        if let Some(store) = &self.registry.store {
            if let Some(why) = refuse_secret(&spec) {
                return Err(ApiError::Invalid(why));
            }
            let record = DeviceRecord::new(spec.clone(), DeviceSource::Api);
            store.put_device(&record).await.map_err(|e| unavailable("nothing was changed", e))?;
        }
        self.ask(REGISTRY_TIMEOUT, |r| FleetMsg::Update(Box::new(spec), r))
            .await?
            .map_err(|_| ApiError::no_device(&name))
    }

    /// Stops monitoring an API device (deleted from the registry first); returns once its
    /// pollers have stopped and `DeviceRemoved` is published. A config device is refused.
    pub async fn remove_device(&self, name: &str) -> Result<(), ApiError> {
        self.registry.refuse_config(name, "removed")?;
        if !self.devices().await?.iter().any(|d| d.spec.name == name) {
            return Err(ApiError::no_device(name));
        }
        if let Some(store) = &self.registry.store {
            store.remove_device(name).await.map_err(|e| unavailable("nothing was removed", e))?;
        }
        self.ask(REGISTRY_TIMEOUT, |r| FleetMsg::Remove(name.to_string(), r))
            .await?
            .map_err(|_| ApiError::no_device(name))
    }
}
