//! The data-driven diagnosis cases: one device state per kind of problem (and healthy ones),
//! each with exactly the problems it must yield.

use super::fixtures::*;
use super::*;
use crate::events::EventKind;
use crate::model::arrays::{ArraysSample, MdArray, UnraidArray};
use crate::model::drives::Drive;
use crate::model::services::FailedUnit;
use crate::model::vms::Vm;

#[test]
fn connection_and_host_problems() {
    use Area as A;
    use Severity::{Critical as C, Info as I, Warning as W};
    let cases: Vec<(&str, Vec<EventKind>, Expected)> = vec![
        (
            "healthy",
            vec![
                online(),
                metrics(50, 40),
                containers(vec![container("web", "running", None, Some("healthy"))]),
            ],
            vec![],
        ),
        (
            "offline",
            vec![
                online(),
                EventKind::DeviceOffline {
                    consecutive_failures: 3,
                    reason: "connection refused".into(),
                },
            ],
            vec![(C, A::Device, "tower")],
        ),
        ("never connected", vec![metrics(10, 10)], vec![(I, A::Device, "tower")]),
        (
            "probe failing",
            vec![
                online(),
                EventKind::ProbeFailed { probe: "drives".into(), error: "smartctl hung".into() },
            ],
            vec![(W, A::Probe, "drives")],
        ),
        ("filesystem 85 %", vec![online(), metrics(85, 10)], vec![(W, A::Filesystem, "/")]),
        ("filesystem 95 %", vec![online(), metrics(95, 10)], vec![(C, A::Filesystem, "/")]),
        ("memory 90 %", vec![online(), metrics(10, 90)], vec![(W, A::Memory, "tower")]),
        ("memory 96 %", vec![online(), metrics(10, 96)], vec![(C, A::Memory, "tower")]),
        (
            "containers",
            vec![
                online(),
                containers(vec![
                    container("ok", "running", None, None),
                    container("done", "exited", Some(0), None),
                    container("crashed", "exited", Some(1), None),
                    inspected(container("oom", "exited", Some(137), None), 0, true),
                    container("loop", "restarting", Some(1), None),
                    container("gone", "dead", None, None),
                    inspected(container("flappy", "running", None, None), 7, false),
                    container("sick", "running", None, Some("unhealthy")),
                ]),
            ],
            vec![
                (C, A::Container, "gone"),
                (C, A::Container, "loop"),
                (W, A::Container, "crashed"),
                (W, A::Container, "flappy"),
                (W, A::Container, "oom"),
                (W, A::Container, "sick"),
            ],
        ),
        (
            "failed unit",
            vec![
                online(),
                EventKind::ServicesSampled {
                    failed: vec![FailedUnit {
                        unit: "nginx.service".into(),
                        active: "failed".into(),
                        ..FailedUnit::default()
                    }],
                },
            ],
            vec![(W, A::Service, "nginx.service")],
        ),
        (
            "VMs",
            vec![
                online(),
                EventKind::VmsSampled {
                    vms: vec![
                        Vm { name: "win".into(), state: "crashed".into(), ..Vm::default() },
                        Vm {
                            name: "ha".into(),
                            state: "shut off".into(),
                            autostart: Some(true),
                            ..Vm::default()
                        },
                        Vm {
                            name: "lab".into(),
                            state: "shut off".into(),
                            autostart: Some(false),
                            ..Vm::default()
                        },
                    ],
                },
            ],
            vec![(C, A::Vm, "win"), (W, A::Vm, "ha")],
        ),
        (
            "security updates",
            vec![online(), updates(&[("openssl", true), ("vim", false)])],
            vec![(W, A::Updates, "apt")],
        ),
        (
            "security updates pending for 2 days: a note, not yet a warning",
            vec![online(), updates_for(&[("openssl", true)], 2)],
            vec![(I, A::Updates, "apt")],
        ),
        ("plain updates", vec![online(), updates(&[("vim", false)])], vec![(I, A::Updates, "apt")]),
        ("no updates", vec![online(), updates(&[])], vec![]),
    ];
    run(cases);
}

