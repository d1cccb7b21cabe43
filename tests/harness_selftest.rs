//! Proves the system-test harness works, using only the system `ssh` client and tokio-postgres.

mod harness;

use std::net::TcpStream;
use std::process::{Output, Stdio};
use std::time::Duration;

use harness::{FaultProxy, SimDevice, SimFleet, TestDb, wait_until};

/// Runs `cmd` on the device with the system ssh client (strict host-key checking).
async fn ssh(dev: &SimDevice, cmd: &str) -> Output {
    let run = dev.sshd().ssh(cmd).output();
    tokio::time::timeout(Duration::from_secs(20), run).await.expect("ssh timed out").expect("ssh")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn shims_replay_state_and_follow_changes() {
    let dev = SimDevice::start("replay");
    assert_eq!(dev.name(), "replay");

    let out = ssh(&dev, "docker ps -a --no-trunc --format '{{json .}}'").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no containers by default");

    dev.set_docker_ps("{\"ID\":\"abc\"}\n");
    dev.set_docker_stats("{\"ID\":\"abc\",\"CPUPerc\":\"1.5%\"}\n");
    // The catalogue's form: remote `timeout` around `sh -c`.
    let out = ssh(&dev, "timeout -k 5 20 sh -c 'docker ps -a; docker stats --no-stream'").await;
    assert_eq!(stdout(&out), "{\"ID\":\"abc\"}\n{\"ID\":\"abc\",\"CPUPerc\":\"1.5%\"}\n");

    dev.set_docker_failure("ps", 1, "Cannot connect to the Docker daemon\n");
    let out = ssh(&dev, "docker ps -a").await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "Cannot connect to the Docker daemon\n");
    let out = ssh(&dev, "docker frobnicate").await;
    assert_eq!(out.status.code(), Some(1));

    let out = ssh(&dev, "smartctl --scan-open -j").await;
    assert_eq!(stdout(&out), r#"{"devices":[]}"#);
    dev.set_smartctl_info("/dev/sda", r#"{"smart_status":{"passed":false}}"#, 8);
    let out = ssh(&dev, "sudo -n smartctl -j -a -n standby -d sat /dev/sda").await;
    assert_eq!(out.status.code(), Some(8));
    assert_eq!(stdout(&out), r#"{"smart_status":{"passed":false}}"#);
    let out = ssh(&dev, "smartctl -j -a -n standby /dev/sdz").await;
    assert_eq!(out.status.code(), Some(2), "unknown drive");

    assert_eq!(dev.calls("docker ps"), 3);
    assert_eq!(dev.calls("docker stats"), 1);
    assert_eq!(dev.calls("smartctl -j -a"), 2);
    assert_eq!(dev.calls("sudo -n smartctl"), 1);
}

#[tokio::test]
async fn environment_is_the_simulated_one() {
    let dev = SimDevice::start("env");
    let out = ssh(
        &dev,
        "echo \"$INFRA_SIM_STATE\"; command -v docker; echo \"$PATH\"; echo \"PYENV=$PYENV_ROOT\"",
    )
    .await;
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(dev.state_dir().to_str().unwrap()));
    assert_eq!(lines.next(), Some(dev.bin_dir().join("docker").to_str().unwrap()));
    let path =
        format!("{}:{}", dev.bin_dir().display(), dev.bin_dir().with_file_name("sys").display());
    assert_eq!(lines.next(), Some(path.as_str()), "exactly the shims and the filtered system dirs");
    assert_eq!(stderr(&out), "", "the login shell's rc files are not read");
    assert_eq!(lines.next(), Some("PYENV="), "~/.bashrc was not read");
}

#[tokio::test]
async fn removed_and_hidden_tools_are_not_found() {
    let dev = SimDevice::start("tools");
    dev.remove_tool("docker");
    let out = ssh(&dev, "command -v docker").await;
    assert!(!out.status.success(), "docker still found: {}", stdout(&out));
    for hidden in ["systemctl", "virsh", "zpool", "sensors"] {
        let out = ssh(&dev, &format!("command -v {hidden}")).await;
        assert!(!out.status.success(), "{hidden} visible: {}", stdout(&out));
    }
    let out = ssh(&dev, "command -v smartctl uname cat timeout df").await;
    assert!(out.status.success(), "{}", stderr(&out));
    dev.restore_tool("docker");
    assert!(ssh(&dev, "command -v docker").await.status.success());
}

#[tokio::test]
async fn hang_switch_blocks_until_cleared() {
    let dev = SimDevice::start("hang");
    dev.hang("docker", true);
    let mut blocked = tokio::spawn(dev.sshd().ssh("docker ps").output());
    // Only time the call once it has reached the shim (ssh itself may be slow under load).
    wait_until(Duration::from_secs(10), "docker ps is called", || dev.calls("docker ps") == 1)
        .await;
    let hung = tokio::time::timeout(Duration::from_secs(1), &mut blocked).await;
    assert!(hung.is_err(), "docker ps returned while hung: {hung:?}");

    // The blocked call resumes once the switch is cleared; new calls run normally.
    dev.hang("docker", false);
    let out = tokio::time::timeout(Duration::from_secs(10), blocked).await.unwrap().unwrap();
    assert!(out.unwrap().status.success());
    assert!(ssh(&dev, "docker ps").await.status.success());
    assert_eq!(dev.calls("docker ps"), 2);
}

#[tokio::test]
async fn dropping_a_device_kills_its_sessions() {
    let dev = SimDevice::start("leak");
    let marker = dev.bin_dir().display().to_string();
    dev.hang("smartctl", true);
    let mut client = dev.sshd().ssh("smartctl --scan-open -j");
    let _client = client.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_until(Duration::from_secs(10), "smartctl is called", || dev.calls("smartctl") == 1).await;
    assert!(processes_mentioning(&marker) > 0);
    drop(dev);
    wait_until(Duration::from_secs(5), "the hung shim is gone", || {
        processes_mentioning(&marker) == 0
    })
    .await;
}

fn processes_mentioning(needle: &str) -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != me.as_str())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains(needle))
        .count()
}

