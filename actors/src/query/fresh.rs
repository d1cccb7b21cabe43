//! Live or cached: a live read is an immediate poll by the device's own poller (so it is
//! diffed, published and stored like any other), under a time budget; past the budget, or
//! when the device is offline, the answer comes from stored state and says why.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::unknown_device;
use crate::api::{ApiError, FleetHandle};
use crate::events::Event;
use crate::state::DeviceState;

/// Default time budget of a live read.
pub const LIVE_BUDGET: Duration = Duration::from_secs(3);

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Polled for this answer.
    Live,
    /// From stored state (the last poll).
    Cached,
}

/// Where an answer came from, when it was observed and how old it is.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Freshness {
    /// `live` (polled for this answer) or `cached` (stored state).
    pub source: Source,
    /// When the data was observed (the poll's start); `null` when it never was.
    pub observed_at: Option<DateTime<Utc>>,
    /// Seconds between `observed_at` and the answer; `null` when never observed.
    pub age_seconds: Option<f64>,
    /// Why the answer is cached, when it is (`device offline since …`, `live read timed
    /// out …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Freshness {
    /// A live answer observed at `at`.
    pub fn live(at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            source: Source::Live,
            observed_at: Some(at),
            age_seconds: Some(age(at, now)),
            reason: None,
        }
    }

    /// A cached answer from `sample` (none: never observed), with the reason.
    pub fn cached(
        sample: Option<&Arc<Event>>,
        now: DateTime<Utc>,
        reason: impl Into<String>,
    ) -> Self {
        let at = sample.map(|e| e.observed_at);
        Self {
            source: Source::Cached,
            observed_at: at,
            age_seconds: at.map(|at| age(at, now)),
            reason: Some(reason.into()),
        }
    }

    /// The least fresh of several answers (cached if any is, the oldest observation), for an
    /// answer drawn from many devices.
    pub fn worst<'a>(all: impl IntoIterator<Item = &'a Freshness>, now: DateTime<Utc>) -> Self {
        let mut out =
            Self { source: Source::Live, observed_at: None, age_seconds: None, reason: None };
        let mut reasons = Vec::new();
        for f in all {
            if f.source == Source::Cached {
                out.source = Source::Cached;
            }
            if let Some(at) = f.observed_at
                && out.observed_at.is_none_or(|o| at < o)
            {
                out.observed_at = Some(at);
            }
            if let Some(r) = &f.reason
                && reasons.len() < 3
            {
                reasons.push(r.clone());
            }
        }
        out.age_seconds = out.observed_at.map(|at| age(at, now));
        if out.source == Source::Cached {
            out.reason = Some(reasons.join("; "));
        }
        out
    }
}

fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> f64 {
    (now - at).num_milliseconds().max(0) as f64 / 1000.0
}

/// How fresh an answer must be.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOptions {
    /// Poll now (`Some(true)`), answer from the last poll (`Some(false)`), or the probe's
    /// default ([`default_live`]).
    pub live: Option<bool>,
    /// A stored answer at most this old is good enough (no poll).
    pub max_age: Option<Duration>,
    /// Time budget of a live read; past it the answer is cached.
    pub budget: Duration,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { live: None, max_age: None, budget: LIVE_BUDGET }
    }
}

impl ReadOptions {
    /// Only stored state, never a poll.
    pub fn cached() -> Self {
        Self { live: Some(false), ..Self::default() }
    }
}

/// Whether a probe is read live by default: drives (a SMART read of many disks is slow) and
/// updates (from the package cache) and backups (restic may read a remote repository) answer
/// from the last poll unless asked.
pub fn default_live(probe: &str) -> bool {
    !matches!(probe, "drives" | "updates" | "backups" | "images")
}

