//! The server side's load: synthetic events published on the server's bus, paced (1,000
//! events/s in batches every 10 ms, as pollers publish) or back to back, and a lossless
//! subscriber of its own standing for the store writer, whose lag (publish → receipt) and
//! throughput show whether the stream's clients slow the lossless path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use infrastructor_actors::bus::Bus;
use infrastructor_actors::events::Event;

use crate::mix;
use crate::summary::Summary;

/// A lossless subscriber that counts what it received and, while asked, its lag.
#[derive(Clone)]
pub struct Lossless {
    received: Arc<AtomicU64>,
    lags: Arc<Mutex<Option<Vec<Duration>>>>,
}

impl Lossless {
    /// Subscribes to `bus` (a queue as deep as the store writer's).
    pub fn start(bus: &Bus) -> Self {
        let mut rx = bus.subscribe_lossless("bench", 4096);
        let me = Self { received: Arc::default(), lags: Arc::default() };
        let it = me.clone();
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                let lag = (Utc::now() - ev.observed_at).to_std().unwrap_or_default();
                if let Some(l) = it.lags.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                    l.push(lag);
                }
                it.received.fetch_add(1, Ordering::Release);
            }
        });
        me
    }

    /// Events received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Acquire)
    }

    fn record(&self, on: bool) -> Vec<Duration> {
        let mut l = self.lags.lock().unwrap_or_else(|e| e.into_inner());
        let taken = l.take().unwrap_or_default();
        *l = on.then(Vec::new);
        taken
    }

    /// Waits until `n` events in all were received (bounded by `within`).
    pub async fn wait_for(&self, n: u64, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while self.received() < n {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        true
    }
}

/// What a paced run did.
pub struct Paced {
    /// Events published.
    pub published: u64,
    /// Index of the first one (for `mix::kind`).
    pub first: usize,
    /// Achieved rate (events/s).
    pub rate: f64,
    /// Lossless subscriber's lag over the run.
    pub lossless: Summary,
    /// This (the server's) process's CPU time over the run.
    pub cpu: Duration,
    /// How long the run took.
    pub elapsed: Duration,
}

/// Publishes event `k` (device and kind from `mix`), stamped now.
async fn publish(bus: &Bus, k: usize, devices: usize) {
    let ev = Event::new(mix::device(k, devices), Utc::now(), mix::kind(k));
    bus.publish(ev).await;
}

/// Publishes `rate` events/s for `window` from event index `first`; records the lossless
/// subscriber's lag meanwhile.
pub async fn paced(
    bus: &Bus,
    sub: &Lossless,
    first: usize,
    rate: u64,
    window: Duration,
    devices: usize,
) -> Paced {
    const TICK: Duration = Duration::from_millis(10);
    let per_tick = (rate as f64 * TICK.as_secs_f64()).round().max(1.0) as usize;
    let ticks = (window.as_secs_f64() / TICK.as_secs_f64()).round() as usize;
    let before = sub.received();
    sub.record(true);
    let mut clock = tokio::time::interval(TICK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (started, cpu) = (Instant::now(), crate::measure::cpu_time());
    let mut k = first;
    for _ in 0..ticks {
        clock.tick().await;
        for _ in 0..per_tick {
            publish(bus, k, devices).await;
            k += 1;
        }
    }
    let (elapsed, cpu) = (started.elapsed(), crate::measure::cpu_time().saturating_sub(cpu));
    let published = (k - first) as u64;
    sub.wait_for(before + published, Duration::from_secs(30)).await;
    let lossless = Summary::of(sub.record(false));
    let rate = published as f64 / elapsed.as_secs_f64();
    Paced { published, first, rate, lossless, cpu, elapsed }
}

/// Publishes `n` events back to back from event index `first`; the time until the lossless
/// subscriber has them all.
pub async fn burst(bus: &Bus, sub: &Lossless, first: usize, n: usize, devices: usize) -> Duration {
    let before = sub.received();
    let started = Instant::now();
    for k in first..first + n {
        publish(bus, k, devices).await;
    }
    let all = sub.wait_for(before + n as u64, Duration::from_secs(120)).await;
    assert!(all, "the lossless subscriber got every event");
    started.elapsed()
}