#[tokio::test]
async fn offline_then_online_keeps_port_and_host_key() {
    let mut dev = SimDevice::start("cycle");
    assert!(ssh(&dev, "true").await.status.success());
    let (port, key) = (dev.sshd().port(), dev.sshd().host_public_key_line());
    assert!(key.starts_with("ssh-ed25519 AAAA"), "{key}");

    // A live session dies with the device.
    dev.hang("docker", true);
    let live = tokio::spawn(dev.sshd().ssh("docker ps").output());
    wait_until(Duration::from_secs(10), "docker ps is called", || dev.calls("docker ps") == 1)
        .await;
    dev.go_offline();
    let out = tokio::time::timeout(Duration::from_secs(10), live).await.unwrap().unwrap();
    assert!(!out.unwrap().status.success());
    let refused = TcpStream::connect(dev.sshd().addr()).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(ssh(&dev, "true").await.status.code(), Some(255));

    dev.hang("docker", false);
    dev.come_online();
    assert_eq!((dev.sshd().port(), dev.sshd().host_public_key_line()), (port, key));
    let out = ssh(&dev, "docker ps").await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn mismatched_known_hosts_is_refused() {
    let dev = SimDevice::start("mitm");
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("known_hosts");
    dev.sshd().write_mismatched_known_hosts(&wrong);
    let run = dev.sshd().ssh_with_known_hosts(&wrong, "true").output();
    let out = tokio::time::timeout(Duration::from_secs(20), run).await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(255));
    assert!(stderr(&out).contains("Host key verification failed"), "{}", stderr(&out));
    let known = std::fs::read_to_string(dev.sshd().known_hosts_path()).unwrap();
    assert_eq!(
        known.trim(),
        format!("[127.0.0.1]:{} {}", dev.sshd().port(), dev.sshd().host_public_key_line())
    );
}

