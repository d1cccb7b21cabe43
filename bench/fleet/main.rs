//! `bench/fleet`: the fleet through the in-process replay transport (actors + bus, no SSH)
//! and through real sshd (per-command latency, a polling fleet); prints a table.
//!
//! `cargo bench --bench fleet -- [--devices 1000] [--containers 30] [--seconds 60]
//! [--ssh-devices 100] [--no-ssh] [--soak SECONDS]`
//!
//! `--soak SECONDS` runs only the soak scenario (2 sshd devices, 7 probes at 1–5 s) for
//! that long; without it a 30 s soak ends the SSH part.

#[path = "../../tests/harness/mod.rs"]
mod harness;
mod measure;
mod replay;
mod soak;
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
    soak: Option<u64>,
    /// Run only the sshd fleet (in a fresh process, so its RSS is not hidden by memory the
    /// other scenarios freed).
    fleet_only: bool,
}

fn args() -> Args {
    let mut a = Args {
        devices: 1000,
        containers: 30,
        seconds: 60,
        ssh_devices: 100,
        ssh: true,
        soak: None,
        fleet_only: false,
    };
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
            "--soak" => a.soak = Some(num()),
            "--ssh-fleet-only" => a.fleet_only = true,
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
    if a.fleet_only {
        return ssh_fleet(&a).await;
    }
    println!("## bench/fleet\n");
    if let Some(secs) = a.soak {
        print_soak(soak::run(a.containers, Duration::from_secs(secs)).await);
        return;
    }
    let r = replay::run(a.devices, a.containers, Duration::from_secs(30), window, false).await;
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
    let al = replay::run(a.devices, a.containers, Duration::from_secs(30), window, true).await;
    let added = al.cpu_percent - r.cpu_percent;
    let relative = if r.cpu_percent > 0.0 { 100.0 * added / r.cpu_percent } else { 0.0 };
    println!(
        "| same, with the alert engine judging every event | {} | {:.1} | {:.2} % ({added:+.2} points, {relative:+.0} %) | {:.0} KiB | adds ≤ 5 points of a core: {} |",
        al.devices,
        al.events_per_sec,
        al.cpu_percent,
        al.rss_per_device as f64 / 1024.0,
        if added <= 5.0 { "met" } else { "not met" }
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
    drop(dev);
    // The sshd fleet runs in a fresh process of this bench: its RSS then starts from a clean
    // heap instead of reusing what the scenarios above freed (which read as 0 KiB).
    let exe = std::env::current_exe().expect("bench executable");
    let child = std::process::Command::new(exe)
        .args(["--ssh-fleet-only", "--ssh-devices", &a.ssh_devices.to_string()])
        .args(["--seconds", &a.seconds.to_string(), "--containers", &a.containers.to_string()])
        .stderr(std::process::Stdio::null())
        .output()
        .expect("run the sshd fleet scenario");
    print!("{}", String::from_utf8_lossy(&child.stdout));
    print_soak(soak::run(a.containers, Duration::from_secs(a.seconds.min(30))).await);
}

/// The sshd fleet scenario alone (see `--ssh-fleet-only`).
async fn ssh_fleet(a: &Args) {
    let dev = harness::SimDevice::start("bench-fleet");
    let (ps, stats) = replay::synthetic_docker(a.containers);
    dev.set_docker_ps(&ps);
    dev.set_docker_stats(&stats);
    let f = ssh::fleet(
        &dev,
        a.ssh_devices,
        Duration::from_secs(5),
        Duration::from_secs(a.seconds.min(30)),
    )
    .await;
    println!(
        "\nRSS method: in a fresh bench process running only this scenario, VmRSS of /proc/self \
         before the fleet starts, once every device is online and after the window; for sshd, \
         VmRSS summed over the sshd process and its descendants, after minus before; each \
         divided by the devices."
    );
    println!(
        "\n| scenario | devices | events/s | CPU (% of one core) | RSS per device: this process, all online | this process, after the window | sshd tree (device side) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| real sshd, {} containers, 5 s polls, {:.0} s window ({} of {} online) | {} | {:.1} | {:.2} % | {:.0} KiB | {:.0} KiB | {:.0} KiB |",
        a.containers,
        f.window.as_secs_f64(),
        f.online,
        f.devices,
        f.devices,
        f.events_per_sec,
        f.cpu_percent,
        f.rss_online_per_device as f64 / 1024.0,
        f.rss_warm_per_device as f64 / 1024.0,
        f.sshd_rss_per_device as f64 / 1024.0,
    );
}

fn print_soak(s: soak::SoakResult) {
    println!(
        "\n| soak: 7 probes at 1–5 s on each device, real sshd | devices | window | commands | failed commands | logins | unplanned session drops | target |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    println!(
        "| {} s | {} | {:.0} s | {} | {} | {} | {} | 0 unplanned drops, 1 login per device |",
        s.window.as_secs(),
        s.devices,
        s.window.as_secs_f64(),
        s.commands,
        s.failures,
        s.logins,
        s.unplanned_drops
    );
    for (kind, n) in &s.failure_kinds {
        println!("\n- {n} × {kind}");
    }
}
