//! Read-only queries behind the status page (`GET /` once the App is configured).
//!
//! Digest pull requests come from `digest_repos`, which keeps the one open PR per repository (a
//! closed or merged PR is forgotten there, and its rejected digests are kept in `digest_rejections`).

use super::{JobState, Store, StoreError, Timestamp};

/// A recent delivery and what became of its jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// The `X-GitHub-Delivery` id.
    pub delivery_id: String,
    /// The event name.
    pub event: String,
    /// The action, if any.
    pub action: Option<String>,
    /// The repository's full name, if any.
    pub repository: Option<String>,
    /// When we stored it.
    pub received_at: Timestamp,
    /// How many jobs it caused.
    pub jobs: u64,
    /// The state of its newest job; `None` when it caused none (or they were pruned).
    pub job_state: Option<JobState>,
    /// The newest job's last error, if any.
    pub last_error: Option<String>,
}

/// A digest-update pull request drydock opened (for the status page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestPrSummary {
    /// `owner/name`.
    pub repository: String,
    /// The pull request number.
    pub number: u64,
    /// Its title.
    pub title: String,
    /// `open`, `merged` or `closed`.
    pub state: String,
    /// When drydock last updated it.
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct OutcomeRow {
    delivery_id: String,
    event: String,
    action: Option<String>,
    repository: Option<String>,
    received_at: Timestamp,
    jobs: i64,
    job_state: Option<String>,
    last_error: Option<String>,
}

fn parse_state(s: &str) -> Result<JobState, StoreError> {
    [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead, JobState::Superseded]
        .into_iter()
        .find(|state| state.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt { what: "job state", detail: format!("unknown state `{s}`") })
}

impl Store {
    /// The `limit` most recent deliveries, newest first, with the state of the newest job each caused.
    pub async fn recent_delivery_outcomes(&self, limit: u32) -> Result<Vec<DeliveryOutcome>, StoreError> {
        let rows: Vec<OutcomeRow> = on_backend!(self, pool => sqlx::query_as(
            "SELECT d.delivery_id, d.event, d.action, d.repository, d.received_at, \
                 (SELECT COUNT(*) FROM jobs AS j WHERE j.delivery_id = d.delivery_id) AS jobs, \
                 (SELECT j.state FROM jobs AS j WHERE j.delivery_id = d.delivery_id ORDER BY j.id DESC LIMIT 1) \
                     AS job_state, \
                 (SELECT j.last_error FROM jobs AS j WHERE j.delivery_id = d.delivery_id ORDER BY j.id DESC LIMIT 1) \
                     AS last_error \
             FROM deliveries AS d ORDER BY d.received_at DESC, d.delivery_id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|row| {
                let job_state = row.job_state.map(|s| parse_state(&s)).transpose()?;
                Ok(DeliveryOutcome {
                    delivery_id: row.delivery_id,
                    event: row.event,
                    action: row.action,
                    repository: row.repository,
                    received_at: row.received_at,
                    jobs: super::to_u64(row.jobs, "job count")?,
                    job_state,
                    last_error: row.last_error,
                })
            })
            .collect()
    }

    /// The `limit` open digest-update pull requests most recently scanned, newest first.
    pub async fn recent_digest_prs(&self, limit: u32) -> Result<Vec<DigestPrSummary>, StoreError> {
        type Row = (String, i64, Option<String>, Option<i64>);
        let rows: Vec<Row> = on_backend!(self, pool => sqlx::query_as(
            "SELECT repository, pr_number, proposed, last_scan_at FROM digest_repos \
             WHERE pr_number IS NOT NULL ORDER BY last_scan_at DESC, repository LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|(repository, number, proposed, last_scan_at)| {
                let bumps = proposed
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Vec<serde_json::Value>>(p).ok())
                    .map_or(0, |v| v.len());
                Ok(DigestPrSummary {
                    repository,
                    number: super::to_u64(number, "digest PR number")?,
                    title: format!("{bumps} pinned digest{} to update", if bumps == 1 { "" } else { "s" }),
                    state: "open".to_owned(),
                    updated_at: last_scan_at.map_or(Timestamp(0), Timestamp),
                })
            })
            .collect()
    }
}
