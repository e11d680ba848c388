//! Webhook deliveries: persisted before the 202, deduplicated by GitHub's delivery id.
//!
//! GitHub redelivers with the same `X-GitHub-Delivery` GUID, so the delivery id is the primary key and a
//! second [`Store::record_delivery`] with it changes nothing and enqueues nothing. The delivery and the
//! jobs it causes go in one transaction: either both are stored (and the 202 is honest) or neither is
//! (and GitHub sees a 5xx). Events we do not handle are only counted ([`Store::count_ignored`]).
//! The reconciler for missed deliveries asks [`Store::known_deliveries`] which of GitHub's recent
//! deliveries we already have.

use super::jobs::{COALESCE_RETRIES, insert_job, is_coalesce_race};
use super::{BeginWrite as _, NewJob, Store, StoreError, Timestamp, to_u64};
use crate::store::JobId;

/// How many ids one `IN (…)` lookup binds (SQLite allows 32,766 parameters; stay far below).
const LOOKUP_CHUNK: usize = 500;

/// A webhook delivery as received (after its signature was verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// The `X-GitHub-Delivery` header.
    pub delivery_id: String,
    /// The `X-GitHub-Event` header.
    pub event: String,
    /// The payload's `action`, if it has one.
    pub action: Option<String>,
    /// The payload's `installation.id`, if it has one.
    pub installation_id: Option<i64>,
    /// The payload's `repository.full_name`, if it has one.
    pub repository: Option<String>,
    /// The raw JSON body; stored, never logged.
    pub payload: String,
}

/// What [`Store::record_delivery`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The delivery is new: it and its jobs are stored.
    New {
        /// The enqueued jobs, in the order given.
        jobs: Vec<JobId>,
    },
    /// The delivery id was seen before: nothing was stored or enqueued.
    Duplicate,
}

/// A stored delivery without its payload, for status pages.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliverySummary {
    /// The `X-GitHub-Delivery` id.
    pub delivery_id: String,
    /// The event name.
    pub event: String,
    /// The action, if any.
    pub action: Option<String>,
    /// The installation, if any.
    pub installation_id: Option<i64>,
    /// The repository's full name, if any.
    pub repository: Option<String>,
    /// When we stored it.
    pub received_at: Timestamp,
}

/// How often an unhandled event and action arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredCount {
    /// The event name.
    pub event: String,
    /// The action, or `None` for events without one.
    pub action: Option<String>,
    /// How many times.
    pub count: u64,
    /// The last time.
    pub last_seen_at: Timestamp,
}

/// What [`Store::prune`] removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pruned {
    /// Deliveries removed.
    pub deliveries: u64,
    /// Finished (done, dead or superseded) jobs removed.
    pub jobs: u64,
}

impl Store {
    /// Stores `delivery` and enqueues `jobs` in one transaction, or does nothing if the delivery id was
    /// seen before. Coalescing applies to the jobs as in [`Store::enqueue`].
    pub async fn record_delivery(
        &self,
        delivery: &NewDelivery,
        jobs: &[NewJob],
        now: Timestamp,
    ) -> Result<Recorded, StoreError> {
        let mut tries = 0;
        loop {
            let result: Result<Recorded, sqlx::Error> = on_backend!(self, pool => async {
                let mut tx = pool.begin_write().await?;
                let inserted = sqlx::query(
                    "INSERT INTO deliveries (delivery_id, event, action, installation_id, repository, payload, \
                                             received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (delivery_id) DO NOTHING",
                )
                .bind(&delivery.delivery_id)
                .bind(&delivery.event)
                .bind(&delivery.action)
                .bind(delivery.installation_id)
                .bind(&delivery.repository)
                .bind(&delivery.payload)
                .bind(now.unix_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    // Dropping the transaction rolls it back.
                    return Ok(Recorded::Duplicate);
                }
                let mut ids = Vec::with_capacity(jobs.len());
                for job in jobs {
                    ids.push(insert_job!(tx, job, Some(delivery.delivery_id.as_str()), now));
                }
                tx.commit().await?;
                Ok(Recorded::New { jobs: ids })
            }
            .await);
            match result {
                Err(e) if is_coalesce_race(&e) && tries < COALESCE_RETRIES => tries += 1,
                other => return Ok(other?),
            }
        }
    }