impl FleetHandle {
    /// The device's state with `probe`'s sample as fresh as `opts` asks, and how fresh it is.
    /// Fails only for an unknown device, or a probe that does not run there and never did.
    pub async fn read(
        &self,
        device: &str,
        probe: &'static str,
        opts: &ReadOptions,
    ) -> Result<(Arc<DeviceState>, Freshness), ApiError> {
        let snap = self.snapshot();
        let state =
            snap.devices.get(device).cloned().ok_or_else(|| unknown_device(device, &snap))?;
        let now = Utc::now();
        let sample = state.sample(probe).cloned();
        if sample.is_none()
            && let Some(why) = state.skipped.get(probe)
        {
            return Err(ApiError::Refused(format!(
                "the {probe} probe does not run on '{device}': {why}"
            )));
        }
        // A probe failing now is why the stored answer is old (or empty): say so.
        let failing = state.failures.get(probe).map(|f| {
            format!("; the {probe} probe has failed since {}: {}", f.since.to_rfc3339(), f.error)
        });
        let cached = |reason: String| {
            let reason = format!("{reason}{}", failing.as_deref().unwrap_or(""));
            Freshness::cached(sample.as_ref(), now, reason)
        };
        if let (Some(max), Some(s)) = (opts.max_age, &sample)
            && (now - s.observed_at).to_std().is_ok_and(|age| age <= max)
        {
            return Ok((state, cached("a stored answer within max_age_seconds".into())));
        }
        if !opts.live.unwrap_or_else(|| default_live(probe)) {
            let why = "from the last poll (refresh: true polls now)".to_string();
            return Ok((state, cached(why)));
        }
        if state.online == Some(false) {
            let since = state.since.map_or_else(|| "an unknown time".into(), |t| t.to_rfc3339());
            let reason = state.offline_reason.as_deref().unwrap_or("unreachable");
            return Ok((state.clone(), cached(format!("device offline since {since}: {reason}"))));
        }
        let report = match tokio::time::timeout(opts.budget, self.poll_now(device, probe)).await {
            Err(_) => {
                let why = format!("live read timed out after {:.1} s", opts.budget.as_secs_f64());
                return Ok((state, cached(why)));
            }
            // Nothing stored and nothing to poll (the probe is not enabled there): say so.
            Ok(Err(e @ ApiError::Refused(_))) if sample.is_none() => return Err(e),
            Ok(Err(e)) => return Ok((state, cached(format!("live read failed: {e}")))),
            Ok(Ok(r)) => r,
        };
        if let Some(e) = &report.error {
            return Ok((state, cached(format!("live read failed: {e}"))));
        }
        let mut fresh = (*state).clone();
        report.events.iter().for_each(|ev| fresh.apply(ev));
        let at = fresh.sample(probe).map_or(report.observed_at, |e| e.observed_at);
        Ok((Arc::new(fresh), Freshness::live(at, Utc::now())))
    }

    /// `probe` read on `device`, or on every device from their last polls (a device where
    /// the probe does not run is left out of the fleet): each device read with its state, and
    /// the freshness of the whole answer. A device without a sample counts towards that
    /// freshness when it was asked for by name or when the probe fails there (the reason
    /// says why it is empty); with nothing stored anywhere the answer says so.
    pub(crate) async fn read_one_or_all(
        &self,
        device: Option<&str>,
        probe: &'static str,
        opts: &ReadOptions,
    ) -> Result<(Vec<(String, Arc<DeviceState>)>, Freshness), ApiError> {
        let names: Vec<String> = match device {
            Some(d) => vec![d.to_owned()],
            None => self.snapshot().devices.keys().cloned().collect(),
        };
        let opts = if device.is_some() { opts.clone() } else { ReadOptions::cached() };
        let (mut read, mut fresh) = (Vec::new(), Vec::new());
        for name in names {
            let (state, freshness) = match self.read(&name, probe, &opts).await {
                Ok(r) => r,
                Err(ApiError::Refused(_)) if device.is_none() => continue,
                Err(e) => return Err(e),
            };
            if state.sample(probe).is_some()
                || device.is_some()
                || state.failures.contains_key(probe)
            {
                fresh.push(freshness);
            }
            read.push((name, state));
        }
        let now = Utc::now();
        let freshness = if fresh.is_empty() {
            Freshness::cached(None, now, format!("no device has a {probe} sample yet"))
        } else {
            Freshness::worst(&fresh, now)
        };
        Ok((read, freshness))
    }
}
