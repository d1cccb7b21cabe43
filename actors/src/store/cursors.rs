//! The notifiers' place in the event table (the event table is their outbox): the newest
//! `seq`, the events of some kinds after a `seq`, and a cursor per notifier name, on both
//! engines.

use rusqlite::{OptionalExtension, params};

use super::{Engine, Store, StoreError, blocking};
use crate::events::Event;

/// Longest notifier name (they are fixed: `gotify`, `webhook`).
const MAX_NAME: usize = 64;

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(StoreError::Invalid(format!(
            "notifier name must be 1 to {MAX_NAME} bytes, got {}",
            name.len()
        )));
    }
    Ok(())
}

fn decode(seq: i64, payload: &str) -> Result<(i64, Event), StoreError> {
    serde_json::from_str(payload)
        .map(|e| (seq, e))
        .map_err(|e| StoreError::Corrupt { seq, detail: e.to_string() })
}

impl Store {
    /// The `seq` of the newest stored event (0 when there is none).
    pub async fn newest_seq(&self) -> Result<i64, StoreError> {
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, |db| {
                    db.read(|c| {
                        let q = "SELECT COALESCE(MAX(seq), 0) FROM events";
                        Ok(c.query_row(q, [], |r| r.get(0))?)
                    })
                })
                .await
            }
            Engine::Postgres(db) => {
                let client = db.client().await?;
                let q = "SELECT COALESCE(MAX(seq), 0)::bigint FROM events";
                Ok(client.query_one(q, &[]).await?.get(0))
            }
        }
    }

    /// Events of the given `kinds` (type names) stored after `after` (a `seq`), in stored
    /// order, at most `limit`, each with its `seq`.
    pub async fn events_of_kinds_after(
        &self,
        after: i64,
        kinds: &[&str],
        limit: usize,
    ) -> Result<Vec<(i64, Event)>, StoreError> {
        let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, move |db| {
                    db.read(|c| {
                        let marks = vec!["?"; kinds.len()].join(", ");
                        let q = format!(
                            "SELECT seq, payload FROM events WHERE seq > ? AND type IN ({marks})
                             ORDER BY seq LIMIT ?"
                        );
                        let mut args: Vec<rusqlite::types::Value> = vec![after.into()];
                        args.extend(kinds.into_iter().map(rusqlite::types::Value::from));
                        args.push(limit.into());
                        let mut stmt = c.prepare_cached(&q)?;
                        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
                            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                        })?;
                        let mut out = Vec::new();
                        for row in rows {
                            let (seq, payload) = row?;
                            out.push(decode(seq, &payload)?);
                        }
                        Ok(out)
                    })
                })
                .await
            }
            Engine::Postgres(db) => {
                let client = db.client().await?;
                let stmt = client
                    .prepare_cached(
                        "SELECT seq, payload::text FROM events WHERE seq > $1 AND type = ANY($2)
                         ORDER BY seq LIMIT $3",
                    )
                    .await?;
                let rows = client.query(&stmt, &[&after, &kinds, &limit]).await?;
                rows.iter().map(|r| decode(r.try_get(0)?, r.try_get(1)?)).collect()
            }
        }
    }

    /// Where notifier `name` stands (`None` before its first start).
    pub async fn notifier_cursor(&self, name: &str) -> Result<Option<i64>, StoreError> {
        check_name(name)?;
        let name = name.to_string();
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, move |db| {
                    db.read(|c| {
                        let q = "SELECT after_seq FROM notifier_cursors WHERE name = ?1";
                        Ok(c.query_row(q, [name], |r| r.get(0)).optional()?)
                    })
                })
                .await
            }
            Engine::Postgres(db) => {
                let client = db.client().await?;
                let q = "SELECT after_seq FROM notifier_cursors WHERE name = $1";
                Ok(client.query_opt(q, &[&name]).await?.map(|r| r.get(0)))
            }
        }
    }

    /// Moves notifier `name` to `after` (a `seq`), creating its row.
    pub async fn set_notifier_cursor(&self, name: &str, after: i64) -> Result<(), StoreError> {
        check_name(name)?;
        let name = name.to_string();
        let now = chrono::Utc::now();
        match &self.engine {
            Engine::Sqlite(db) => {
                blocking(db, move |db| {
                    db.write(|c| {
                        c.execute(
                            "INSERT INTO notifier_cursors (name, after_seq, updated_at)
                             VALUES (?1, ?2, ?3)
                             ON CONFLICT (name) DO UPDATE SET
                                 after_seq = excluded.after_seq, updated_at = excluded.updated_at",
                            params![name, after, now.to_rfc3339()],
                        )?;
                        Ok(())
                    })
                })
                .await
            }
            Engine::Postgres(db) => {
                let client = db.client().await?;
                client
                    .execute(
                        "INSERT INTO notifier_cursors (name, after_seq, updated_at)
                         VALUES ($1, $2, $3)
                         ON CONFLICT (name) DO UPDATE SET
                             after_seq = EXCLUDED.after_seq, updated_at = EXCLUDED.updated_at",
                        &[&name, &after, &now],
                    )
                    .await?;
                Ok(())
            }
        }
    }
}