    /// The raw payload of a stored delivery.
    pub async fn delivery_payload(&self, delivery_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT payload FROM deliveries WHERE delivery_id = $1",
        )
        .bind(delivery_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(payload,)| payload))
    }

    /// A stored delivery with its payload (for `drydock replay`), or `None` if there is none with that id.
    pub async fn stored_delivery(&self, delivery_id: &str) -> Result<Option<(DeliverySummary, String)>, StoreError> {
        type Row = (String, String, Option<String>, Option<i64>, Option<String>, i64, String);
        let row: Option<Row> = on_backend!(self, pool => sqlx::query_as(
            "SELECT delivery_id, event, action, installation_id, repository, received_at, payload \
             FROM deliveries WHERE delivery_id = $1",
        )
        .bind(delivery_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(delivery_id, event, action, installation_id, repository, received_at, payload)| {
            let summary = DeliverySummary {
                delivery_id,
                event,
                action,
                installation_id,
                repository,
                received_at: Timestamp(received_at),
            };
            (summary, payload)
        }))
    }

    /// Which of `delivery_ids` are stored, in no particular order.
    pub async fn known_deliveries(&self, delivery_ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut known = Vec::new();
        for chunk in delivery_ids.chunks(LOOKUP_CHUNK) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT delivery_id FROM deliveries WHERE delivery_id IN ({})", placeholders.join(", "));
            let rows: Vec<(String,)> = on_backend!(self, pool => {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk {
                    query = query.bind(id);
                }
                query.fetch_all(pool).await?
            });
            known.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(known)
    }

    /// The `limit` most recent deliveries, newest first, without payloads.
    pub async fn recent_deliveries(&self, limit: u32) -> Result<Vec<DeliverySummary>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT delivery_id, event, action, installation_id, repository, received_at FROM deliveries \
             ORDER BY received_at DESC, delivery_id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?))
    }

    /// Counts one delivery of an event (and action) that drydock does not handle.
    pub async fn count_ignored(&self, event: &str, action: Option<&str>, now: Timestamp) -> Result<(), StoreError> {
        on_backend!(self, pool => sqlx::query(
            "INSERT INTO ignored_events (event, action, count, last_seen_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (event, action) DO UPDATE \
             SET count = ignored_events.count + 1, last_seen_at = excluded.last_seen_at",
        )
        .bind(event)
        .bind(action.unwrap_or(""))
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The ignored-event counters, by event and action.
    pub async fn ignored_counts(&self) -> Result<Vec<IgnoredCount>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT event, action, count, last_seen_at FROM ignored_events ORDER BY event, action",
        )
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|(event, action, count, last_seen_at)| {
                Ok(IgnoredCount {
                    event,
                    action: Some(action).filter(|a| !a.is_empty()),
                    count: to_u64(count, "ignored event count")?,
                    last_seen_at: Timestamp(last_seen_at),
                })
            })
            .collect()
    }

    /// Removes deliveries received before `before` and finished jobs last changed before it. Queued and
    /// running jobs stay. A pruned delivery id is no longer deduplicated, so keep more than GitHub's
    /// redelivery window (a few days).
    pub async fn prune(&self, before: Timestamp) -> Result<Pruned, StoreError> {
        let (deliveries, jobs) = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let deliveries = sqlx::query("DELETE FROM deliveries WHERE received_at < $1")
                .bind(before.unix_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let jobs = sqlx::query(
                "DELETE FROM jobs WHERE state IN ('done', 'dead', 'superseded') AND updated_at < $1",
            )
            .bind(before.unix_millis())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            (deliveries, jobs)
        });
        Ok(Pruned { deliveries, jobs })
    }
}
