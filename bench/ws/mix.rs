//! The load's shape, shared by the server side and the client process: which topic each
//! client subscribes to and which device and type each published event has.

use infrastructor_actors::events::EventKind;
use infrastructor_actors::model::refs::ContainerRef;

/// Out of every 100 clients: 90 follow one device, 9 every `ContainerDied`, 1 everything.
const PER_DEVICE: usize = 90;
const DIED: usize = 99;

/// Client `i`'s topic, with `devices` device names in play.
pub fn topic(i: usize, devices: usize) -> String {
    match i % 100 {
        n if n < PER_DEVICE => format!("device.{}.*", device(i, devices)),
        n if n < DIED => "device.*.ContainerDied".into(),
        _ => "*".into(),
    }
}

/// The name of device `k` (of `devices`).
pub fn device(k: usize, devices: usize) -> String {
    format!("dev{:03}", k % devices.max(1))
}

/// Whether event `k` is a `ContainerDied` (one in ten; the rest `ContainerStarted`).
pub fn died(k: usize) -> bool {
    k.is_multiple_of(10)
}

/// Event `k`'s kind.
pub fn kind(k: usize) -> EventKind {
    let container = ContainerRef {
        id: format!("{k:064x}"),
        name: format!("app{}", k % 13),
        image: "nginx:1.27".into(),
    };
    if died(k) {
        EventKind::ContainerDied { container, exit_code: Some(1), oom_killed: Some(false) }
    } else {
        EventKind::ContainerStarted { container }
    }
}

/// How many clients each event goes to.
pub struct Recipients {
    per_device: Vec<usize>,
    died: usize,
    all: usize,
}

impl Recipients {
    /// For `clients` clients over `devices` devices.
    pub fn new(clients: usize, devices: usize) -> Self {
        let mut r = Self { per_device: vec![0; devices.max(1)], died: 0, all: 0 };
        for i in 0..clients {
            match i % 100 {
                n if n < PER_DEVICE => r.per_device[i % devices.max(1)] += 1,
                n if n < DIED => r.died += 1,
                _ => r.all += 1,
            }
        }
        r
    }

    /// How many clients event `k` goes to.
    pub fn of(&self, k: usize) -> usize {
        let died = if died(k) { self.died } else { 0 };
        self.per_device[k % self.per_device.len()] + died + self.all
    }
}