#[tokio::test]
async fn test_db_is_created_usable_and_dropped() {
    let db = TestDb::create().await;
    let name = db.name().to_string();
    assert!(name.starts_with("infra_test_"), "{name}");
    let client = db.client().await;
    client.batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (41)").await.unwrap();
    let row = client.query_one("SELECT x + 1 FROM t", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 42);
    let other: tokio_postgres::Config = db.url().parse().unwrap();
    assert!(harness::postgres::connect(&other).await.is_ok(), "url() connects");

    let admin = db.admin_config();
    drop(client);
    drop(db); // forcibly drops the database
    let admin = harness::postgres::connect(&admin).await.unwrap();
    let left = admin
        .query_one("SELECT count(*) FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap();
    assert_eq!(left.get::<_, i64>(0), 0, "{name} still exists");
}

#[tokio::test]
async fn fault_proxy_cuts_stalls_and_restores_postgres() {
    let db = TestDb::create().await;
    let upstream = db.tcp_addr().expect("this test needs PostgreSQL over TCP");
    let proxy = FaultProxy::start(upstream).await;
    let config: tokio_postgres::Config = db.url_via(proxy.addr()).parse().unwrap();
    let client = harness::postgres::connect(&config).await.unwrap();
    assert_eq!(client.query_one("SELECT 1", &[]).await.unwrap().get::<_, i32>(0), 1);
    assert_eq!(proxy.connections(), 1);

    proxy.stall().await;
    let stalled =
        tokio::time::timeout(Duration::from_millis(500), client.query_one("SELECT 2", &[]));
    assert!(stalled.await.is_err(), "query answered through a stalled proxy");
    proxy.restore().await;
    assert_eq!(client.query_one("SELECT 3", &[]).await.unwrap().get::<_, i32>(0), 3);

    proxy.cut().await;
    assert!(client.query_one("SELECT 4", &[]).await.is_err(), "cut connection still works");
    assert!(client.is_closed());
    assert!(harness::postgres::connect(&config).await.is_err(), "cut proxy accepted");
    assert_eq!(proxy.active_connections(), 0);

    proxy.restore().await;
    let client = harness::postgres::connect(&config).await.unwrap();
    assert_eq!(client.query_one("SELECT 5", &[]).await.unwrap().get::<_, i32>(0), 5);
    assert_eq!(proxy.connections(), 2);
}

#[tokio::test]
async fn fault_proxy_in_front_of_sshd() {
    let dev = SimDevice::start("proxied");
    let proxy = FaultProxy::start(dev.sshd().addr()).await;
    // The banner within `patience` (sshd may be slow to greet on a loaded machine).
    let banner = |addr, patience| async move {
        use tokio::io::AsyncReadExt;
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        let mut buf = [0u8; 7];
        tokio::time::timeout(patience, s.read_exact(&mut buf)).await.ok()?.ok()?;
        Some(buf)
    };
    assert_eq!(banner(proxy.addr(), Duration::from_secs(10)).await, Some(*b"SSH-2.0"));
    proxy.stall().await;
    let stalled = banner(proxy.addr(), Duration::from_millis(500)).await;
    assert_eq!(stalled, None, "banner through a stalled proxy");
    proxy.cut().await;
    assert!(tokio::net::TcpStream::connect(proxy.addr()).await.is_err());
    proxy.restore().await;
    assert_eq!(banner(proxy.addr(), Duration::from_secs(10)).await, Some(*b"SSH-2.0"));
    assert_eq!(proxy.connections(), 3);
}

#[tokio::test]
async fn wait_until_takes_sync_and_async_conditions() {
    let mut n = 0;
    wait_until(Duration::from_secs(1), "n reaches 3", || {
        n += 1;
        n >= 3
    })
    .await;
    wait_until(Duration::from_secs(1), "an async check passes", || async { true }).await;
    let panicked = tokio::spawn(async {
        wait_until(Duration::from_millis(50), "never", || false).await;
    });
    assert!(panicked.await.unwrap_err().is_panic());
}

#[tokio::test]
async fn fleet_devices_are_independent() {
    let fleet = SimFleet::start(3);
    assert_eq!(fleet.len(), 3);
    fleet.devices()[1].set_docker_ps("one\n");
    let outs: Vec<String> =
        futures::future::join_all(fleet.devices().iter().map(|d| ssh(d, "docker ps")))
            .await
            .iter()
            .map(stdout)
            .collect();
    assert_eq!(outs, ["", "one\n", ""]);
    assert_eq!(fleet.devices()[2].name(), "dev-2");
}
