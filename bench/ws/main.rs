//! `bench/ws`: the live stream under load. The whole server in this process (the bus, the
//! fan-out, `/ws`, `/api`; no device: synthetic events spread over `--devices` names are
//! published on its bus, as pollers would), and `--clients` WebSocket clients with mixed
//! topics (`mix.rs`) in a child process (`child.rs`), so this process's RSS is the server's
//! alone. Prints a table against the targets: delivery latency p99 ≤ 50 ms at 1,000
//! clients and 1,000 events/s, the lossless path not slowed (a lossless subscriber's lag and
//! throughput with 0 clients and with the clients), ≤ 64 KiB per idle client, and a REST
//! read at 64 concurrent clients with p99 ≤ 10 ms.
//!
//! `cargo bench --bench ws -- [--quick] [--clients 1000] [--devices 100] [--rate 1000]
//! [--seconds 20] [--burst 20000]`; `--quick` is a smoke run (100 clients, 3 s, 5,000).

mod child;
mod load;
#[allow(dead_code)]
#[path = "../fleet/measure.rs"]
mod measure;
mod mix;
mod rest;
#[allow(dead_code)]
#[path = "../mcp/summary.rs"]
mod summary;
mod table;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use infrastructor::app::{AppOptions, Running};
use infrastructor::config::{ApiSettings, WsSettings};
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::FleetSettings;

/// The REST path measured: the target's device-state read, of a device of `mix.rs` (known
/// to the projection from the warm-up's events).
pub const REST_PATH: &str = "/api/devices/dev000/state";
/// Concurrent REST readers.
pub const REST_CLIENTS: usize = 64;

/// A client connection.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The command line.
pub struct Args {
    /// WebSocket clients.
    pub clients: usize,
    /// Device names the events spread over.
    pub devices: usize,
    /// Events per second in the paced runs.
    pub rate: u64,
    /// Length of each paced run and of the REST run.
    pub seconds: u64,
    /// Events in each back-to-back run.
    pub burst: usize,
}

fn args(argv: &[String]) -> Args {
    let mut a = Args { clients: 1000, devices: 100, rate: 1000, seconds: 20, burst: 20_000 };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let mut num = || value().parse::<u64>().unwrap_or_else(|_| panic!("{flag}: a number"));
        match flag.as_str() {
            "--quick" => (a.clients, a.seconds, a.burst) = (100, 3, 5_000),
            "--clients" => a.clients = num().max(1) as usize,
            "--devices" => a.devices = num().max(1) as usize,
            "--rate" => a.rate = num().max(1),
            "--seconds" => a.seconds = num().max(1),
            "--burst" => a.burst = num().max(1) as usize,
            "--bench" => {}
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// A multi-threaded runtime of `threads` workers named `name`.
pub fn runtime(name: &str, threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The client process and its two pipes.
struct Clients {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Clients {
    fn spawn(addr: std::net::SocketAddr, a: &Args) -> Self {
        let exe = std::env::current_exe().expect("the bench binary's path");
        let mut child = Command::new(exe)
            .args(["--child", &addr.to_string(), &a.clients.to_string(), &a.devices.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the client process starts");
        let stdin = child.stdin.take().expect("its stdin");
        let stdout = BufReader::new(child.stdout.take().expect("its stdout"));
        let mut me = Self { child, stdin, stdout };
        me.expect("ready");
        me
    }

    /// The next line, which must start with `word`.
    fn expect(&mut self, word: &str) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("the client process answers");
        assert!(line.starts_with(word), "client process: expected {word}, got {line:?}");
        line
    }

    fn say(&mut self, cmd: &str, answer: &str) -> String {
        writeln!(self.stdin, "{cmd}").and_then(|()| self.stdin.flush()).expect("a command sent");
        self.expect(answer)
    }

    fn end(self) {
        let Self { mut child, stdin, .. } = self;
        drop(stdin);
        let _ = child.wait();
    }
}

/// Waits (up to 60 s) until `cond` holds, checking every 10 ms.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn start(bus: Bus, clients: usize) -> Running {
    let ws = WsSettings { max_connections: clients + 100, ..WsSettings::default() };
    let opts = AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().expect("an address"),
        devices: Vec::new(),
        fleet: FleetSettings::default(),
        history: None,
        api: ApiSettings { ws, ..ApiSettings::default() },
    };
    infrastructor::app::start_on(opts, bus).await.expect("the server starts")
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--child") {
        return child::main(&argv[1..]);
    }
    let a = args(&argv);
    let load_at_start = table::load_average();
    let (server_rt, rest_rt) = (runtime("ws-server", 2), runtime("rest-clients", 2));
    let window = Duration::from_secs(a.seconds);
    let bus = Bus::new();
    let (app, sub) = server_rt.block_on(async {
        let sub = load::Lossless::start(&bus);
        (start(bus.clone(), a.clients).await, sub)
    });
    let mut next = 0;
    // Warm-up: every device known to the projection, so the REST read has its devices.
    let warm = server_rt.block_on(load::paced(
        &bus,
        &sub,
        next,
        a.rate,
        Duration::from_secs(1),
        a.devices,
    ));
    next += warm.published as usize;
    eprintln!("lossless path, no client");
    let alone = server_rt.block_on(load::paced(&bus, &sub, next, a.rate, window, a.devices));
    next += alone.published as usize;
    let alone_burst = server_rt.block_on(load::burst(&bus, &sub, next, a.burst, a.devices));
    next += a.burst;

    // Idle clients: the server's RSS before and after they connect and subscribe.
    std::thread::sleep(Duration::from_secs(1));
    let rss_before = measure::rss_bytes();
    eprintln!("connecting {} clients", a.clients);
    let mut clients = Clients::spawn(app.addr, &a);
    server_rt.block_on(until("every client registered", || app.fanout.clients() == a.clients));
    std::thread::sleep(Duration::from_secs(2));
    let rss_idle = measure::rss_bytes();

    eprintln!("{} events/s to {} clients", a.rate, a.clients);
    let dropped_before = app.fanout.dropped();
    clients.say("start", "started");
    let loaded = server_rt.block_on(load::paced(&bus, &sub, next, a.rate, window, a.devices));
    next += loaded.published as usize;
    std::thread::sleep(Duration::from_millis(500));
    let latency = table::Latency::parse(&clients.say("stop", "latency"));
    let dropped = app.fanout.dropped() - dropped_before;
    let recipients = mix::Recipients::new(a.clients, a.devices);
    let first = loaded.first;
    let expected: usize =
        (first..first + loaded.published as usize).map(|k| recipients.of(k)).sum();
    eprintln!("back to back with {} clients", a.clients);
    let loaded_burst = server_rt.block_on(load::burst(&bus, &sub, next, a.burst, a.devices));
    clients.end();

    eprintln!("REST: {REST_CLIENTS} readers of {REST_PATH}");
    let rest = rest_rt.block_on(rest::run(app.addr, REST_PATH, REST_CLIENTS, window));
    server_rt.block_on(app.shutdown());
    table::print(&table::Figures {
        args: &a,
        latency,
        expected,
        dropped,
        alone,
        loaded,
        alone_burst,
        loaded_burst,
        rss_before,
        rss_idle,
        rest,
        load_at_start,
    });
}
