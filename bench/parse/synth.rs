//! Synthetic big hosts derived from the real fixtures: 500 containers (ps, stats, inspect) and
//! 24 drives (scan + one smartctl JSON each), with ids, names and serials made unique.

use serde_json::Value;

macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $path))
    };
}

const PS: &str = fixture!("docker/client-28.2/ps.jsonl");
const PS_AFTER: &str = fixture!("docker/client-28.2/ps-after.jsonl");
const STATS: &str = fixture!("docker/client-28.2/stats.jsonl");
const STATS_AFTER: &str = fixture!("docker/client-28.2/stats-after.jsonl");
const INSPECT: &str = fixture!("docker/client-28.2/inspect.json");
const SCAN: &str = fixture!("smartctl/scan-open-devices.json");
const DRIVES: [&str; 4] = [
    fixture!("smartctl/sata-hdd-healthy.json"),
    fixture!("smartctl/sata-hdd-failing.json"),
    fixture!("smartctl/nvme-healthy.json"),
    fixture!("smartctl/sata-standby.json"),
];
/// The metrics fixture: one round trip of the metrics command on this machine.
pub const METRICS: &str = fixture!("metrics/metrics-1.txt");

/// One poll's worth of docker output for a many-container host.
pub struct DockerHost {
    /// `docker ps -a --no-trunc --format '{{json .}}'`.
    pub ps: String,
    /// `docker stats --no-stream --no-trunc --format '{{json .}}'`.
    pub stats: String,
    /// `docker inspect` of every container (one JSON array).
    pub inspect: String,
}

/// A 64-hex id unique to (original name, copy).
fn id_for(name: &str, copy: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain(copy.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}").repeat(4)
}

fn lines(s: &str) -> Vec<Value> {
    s.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// `n` containers: copies of the fixture's containers, each copy `k` renamed `<name>-k` with
/// an id derived from the name, so `before` and `after` hosts share ids like a real host.
pub fn docker_host(n: usize, after: bool) -> DockerHost {
    let (ps_src, stats_src) = if after { (PS_AFTER, STATS_AFTER) } else { (PS, STATS) };
    let ps = lines(ps_src);
    let stats = lines(stats_src);
    let inspect: Vec<Value> = serde_json::from_str(INSPECT).expect("inspect fixture is JSON");
    let name_of = |v: &Value, key: &str| {
        v.get(key).and_then(Value::as_str).unwrap_or("").trim_start_matches('/').to_string()
    };
    let (mut ps_out, mut stats_out, mut inspect_out) = (String::new(), String::new(), Vec::new());
    for i in 0..n {
        let (copy, src) = (i / ps.len(), &ps[i % ps.len()]);
        let name = name_of(src, "Names");
        let (id, new_name) = (id_for(&name, copy), format!("{name}-{copy}"));
        let orig_id = src.get("ID").and_then(Value::as_str).unwrap_or("");
        let mut p = src.clone();
        p["ID"] = id.clone().into();
        p["Names"] = new_name.clone().into();
        ps_out += &format!("{p}\n");
        if let Some(s) = stats.iter().find(|s| s.get("ID").and_then(Value::as_str) == Some(orig_id))
        {
            let mut s = s.clone();
            s["ID"] = id.clone().into();
            s["Container"] = id[..12].into();
            s["Name"] = new_name.clone().into();
            stats_out += &format!("{s}\n");
        }
        let mut ins = inspect
            .iter()
            .find(|v| name_of(v, "Name") == name)
            .unwrap_or(&inspect[i % inspect.len()])
            .clone();
        ins["Id"] = id.into();
        ins["Name"] = format!("/{new_name}").into();
        inspect_out.push(ins);
    }
    let inspect = serde_json::to_string_pretty(&inspect_out).expect("serialisable");
    DockerHost { ps: ps_out, stats: stats_out, inspect }
}

/// A host with `n` drives: the scan output and one smartctl JSON per drive (`/dev/sd<x>`),
/// cycling through the drive fixtures with distinct serial numbers.
pub fn drive_host(n: usize) -> (String, Vec<String>) {
    let mut scan: Value = serde_json::from_str(SCAN).expect("scan fixture is JSON");
    let template = scan["devices"][0].clone();
    let devices: Vec<Value> = (0..n)
        .map(|i| {
            let mut d = template.clone();
            let dev = format!(
                "/dev/sd{}{}",
                (b'a' + (i / 26) as u8) as char,
                (b'a' + (i % 26) as u8) as char
            );
            d["info_name"] = format!("{dev} [SAT]").into();
            d["name"] = dev.into();
            d
        })
        .collect();
    scan["devices"] = Value::Array(devices);
    let infos = (0..n)
        .map(|i| {
            let mut v: Value = serde_json::from_str(DRIVES[i % DRIVES.len()]).expect("JSON");
            if let Some(serial) = v.get("serial_number").and_then(Value::as_str) {
                v["serial_number"] = format!("{serial}-{i:02}").into();
            }
            serde_json::to_string_pretty(&v).expect("serialisable")
        })
        .collect();
    (serde_json::to_string_pretty(&scan).expect("serialisable"), infos)
}
