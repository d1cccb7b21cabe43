//! The store's schema and connection on every engine: migrations apply on an empty database
//! and re-apply as a no-op (also when two servers start at once), a newer database is
//! refused, a SQLite file survives a reopen, every event kind round-trips unchanged, the
//! TimescaleDB setup (hypertables, compression, continuous aggregates, policies), and connection errors that never
//! show the password.

#[path = "store/engines.rs"]
mod engines;

use std::sync::Arc;

use chrono::Utc;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::store::migrate::{self, MigrateError};
use infrastructor_actors::store::{Store, StoreError};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/events.json");

fn newer_refused(err: StoreError, name: &str) {
    let msg = err.to_string();
    assert!(
        matches!(err, StoreError::Migrate(MigrateError::Newer { found: 999, .. })),
        "{name}: {msg}"
    );
    assert!(msg.contains("upgrade infrastructor"), "{name}: {msg}");
}

#[tokio::test]
async fn postgres_migrations_apply_once_even_when_servers_start_together() {
    for e in engines::all().await {
        let Some(db) = &e.db else { continue };
        assert_eq!(e.store.schema_version().await.unwrap(), latest(), "{}", e.name);
        // Two more servers at once on the same (migrated) database, then the raw runner.
        let url = db.url();
        let (a, b) = tokio::join!(Store::connect_postgres(&url), Store::connect_postgres(&url));
        assert_eq!(a.unwrap().schema_version().await.unwrap(), latest(), "{}", e.name);
        assert_eq!(b.unwrap().engine_name(), e.name);
        let mut client = db.client().await;
        let ran = migrate::postgres(&mut client, migrate::PG_TABLE, migrate::POSTGRES).await;
        assert_eq!(ran.unwrap(), 0, "{}: re-running is a no-op", e.name);
        let recorded: i64 =
            client.query_one("SELECT count(*) FROM schema_migrations", &[]).await.unwrap().get(0);
        assert_eq!(recorded, migrate::POSTGRES.len() as i64, "{}", e.name);
        // A newer database is refused with the clear message.
        client
            .execute("INSERT INTO schema_migrations VALUES (999, 'future.sql', now())", &[])
            .await
            .unwrap();
        newer_refused(Store::connect_postgres(&db.url()).await.unwrap_err(), e.name);
    }
}

