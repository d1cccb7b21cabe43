//! The device registry on the embedded engine: list, upsert, remove, and seeding the config
//! devices in one transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::device::{DeviceSource, DeviceSpec};
use crate::store::StoreError;
use crate::store::devices::{DeviceRecord, SeedReport, decode, encode};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Every device of the registry, by name.
pub fn list(c: &Connection) -> Result<Vec<DeviceRecord>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT rowid, name, source, spec, created_at, updated_at FROM devices ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, name, source, spec, created, updated) = row?;
        let corrupt = |detail: String| StoreError::Corrupt {
            seq,
            detail: format!("device `{name}`: {detail}"),
        };
        let source = DeviceSource::parse(&source)
            .ok_or_else(|| corrupt(format!("unknown source `{source}`")))?;
        let spec = decode(&spec).map_err(&corrupt)?;
        let time = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| corrupt(format!("time `{t}`: {e}")))
        };
        out.push(DeviceRecord {
            spec,
            source,
            created_at: time(&created)?,
            updated_at: time(&updated)?,
        });
    }
    Ok(out)
}

fn source_of(c: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    let q = "SELECT source FROM devices WHERE name = ?1";
    Ok(c.query_row(q, [name], |r| r.get(0)).optional()?)
}

fn upsert(c: &Connection, r: &DeviceRecord) -> Result<(), StoreError> {
    let spec = encode(&r.spec, r.source)?;
    c.prepare_cached(
        "INSERT INTO devices (name, source, spec, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name) DO UPDATE SET
             source = excluded.source, spec = excluded.spec, updated_at = excluded.updated_at
         WHERE devices.source <> excluded.source OR devices.spec <> excluded.spec",
    )?
    .execute(params![
        r.spec.name,
        r.source.as_str(),
        spec,
        stamp(r.created_at),
        stamp(r.updated_at)
    ])?;
    Ok(())
}

/// Writes `r` (replacing the row of the same name, keeping its `created_at`). An API record
/// never replaces a config row.
pub fn put(c: &mut Connection, r: &DeviceRecord) -> Result<(), StoreError> {
    let tx = c.transaction()?;
    if r.source == DeviceSource::Api
        && source_of(&tx, &r.spec.name)?.as_deref() == Some(DeviceSource::Config.as_str())
    {
        return Err(StoreError::Invalid(format!(
            "device `{}` comes from the config file: edit it there",
            r.spec.name
        )));
    }
    upsert(&tx, r)?;
    tx.commit()?;
    Ok(())
}

/// Deletes the device called `name`; whether there was one.
pub fn remove(c: &mut Connection, name: &str) -> Result<bool, StoreError> {
    Ok(c.execute("DELETE FROM devices WHERE name = ?1", [name])? > 0)
}

/// Upserts `specs` as config rows, deletes API rows of the same names (regardless of case)
/// and config rows whose device left the config.
pub fn seed_config(c: &mut Connection, specs: &[DeviceSpec]) -> Result<SeedReport, StoreError> {
    let tx = c.transaction()?;
    let existing: Vec<(String, String)> = {
        let mut stmt = tx.prepare_cached("SELECT name, source FROM devices ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let report = SeedReport::plan(&existing, specs);
    for name in report.deleted() {
        tx.execute("DELETE FROM devices WHERE name = ?1", [name])?;
    }
    let now = Utc::now();
    for spec in specs {
        upsert(
            &tx,
            &DeviceRecord {
                spec: spec.clone(),
                source: DeviceSource::Config,
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    tx.commit()?;
    Ok(report)
}
