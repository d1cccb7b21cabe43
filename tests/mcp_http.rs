//! The MCP endpoint over kept-alive HTTP connections, the way most MCP clients connect: an
//! answer written in pieces (headers, then SSE events) must not wait for the client's delayed
//! ACK, which costs about 40 ms per call when the server leaves Nagle's algorithm on.

mod harness;

use std::time::{Duration, Instant};

use harness::mcp::{self, call, ok};
use harness::server::serve;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_a_kept_alive_connection_do_not_stall() {
    let app = serve(vec![]).await;
    for stateless in [false, true] {
        let client = mcp::connect_kept_alive(app.addr, None, stateless).await;
        ok(&call(&client, "list_devices", json!({})).await);
        let mut took = Vec::new();
        for _ in 0..21 {
            let started = Instant::now();
            ok(&call(&client, "list_devices", json!({})).await);
            took.push(started.elapsed());
        }
        took.sort();
        let median = took[took.len() / 2];
        // A delayed-ACK stall is at least 40 ms on Linux; a call without one is well under 5.
        assert!(
            median < Duration::from_millis(30),
            "stateless: {stateless}: median call {median:?} on a kept-alive connection: {took:?}"
        );
        client.cancel().await.unwrap();
    }
    app.shutdown().await;
}
