//! The device registry on the server engine, the same semantics as `sqlite::devices`: list,
//! upsert, remove, and seeding the config devices in one transaction.

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;

use super::PgStore;
use crate::device::{DeviceSource, DeviceSpec};
use crate::store::StoreError;
use crate::store::devices::{DeviceRecord, SeedReport, decode, encode};

/// Byte order, as SQLite sorts names.
const LIST: &str = "SELECT name, source, spec::text, created_at, updated_at FROM devices
     ORDER BY name COLLATE \"C\"";

const UPSERT: &str = "INSERT INTO devices (name, source, spec, created_at, updated_at)
     VALUES ($1, $2, $3::text::jsonb, $4, $5)
     ON CONFLICT (name) DO UPDATE SET
         source = EXCLUDED.source, spec = EXCLUDED.spec, updated_at = EXCLUDED.updated_at
     WHERE devices.source <> EXCLUDED.source OR devices.spec <> EXCLUDED.spec";

/// Every device of the registry, by name.
pub async fn list(db: &PgStore) -> Result<Vec<DeviceRecord>, StoreError> {
    let client = db.client().await?;
    let mut out = Vec::new();
    for (i, row) in client.query(LIST, &[]).await?.into_iter().enumerate() {
        let name: String = row.try_get(0)?;
        let corrupt = |detail: String| StoreError::Corrupt {
            seq: i64::try_from(i).unwrap_or(-1),
            detail: format!("device `{name}`: {detail}"),
        };
        let source: String = row.try_get(1)?;
        let source = DeviceSource::parse(&source)
            .ok_or_else(|| corrupt(format!("unknown source `{source}`")))?;
        let spec = decode(&row.try_get::<_, String>(2)?).map_err(&corrupt)?;
        let created_at: DateTime<Utc> = row.try_get(3)?;
        let updated_at: DateTime<Utc> = row.try_get(4)?;
        out.push(DeviceRecord { spec, source, created_at, updated_at });
    }
    Ok(out)
}

async fn upsert(c: &Transaction<'_>, r: &DeviceRecord) -> Result<(), StoreError> {
    let spec = encode(&r.spec, r.source)?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&r.spec.name, &r.source.as_str(), &spec, &r.created_at, &r.updated_at];
    c.execute(UPSERT, &params).await?;
    Ok(())
}

/// Writes `r` (replacing the row of the same name, keeping its `created_at`). An API record
/// never replaces a config row.
pub async fn put(db: &PgStore, r: &DeviceRecord) -> Result<(), StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    if r.source == DeviceSource::Api {
        let q = "SELECT source FROM devices WHERE name = $1 FOR UPDATE";
        let row = tx.query_opt(q, &[&r.spec.name]).await?;
        let source: Option<String> = row.map(|row| row.try_get(0)).transpose()?;
        if source.as_deref() == Some(DeviceSource::Config.as_str()) {
            return Err(StoreError::Invalid(format!(
                "device `{}` comes from the config file: edit it there",
                r.spec.name
            )));
        }
    }
    upsert(&tx, r).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the device called `name`; whether there was one.
pub async fn remove(db: &PgStore, name: &str) -> Result<bool, StoreError> {
    let client = db.client().await?;
    Ok(client.execute("DELETE FROM devices WHERE name = $1", &[&name]).await? > 0)
}

/// Upserts `specs` as config rows, deletes API rows of the same names (regardless of case)
/// and config rows whose device left the config.
pub async fn seed_config(db: &PgStore, specs: &[DeviceSpec]) -> Result<SeedReport, StoreError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    // One seeding at a time (two servers starting on one database).
    tx.execute("LOCK TABLE devices IN SHARE ROW EXCLUSIVE MODE", &[]).await?;
    let rows =
        tx.query("SELECT name, source FROM devices ORDER BY name COLLATE \"C\"", &[]).await?;
    let existing = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(String, String)>, tokio_postgres::Error>>()?;
    let report = SeedReport::plan(&existing, specs);
    for name in report.deleted() {
        tx.execute("DELETE FROM devices WHERE name = $1", &[name]).await?;
    }
    let now = Utc::now();
    for spec in specs {
        let record = DeviceRecord {
            spec: spec.clone(),
            source: DeviceSource::Config,
            created_at: now,
            updated_at: now,
        };
        upsert(&tx, &record).await?;
    }
    tx.commit().await?;
    Ok(report)
}
