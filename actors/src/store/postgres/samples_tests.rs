//! The PostgreSQL sample tables answer exactly as the SQLite ones: the same rows written to a
//! throwaway database on the real server at 127.0.0.1:5432 and to an in-memory SQLite one
//! (twice, and a late one), rolled up, queried raw/hourly/daily/by instance/for capacity,
//! pruned.

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio_postgres::{Client, NoTls};

use super::*;
use crate::store::postgres::series::{capacity, series};
use crate::store::samples::query::{Bucket, Series, SeriesQuery};
use crate::store::sqlite::{SqliteStore, samples as lite, series as lite_series};

const SERVER: &str = "host=127.0.0.1 port=5432 user=postgres";
const SCHEMA: &str = include_str!("../../../../schema/postgres/0003_samples.sql");
const BLOCKS: &str = include_str!("../../../../schema/postgres/0005_blocks.sql");
const PACKED: &str = include_str!("../../../../schema/postgres/0006_packed.sql");

async fn connect(db: &str) -> Client {
    let (client, conn) =
        tokio_postgres::connect(&format!("{SERVER} dbname={db}"), NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

/// Three days of five-minute samples of a load metric (two instances) and a health metric.
fn rows(offset_secs: i64) -> Vec<SampleRow> {
    let row = |metric, instance: &str, i: i64, value: f64| SampleRow {
        device: "tower".into(),
        metric,
        instance: instance.into(),
        at: t0() + Duration::seconds(300 * i + offset_secs),
        value,
    };
    let mut out = Vec::new();
    for i in 0..864 {
        out.push(row("fs.used_bytes", "/", i, (i * (1 + i % 3)) as f64));
        out.push(row("fs.used_bytes", "/data", i, 0.5 * i as f64));
        out.push(row("drive.temperature_celsius", "SER1", i, (30 + i % 11) as f64));
    }
    out
}

fn queries() -> Vec<SeriesQuery> {
    let q = |metric: &str, instance: Option<&str>, from: i64, to: i64, bucket| SeriesQuery {
        device: "tower".into(),
        metric: metric.into(),
        instance: instance.map(str::to_string),
        from: t0() + Duration::hours(from),
        to: t0() + Duration::hours(to),
        bucket,
    };
    vec![
        q("fs.used_bytes", Some("/"), 10, 11, Bucket::Raw),
        q("fs.used_bytes", None, 0, 72, Bucket::Hour),
        q("fs.used_bytes", Some("/data"), 0, 72, Bucket::Day),
        q("drive.temperature_celsius", None, 0, 72, Bucket::Auto),
        q("drive.temperature_celsius", None, 0, 6, Bucket::Raw),
    ]
}

async fn both(pg: &Client, sqlite: &SqliteStore) -> Vec<Vec<Series>> {
    let mut out = Vec::new();
    for q in queries() {
        let want = sqlite.read(|c| lite_series::series(c, &q)).unwrap();
        let got = series(pg, &q).await.unwrap();
        assert_eq!(got, want, "{q:?}");
        out.push(got);
    }
    let spec = (t0(), t0() + Duration::hours(72), Bucket::Hour);
    let want = sqlite.read(|c| lite_series::capacity(c, None, spec)).unwrap();
    assert_eq!(capacity(pg, None, spec).await.unwrap(), want);
    out.push(want);
    out
}

async fn body(pg: &mut Client) {
    pg.batch_execute(SCHEMA).await.unwrap();
    pg.batch_execute(BLOCKS).await.unwrap();
    pg.batch_execute(PACKED).await.unwrap();
    pg.batch_execute(STAGING).await.unwrap();
    let sqlite = SqliteStore::in_memory().unwrap();
    let lite_write = |rows: Vec<SampleRow>| {
        sqlite
            .write(|c| {
                let tx = c.transaction()?;
                lite::write(&tx, rows, &lite::SeriesIds::default())?;
                tx.commit()?;
                Ok(())
            })
            .unwrap()
    };
    for _ in 0..2 {
        let tx = pg.transaction().await.unwrap();
        write(&tx, &rows(0), false).await.unwrap();
        tx.commit().await.unwrap();
        lite_write(rows(0));
    }
    assert_eq!(count(pg).await.unwrap(), 864 * 3, "written once");
    let now = t0() + Duration::minutes(71 * 60 + 30);
    let tx = pg.transaction().await.unwrap();
    assert!(rollup(&tx, now).await.unwrap() > 0);
    tx.commit().await.unwrap();
    sqlite.write(|c| lite_series::rollup(c, now)).unwrap();
    let first = both(pg, &sqlite).await;
    assert_eq!(first[1].len(), 2);
    assert_eq!(first[1][0].points.len(), 72);
    assert_eq!(first[3][0].resolution, Bucket::Hour);
    // Late samples (a minute after each of the first ones) merge into closed hours and days.
    let late: Vec<_> = rows(60).into_iter().take(30).collect();
    let tx = pg.transaction().await.unwrap();
    assert_eq!(write(&tx, &late, false).await.unwrap(), (30, None));
    tx.commit().await.unwrap();
    lite_write(late);
    let second = both(pg, &sqlite).await;
    assert_eq!(second[1][0].points[0].count, 12 + 10);
    // Retention 31 days on: day 0's raw load samples go, health ones and rollups stay.
    let later = t0() + Duration::days(31);
    let tx = pg.transaction().await.unwrap();
    rollup(&tx, later).await.unwrap();
    let (raw, health, rollups) =
        (later - Duration::days(30), later - Duration::days(365), later - Duration::days(365));
    let gone = prune(&tx, (raw, health, rollups), false).await.unwrap();
    tx.commit().await.unwrap();
    sqlite.write(|c| lite_series::rollup(c, later)).unwrap();
    let lite_gone = sqlite.write(|c| lite::prune(c, raw, health, rollups)).unwrap();
    assert_eq!((gone, gone), (lite_gone as u64, 2 * 288 + 20));
    let third = both(pg, &sqlite).await;
    assert!(third[0][0].points.is_empty(), "day 0 raw is gone");
    assert_eq!(third[4][0].points.len(), 72 + 10, "health raw is kept");
    assert_eq!(third[1], second[1], "rollups are kept");
}

#[tokio::test]
async fn postgres_answers_as_sqlite() {
    let name = format!("infra_t_samples_{:016x}", fastrand::u64(..));
    let admin = connect("postgres").await;
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let mut pg = connect(&name).await;
    let outcome = tokio::spawn(async move { body(&mut pg).await }).await;
    admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