#[test]
fn storage_problems() {
    use Area as A;
    use Severity::{Critical as C, Info as I, Warning as W};
    let nvme = |t| drive("/dev/nvme0", "NVMe", t);
    let md = |degraded, failed_member| MdArray {
        name: "md0".into(),
        active: true,
        raid_disks: Some(2),
        working_disks: Some(if degraded { 1 } else { 2 }),
        slots: Some(if degraded { "U_" } else { "UU" }.into()),
        degraded,
        failed_member,
        ..MdArray::default()
    };
    let cases: Vec<(&str, Vec<EventKind>, Expected)> = vec![
        (
            "drive SMART failed and reallocating",
            vec![
                online(),
                drives(vec![Drive {
                    smart_passed: Some(false),
                    reallocated_sectors: Some(8),
                    ..drive("/dev/sda", "ATA", 40)
                }]),
            ],
            vec![(C, A::Drive, "/dev/sda")],
        ),
        (
            "drive with pending sectors",
            vec![
                online(),
                drives(vec![Drive { pending_sectors: Some(2), ..drive("/dev/sdb", "ATA", 40) }]),
            ],
            vec![(W, A::Drive, "/dev/sdb")],
        ),
        (
            "HDD at 56 °C",
            vec![online(), drives(vec![drive("/dev/sda", "ATA", 56)])],
            vec![(W, A::Drive, "/dev/sda")],
        ),
        (
            "HDD at 66 °C",
            vec![online(), drives(vec![drive("/dev/sda", "ATA", 66)])],
            vec![(C, A::Drive, "/dev/sda")],
        ),
        ("NVMe at 60 °C", vec![online(), drives(vec![nvme(60)])], vec![]),
        (
            "NVMe at 72 °C",
            vec![online(), drives(vec![nvme(72)])],
            vec![(W, A::Drive, "/dev/nvme0")],
        ),
        (
            "NVMe at 81 °C",
            vec![online(), drives(vec![nvme(81)])],
            vec![(C, A::Drive, "/dev/nvme0")],
        ),
        (
            "standby drive",
            vec![
                online(),
                drives(vec![Drive {
                    device: "/dev/sdc".into(),
                    standby: true,
                    ..Drive::default()
                }]),
            ],
            vec![],
        ),
        ("pool healthy", vec![online(), zfs(vec![pool("ONLINE", 50, scrub(0))], &[])], vec![]),
        (
            "pool degraded",
            vec![online(), zfs(vec![pool("DEGRADED", 50, scrub(0))], &[])],
            vec![(C, A::Pool, "tank")],
        ),
        (
            "scrub errors",
            vec![online(), zfs(vec![pool("ONLINE", 50, scrub(3))], &[])],
            vec![(W, A::Pool, "tank")],
        ),
        (
            "pool 85 % full",
            vec![online(), zfs(vec![pool("ONLINE", 85, scrub(0))], &[])],
            vec![(W, A::Pool, "tank")],
        ),
        (
            "pool never scrubbed",
            vec![online(), zfs(vec![pool("ONLINE", 10, None)], &[])],
            vec![(I, A::Pool, "tank")],
        ),
        (
            "stale snapshots",
            vec![
                online(),
                zfs(
                    vec![pool("ONLINE", 10, scrub(0))],
                    &[("tank/a", 72), ("tank/b", 50), ("tank/c", 1)],
                ),
            ],
            vec![(W, A::Snapshot, "tank")],
        ),
        (
            "md degraded",
            vec![
                online(),
                EventKind::ArraysSampled {
                    sample: ArraysSample { md: vec![md(true, false)], unraid: None },
                },
            ],
            vec![(C, A::Array, "md0")],
        ),
        (
            "md failed member",
            vec![
                online(),
                EventKind::ArraysSampled {
                    sample: ArraysSample { md: vec![md(false, true)], unraid: None },
                },
            ],
            vec![(W, A::Array, "md0")],
        ),
        (
            "unraid degraded",
            vec![
                online(),
                EventKind::ArraysSampled {
                    sample: ArraysSample {
                        md: vec![],
                        unraid: Some(UnraidArray {
                            state: "STARTED".into(),
                            disabled: 1,
                            degraded: true,
                            ..UnraidArray::default()
                        }),
                    },
                },
            ],
            vec![(C, A::Array, "unraid")],
        ),
    ];
    run(cases);
}