#[tokio::test]
async fn a_fresh_postgres_database_migrated_by_two_servers_at_once() {
    let db = engines::TempDb::create(&engines::pg_admin()).await;
    let url = db.url();
    let (a, b) = tokio::join!(Store::connect_postgres(&url), Store::connect_postgres(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        (a.schema_version().await.unwrap(), b.schema_version().await.unwrap()),
        (latest(), latest())
    );
    let recorded: i64 = db
        .client()
        .await
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(recorded, migrate::POSTGRES.len() as i64, "each migration ran once");
}

#[tokio::test]
async fn a_sqlite_file_survives_a_reopen_and_migrates_once() {
    let dir = std::env::temp_dir().join(format!("sqlite-test-{:016x}", fastrand::u64(..)));
    let path = dir.join("data").join("infrastructor.db");
    let evs: Vec<_> = (0..3)
        .map(|i| {
            let kind = EventKind::ProbeFailed { probe: "drives".into(), error: format!("e{i}") };
            Arc::new(Event::new("tower", Utc::now(), kind))
        })
        .collect();
    let db = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(db.insert(&evs).await.unwrap(), 3);
    assert_eq!(db.location(), path.display().to_string());
    drop(db);
    let db = Store::open_sqlite(&path).await.unwrap();
    assert_eq!(db.count().await.unwrap(), 3);
    assert_eq!(db.latest_per_kind().await.unwrap()[0].id, evs[2].id);
    assert_eq!(db.schema_version().await.unwrap(), latest());
    db.ping().await.unwrap();
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(migrate::sqlite(&mut conn, migrate::SQLITE).unwrap(), 0, "re-running is a no-op");
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future.sql', 'x')", []).unwrap();
    drop((db, conn));
    newer_refused(Store::open_sqlite(&path).await.unwrap_err(), "sqlite");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn every_event_kind_round_trips_unchanged_through_every_engine() {
    let text = std::fs::read_to_string(SNAPSHOT).unwrap();
    let snapshot: serde_json::Value = serde_json::from_str(&text).unwrap();
    let events: Vec<Event> = serde_json::from_str(&text).unwrap();
    let batch: Vec<_> = events.iter().cloned().map(Arc::new).collect();
    for e in engines::all().await {
        assert_eq!(e.store.insert(&batch).await.unwrap(), events.len(), "{}", e.name);
        let back = e.store.events_after(None, 1000).await.unwrap();
        assert_eq!(back, events, "{}", e.name);
        assert_eq!(serde_json::to_value(&back).unwrap(), snapshot, "{}: the same JSON", e.name);
        let latest = e.store.latest_per_kind().await.unwrap();
        assert!(latest.iter().all(|l| events.contains(l)), "{}", e.name);
    }
}

#[tokio::test]
async fn text_with_a_nul_character_does_not_fail_a_batch() {
    for e in engines::all().await {
        let kind = EventKind::ProbeFailed { probe: "p".into(), error: "bad\0byte".into() };
        let ev = Arc::new(Event::new("tower", Utc::now(), kind));
        assert_eq!(e.store.insert(&[ev]).await.unwrap(), 1, "{}", e.name);
        let back = &e.store.events_after(None, 10).await.unwrap()[0];
        let EventKind::ProbeFailed { error, .. } = &back.kind else { panic!("{back:?}") };
        assert!(error.starts_with("bad") && error.ends_with("byte"), "{}: {error:?}", e.name);
    }
}

#[tokio::test]
async fn timescaledb_has_the_hypertable_compression_and_policies() {
    for e in engines::all().await {
        if e.name != "timescaledb" {
            continue;
        }
        let client = e.db.as_ref().unwrap().client().await;
        let one = |sql: &'static str| {
            let client = &client;
            async move { client.query_one(sql, &[]).await.unwrap_or_else(|err| panic!("{sql}: {err}")) }
        };
        let row = one("SELECT compression_enabled FROM timescaledb_information.hypertables
                       WHERE hypertable_name = 'events'")
        .await;
        assert!(row.get::<_, bool>(0), "events is a hypertable with compression enabled");
        let row =
            one("SELECT column_name, time_interval::text FROM timescaledb_information.dimensions
                       WHERE hypertable_name = 'events'")
            .await;
        assert_eq!(
            (row.get::<_, String>(0), row.get::<_, String>(1)),
            ("observed_at".into(), "1 day".into())
        );
        let row = one(
            "SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings
                       WHERE hypertable = 'events'::regclass",
        )
        .await;
        assert_eq!(row.get::<_, String>(0), "device");
        // TimescaleDB appends the time column to the order.
        let orderby: String = row.get(1);
        assert!(orderby.starts_with("seq"), "{orderby}");
        let jobs = client
            .query(
                "SELECT proc_name, config->>'compress_after', config->>'drop_after'
                 FROM timescaledb_information.jobs WHERE hypertable_name = 'events'
                 ORDER BY proc_name",
                &[],
            )
            .await
            .unwrap();
        let jobs: Vec<(String, Option<String>, Option<String>)> =
            jobs.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        assert_eq!(
            jobs,
            [
                ("policy_compression".into(), Some("7 days".into()), None),
                ("policy_retention".into(), None, Some("1 year".into())),
            ]
        );
        let recorded: i64 = client
            .query_one("SELECT count(*) FROM timescale_migrations", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(recorded, migrate::TIMESCALE.len() as i64);
    }
}

#[tokio::test]
async fn timescaledb_has_the_samples_hypertable_and_continuous_aggregates() {
    for e in engines::all().await {
        if e.name != "timescaledb" {
            continue;
        }
        let client = e.db.as_ref().unwrap().client().await;
        let rows = |sql: &'static str| {
            let client = &client;
            async move { client.query(sql, &[]).await.unwrap_or_else(|err| panic!("{sql}: {err}")) }
        };
        let row = &rows(
            "SELECT h.compression_enabled, d.column_name, d.integer_interval, d.integer_now_func
             FROM timescaledb_information.hypertables h
             JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
             WHERE h.hypertable_name = 'samples'",
        )
        .await[0];
        assert_eq!(
            (row.get::<_, bool>(0), row.get::<_, String>(1), row.get::<_, i64>(2)),
            (true, "ts".into(), 86_400),
            "samples is a hypertable on ts in 1-day chunks, compression enabled"
        );
        assert_eq!(row.get::<_, String>(3), "infra_unix_now");
        let row = &rows(
            "SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings
             WHERE hypertable = 'samples'::regclass",
        )
        .await[0];
        assert_eq!(
            (row.get::<_, String>(0), row.get::<_, String>(1)),
            ("series".into(), "ts".into())
        );
        let caggs: Vec<(String, bool)> = rows(
            "SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates
             ORDER BY view_name",
        )
        .await
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        assert_eq!(caggs, [("rollup_day".into(), false), ("rollup_hour".into(), false)]);
        let plain: i64 =
            rows("SELECT count(*) FROM pg_tables WHERE tablename IN ('rollup_hour', 'rollup_day')")
                .await[0]
                .get(0);
        assert_eq!(plain, 0, "the plain rollup tables are gone");
        // The policies of the samples hypertable and of both aggregates (by their views).
        let jobs: Vec<(String, String, String)> = rows(
            "SELECT coalesce(c.view_name, j.hypertable_name), j.proc_name,
                    coalesce(j.config->>'compress_after', j.config->>'drop_after',
                             (j.config->>'start_offset') || '..' || (j.config->>'end_offset'))
             FROM timescaledb_information.jobs j
             LEFT JOIN timescaledb_information.continuous_aggregates c
                 ON c.materialization_hypertable_name = j.hypertable_name
             WHERE j.hypertable_name <> 'events' ORDER BY 1, 2",
        )
        .await
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
        let job = |on: &str, proc: &str, config: &str| (on.into(), proc.into(), config.into());
        assert_eq!(
            jobs,
            [
                job("rollup_day", "policy_refresh_continuous_aggregate", "259200..3600"),
                job("rollup_day", "policy_retention", "31536000"),
                job("rollup_hour", "policy_refresh_continuous_aggregate", "259200..3600"),
                job("rollup_hour", "policy_retention", "31536000"),
                job("samples", "policy_compression", "172800"),
            ]
        );
    }
}

#[tokio::test]
async fn connection_errors_name_the_server_but_never_the_password() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens there now
    for url in [
        format!("postgres://me:Sup3rSecret@127.0.0.1:{port}/x"),
        format!("host=127.0.0.1 port={port} user=me password=Sup3rSecret dbname=x"),
        "postgres://me:Sup3rSecret@127.0.0.1:notaport/x".to_string(),
    ] {
        let err = Store::connect_postgres(&url).await.unwrap_err();
        let msg = err.to_string();
        println!("{msg}");
        // Nothing listening is worth retrying; a URL that does not parse is not.
        match url.contains("notaport") {
            true => assert!(matches!(err, StoreError::Postgres(_)), "{msg}"),
            false => assert!(err.is_transient() && msg.contains("cannot connect to"), "{msg}"),
        }
        assert!(!msg.contains("Sup3rSecret"), "{msg}");
        assert!(msg.contains("127.0.0.1") || msg.contains("invalid"), "{msg}");
    }
    let db = engines::TempDb::create(&engines::pg_admin()).await;
    let store =
        Store::connect_postgres(&format!("{} password=Sup3rSecret", db.url())).await.unwrap();
    assert!(!store.location().contains("Sup3rSecret") && store.location().contains(&db.name));
    assert!(!format!("{store:?}").contains("Sup3rSecret"));
    store.ping().await.unwrap();
}

/// The newest migration's version, the same on both engines.
fn latest() -> i64 {
    let sqlite = migrate::SQLITE.last().map_or(0, |m| m.version);
    assert_eq!(Some(sqlite), migrate::POSTGRES.last().map(|m| m.version), "same numbers");
    sqlite
}
