//! `bench/fleet`: the fleet through the in-process replay transport (actors + bus, no SSH)
//! and through real sshd (per-command latency, a polling fleet); prints a table.
//!
//! `cargo bench --bench fleet -- [--devices 1000] [--containers 30] [--seconds 60]
//! [--ssh-devices 100] [--no-ssh]`

#[path = "../../tests/harness/mod.rs"]
mod harness;
mod measure;
mod replay;
mod ssh;
mod stream;

use std::time::Duration;

use measure::ms;

struct Args {
    devices: usize,
    containers: usize,
    seconds: u64,
    ssh_devices: usize,
    ssh: bool,
}

fn args() -> Args {
    let mut a = Args { devices: 1000, containers: 30, seconds: 60, ssh_devices: 100, ssh: true };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut num = || {
            it.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--devices" => a.devices = num() as usize,
            "--containers" => a.containers = num() as usize,
            "--seconds" => a.seconds = num(),
            "--ssh-devices" => a.ssh_devices = num() as usize,
            "--no-ssh" => a.ssh = false,
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

#[tokio::main]
async fn main() {
    let a = args();
    let window = Duration::from_secs(a.seconds);
    println!("## bench/fleet\n");
    let r = replay::run(a.devices, a.containers, Duration::from_secs(30), window).await;
    println!("| scenario | devices | events/s | CPU (% of one core) | RSS per device | target |");
    println!("|---|---:|---:|---:|---:|---|");
    println!(
        "| replay, {} containers, 30 s polls, {:.0} s window ({} polls) | {} | {:.1} | {:.2} % | {:.0} KiB | ≤ 5 %, ≤ 1024 KiB |",
        r.containers,
        r.window.as_secs_f64(),
        r.polls,
        r.devices,
        r.events_per_sec,
        r.cpu_percent,
        r.rss_per_device as f64 / 1024.0
    );
    if !a.ssh {
        return;
    }
    let dev = harness::SimDevice::start("bench");
    let (ps, stats) = replay::synthetic_docker(a.containers);
    dev.set_docker_ps(&ps);
    dev.set_docker_stats(&stats);
    println!(
        "\n| command latency (loopback sshd, `true`; rows 1-2: raw channel, 3-4: the catalogue-wrapped command through SshTransport) | samples | p50 | p99 | CPU per command | target |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    let mut rows = stream::compare(&dev, 300).await;
    rows.push(ssh::reused(&dev, 500).await);
    rows.push(ssh::fresh(&dev, 50).await);
    for l in rows {
        let target = if l.label == "fresh connection" { "" } else { "p50 ≤ 3 ms" };
        let (p50, p99, cpu) = (ms(l.p50), ms(l.p99), ms(l.cpu_per_cmd));
        println!("| {} | {} | {p50} | {p99} | {cpu} | {target} |", l.label, l.samples);
    }
    let f = ssh::fleet(
        &dev,
        a.ssh_devices,
        Duration::from_secs(5),
        Duration::from_secs(a.seconds.min(30)),
    )
    .await;
    println!("\n| scenario | devices | events/s | CPU (% of one core) | RSS per device |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| real sshd, {} containers, 5 s polls, {:.0} s window ({} of {} online) | {} | {:.1} | {:.2} % | {:.0} KiB |",
        a.containers,
        f.window.as_secs_f64(),
        f.online,
        f.devices,
        f.devices,
        f.events_per_sec,
        f.cpu_percent,
        f.rss_per_device as f64 / 1024.0
    );
}
