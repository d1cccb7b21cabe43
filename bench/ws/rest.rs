//! The REST row: `clients` concurrent readers, each on a kept-alive connection of its own,
//! reading one path back to back for a window; latency per request.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::summary::Summary;

/// What the readers saw.
pub struct RestResult {
    /// Latency of every successful request.
    pub latency: Summary,
    /// Requests that failed or were not 200.
    pub errors: usize,
    /// Requests per second, all readers together.
    pub rate: f64,
    /// Size of one answer's body, in bytes.
    pub body: usize,
}

/// Runs `clients` readers of `path` on `addr` for `window`.
pub async fn run(addr: SocketAddr, path: &str, clients: usize, window: Duration) -> RestResult {
    let url = format!("http://{addr}{path}");
    let started = Instant::now();
    let end = started + window;
    let readers = (0..clients).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::builder().build().expect("an http client");
            let (mut lat, mut errors, mut body) = (Vec::new(), 0, 0);
            while Instant::now() < end {
                let t = Instant::now();
                let ok = match http.get(&url).send().await {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(b) => {
                            body = b.len();
                            true
                        }
                        Err(_) => false,
                    },
                    _ => false,
                };
                if ok {
                    lat.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors, body)
        })
    });
    let (mut all, mut errors, mut body) = (Vec::new(), 0, 0);
    for r in futures::future::join_all(readers).await {
        let (lat, e, size) = r.expect("a reader");
        all.extend(lat);
        errors += e;
        body = body.max(size);
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    RestResult { latency: Summary::of(all), errors, rate, body }
}
