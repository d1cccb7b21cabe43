//! Every probe a poller builds is resumed from the newest sample of its (device, probe): at
//! the fleet's start (from the projection restored from the store) and after a poller crash
//! (from the sample the crashed poller published).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{FleetSettings, ProbeSettings, ProbeSlot, RestartPolicy};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::model::services::FailedUnit;
use infrastructor_actors::probes::{PollContext, Probe, ProbeError};
use infrastructor_actors::state::{Projection, run_projection};
use infrastructor_actors::transport::{ReplayTransport, Transport};
use ractor::Actor;

/// What the probes of the test saw: per probe built, the event it was resumed with.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Option<Event>>>>);

/// Samples one failed unit named after its poll count; the second poll of each probe panics.
struct Crashy {
    seen: Seen,
    me: usize,
    polls: usize,
}

#[async_trait::async_trait]
impl Probe for Crashy {
    fn name(&self) -> &'static str {
        "services"
    }
    fn required_tool(&self) -> Option<&'static str> {
        None
    }
    fn resume(&mut self, last: &Event) {
        self.seen.0.lock().unwrap()[self.me] = Some(last.clone());
    }
    async fn poll(&mut self, _: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        self.polls += 1;
        assert!(self.polls < 2, "the second poll of a probe crashes");
        let unit =
            FailedUnit { unit: format!("probe-{}.service", self.me), ..FailedUnit::default() };
        Ok(vec![EventKind::ServicesSampled { failed: vec![unit] }])
    }
}

fn failed_unit(ev: &Event) -> Option<String> {
    match &ev.kind {
        EventKind::ServicesSampled { failed } => failed.first().map(|u| u.unit.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_resume_from_the_newest_sample_at_start_and_after_a_crash() {
    let bus = Bus::new();
    let projection = Arc::new(Projection::default());
    // The state restored from the store before the fleet starts.
    let stored = Event::new(
        "dev1",
        chrono::Utc::now(),
        EventKind::ServicesSampled {
            failed: vec![FailedUnit { unit: "stored.service".into(), ..FailedUnit::default() }],
        },
    );
    projection.apply(Arc::new(stored.clone()));
    tokio::spawn(run_projection(projection.clone(), bus.subscribe_lossless("projection", 1024)));

    let seen = Seen::default();
    let make = {
        let seen = seen.clone();
        move || -> Box<dyn Probe> {
            let mut all = seen.0.lock().unwrap();
            all.push(None);
            Box::new(Crashy { seen: seen.clone(), me: all.len() - 1, polls: 0 })
        }
    };
    let slot = ProbeSlot {
        name: "services",
        required_tool: None,
        settings: ProbeSettings { enabled: true, interval: Duration::from_millis(50) },
        make: Arc::new(make),
    };
    let settings = FleetSettings {
        restart: RestartPolicy {
            backoff_min: Duration::from_millis(10),
            ..RestartPolicy::default()
        },
        ..FleetSettings::default()
    };
    let transport: Arc<dyn Transport> =
        Arc::new(ReplayTransport::new(|_| Ok(ReplayTransport::ok("Linux 6.1\n"))));
    let mut args = FleetArgs::new(settings, bus, vec![common::spec("dev1")]);
    args.transports = Arc::new(move |_, _, _| transport.clone());
    args.slots = Arc::new(move |_| vec![slot.clone()]);
    args.last_sample = projection.last_samples();
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen.0.lock().unwrap().len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "two poller restarts within 20 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let resumed: Vec<Option<String>> =
        seen.0.lock().unwrap().iter().map(|e| e.as_ref().and_then(failed_unit)).collect();
    assert_eq!(
        resumed[..3],
        [
            Some("stored.service".to_string()),
            Some("probe-0.service".to_string()),
            Some("probe-1.service".to_string())
        ],
        "the first probe from the stored sample, each restarted one from its predecessor's"
    );
    fleet.stop(None);
}
