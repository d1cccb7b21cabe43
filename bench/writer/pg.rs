//! The PostgreSQL side of the writer bench: a throwaway database, and the raw binary COPY of
//! the same rows into a table shaped like `events` (same columns and indexes), the baseline
//! the store's writes are compared with.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::pin_mut;
use infrastructor_actors::events::Event;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls};

/// A database made for this run, dropped at the end.
pub struct Throwaway {
    /// Its name.
    pub name: String,
    admin: Client,
    /// A key=value connection string for it.
    pub url: String,
}

fn admin_url() -> String {
    std::env::var("INFRASTRUCTOR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Connects to `url`, driving the connection on a task.
pub async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

impl Throwaway {
    /// Creates `infra_bench_<pid>`; `None` (with why) when PostgreSQL is not reachable.
    pub async fn create() -> Result<Self, String> {
        let admin = connect(&admin_url()).await.map_err(|e| format!("PostgreSQL: {e}"))?;
        let name = format!("infra_bench_{}", std::process::id());
        for q in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&q).await.map_err(|e| format!("{q}: {e}"))?;
        }
        let cfg: tokio_postgres::Config = admin_url().parse().map_err(|e| format!("{e}"))?;
        let host = match cfg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".into(),
        };
        let port = cfg.get_ports().first().copied().unwrap_or(5432);
        let user = cfg.get_user().unwrap_or("postgres").to_string();
        let url = format!("host={host} port={port} user={user} dbname={name}");
        Ok(Self { name, admin, url })
    }

    /// Drops the database.
    pub async fn drop_now(self) {
        let q = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = self.admin.batch_execute(&q).await;
    }
}

/// Binary COPY of the same rows the writer writes — `events` (batches of 5,000) into
/// `raw_events`, shaped like the store's `events`, and their sample rows (series ids
/// resolved in memory beforehand) into `raw_samples`, shaped like `samples` — with no
/// staging, no idempotency and no rollups; returns the time taken.
pub async fn raw_copy(client: &Client, events: &[Arc<Event>]) -> Duration {
    client
        .batch_execute(
            "DROP TABLE IF EXISTS raw_events;
             CREATE TABLE raw_events (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY
                 INCLUDING INDEXES INCLUDING CONSTRAINTS);
             DROP TABLE IF EXISTS raw_samples;
             CREATE TABLE raw_samples (LIKE samples INCLUDING DEFAULTS INCLUDING INDEXES
                 INCLUDING CONSTRAINTS)",
        )
        .await
        .expect("raw table");
    let mut ids = std::collections::HashMap::new();
    let samples: Vec<Vec<(i64, i64, f64)>> = events
        .chunks(5_000)
        .map(|batch| {
            batch
                .iter()
                .flat_map(|e| infrastructor_actors::store::samples::rows(e))
                .map(|r| {
                    let next = ids.len() as i64 + 1;
                    let id = *ids.entry((r.device, r.metric, r.instance)).or_insert(next);
                    (id, r.at.timestamp(), r.value)
                })
                .collect()
        })
        .collect();
    let types = [Type::UUID, Type::TEXT, Type::TIMESTAMPTZ, Type::TEXT, Type::BOOL, Type::JSONB];
    let started = Instant::now();
    for batch in events.chunks(5_000) {
        let sink = client
            .copy_in(
                "COPY raw_events (id, device, observed_at, type, sample, payload) FROM STDIN BINARY",
            )
            .await
            .expect("copy");
        let writer = BinaryCopyInWriter::new(sink, &types);
        pin_mut!(writer);
        for ev in batch {
            let payload = serde_json::to_value(&**ev).expect("json");
            let sample = ev.kind.sample_of().is_some();
            let row: [&(dyn ToSql + Sync); 6] =
                [&ev.id, &ev.device, &ev.observed_at, &ev.type_name(), &sample, &payload];
            writer.as_mut().write(&row).await.expect("row");
        }
        writer.finish().await.expect("finish");
    }
    for batch in &samples {
        let sink = client
            .copy_in("COPY raw_samples (series, ts, value) FROM STDIN BINARY")
            .await
            .expect("copy");
        let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::FLOAT8]);
        pin_mut!(writer);
        for (series, ts, value) in batch {
            let row: [&(dyn ToSql + Sync); 3] = [series, ts, value];
            writer.as_mut().write(&row).await.expect("row");
        }
        writer.finish().await.expect("finish");
    }
    started.elapsed()
}
