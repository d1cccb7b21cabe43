//! `/api/alerts…`: the firing alerts, acknowledging one and silencing one (admin).

use infrastructor_actors::alerts::OpenAlert;
use infrastructor_actors::query::{AlertList, Silence};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Tag;
use super::call::{Api, Reply, args};
use super::schema::Input;
use crate::auth::Caller;

/// The REST face of the alert tools.
pub struct Alerts(pub Api);

/// An acknowledgement.
#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    /// Why, or what is being done about it.
    pub comment: Option<String>,
}

/// A silence.
#[allow(dead_code)]
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SilenceBody {
    /// An alert key (`container/tower/web`), or `rule/device` (`filesystem/tower`).
    pub key: String,
    /// How long: `30m`, `2h`, `7d` (at most 366d).
    #[serde(rename = "for")]
    pub duration: String,
    /// Why.
    pub reason: Option<String>,
}

#[OpenApi(tag = "Tag::Alerts")]
impl Alerts {
    /// The firing alerts
    ///
    /// Most severe first: rule, device, object, severity, value against threshold, since
    /// when, evidence, acknowledged or held back; and the silences in force.
    #[oai(path = "/alerts", method = "get", operation_id = "list_alerts")]
    async fn list(
        &self,
        caller: Data<&Caller>,
        /// Device name; omit for every device.
        device: Query<Option<String>>,
        /// Only alerts this severe or worse: `info`, `warning`, `critical`.
        min_severity: Query<Option<String>>,
    ) -> Reply<AlertList> {
        self.0.call(&caller, "list_alerts", args! { device, min_severity }).await
    }

    /// Acknowledge an alert (admin)
    ///
    /// Reminders stop; an escalation and the recovery are still sent. The key has slashes:
    /// percent-encode them (`container%2Ftower%2Fweb`).
    #[oai(path = "/alerts/:key/ack", method = "post", operation_id = "acknowledge_alert")]
    async fn ack(
        &self,
        caller: Data<&Caller>,
        /// The alert's key, e.g. `container/tower/web`.
        key: Path<String>,
        body: Json<Input<AckBody>>,
    ) -> Reply<OpenAlert> {
        let mut a = body.0.raw;
        a.insert("key".into(), key.0.into());
        self.0.call(&caller, "acknowledge_alert", a).await
    }

    /// Silence an alert or a rule on a device (admin)
    ///
    /// Nothing is sent for it until the silence ends; if it still fires then, it is sent.
    #[oai(path = "/alerts/silences", method = "post", operation_id = "silence_alert")]
    async fn silence(
        &self,
        caller: Data<&Caller>,
        body: Json<Input<SilenceBody>>,
    ) -> Reply<Silence> {
        self.0.call(&caller, "silence_alert", body.0.raw).await
    }
}
