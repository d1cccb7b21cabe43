//! The arrays probe over real sshd: the simulated device is an Unraid server whose
//! `/var/local/emhttp` (bind-mounted into its sshd's own mount namespace) the test rewrites.

mod harness;

use harness::SimDevice;
use harness::server::{count, events, every, more_polls, serve};
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::EventKind;

const DIR: &str = "unraid/6.12/";

fn unraid(dev: &SimDevice, var: &str, disks: &str) {
    dev.set("emhttp/var.ini", &harness::fixture(&format!("{DIR}{var}")));
    dev.set("emhttp/disks.ini", &harness::fixture(&format!("{DIR}{disks}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_unraid_disk_degrades_the_array_once_and_recovers_once() {
    let dev = SimDevice::start_with_mounts("tower", &[("emhttp", "/var/local/emhttp")]);
    unraid(&dev, "var-started.ini", "disks-ok.ini");
    let app = serve(vec![harness::device_spec(
        &dev,
        Probes { arrays: every(300), ..Probes::disabled() },
    )])
    .await;
    more_polls(&app, "tower", "ArraysSampled", 2).await;
    assert_eq!(count(&app, "tower", "ArrayDegraded"), 0, "a healthy array raises nothing");

    unraid(&dev, "var-disk-disabled.ini", "disks-disk2-disabled.ini");
    harness::wait_until(std::time::Duration::from_secs(20), "ArrayDegraded", || {
        count(&app, "tower", "ArrayDegraded") == 1
    })
    .await;
    more_polls(&app, "tower", "ArraysSampled", 3).await;
    let degraded = events(&app, "tower", "ArrayDegraded");
    assert_eq!(degraded.len(), 1, "reported once while it stays degraded: {degraded:?}");
    assert!(
        matches!(&degraded[0], EventKind::ArrayDegraded { array, detail } if array == "unraid" && detail.contains("disk2")),
        "{degraded:?}"
    );

    unraid(&dev, "var-started.ini", "disks-ok.ini");
    harness::wait_until(std::time::Duration::from_secs(20), "ArrayRecovered", || {
        count(&app, "tower", "ArrayRecovered") == 1
    })
    .await;
    app.shutdown().await;
}
