//! Installations of the App and the repositories each one grants, kept from the `installation` and
//! `installation_repositories` events.
//!
//! Deleting an installation means "stop all work and keep no tokens": [`Store::delete_installation`]
//! removes the installation, its repositories, its write slot and its queued and running jobs in one
//! transaction (a worker still running one of those jobs then gets [`StoreError::NotLeaseHolder`] when it
//! finishes). Tokens are never stored here; the GitHub client must drop its cached one. Finished jobs
//! stay for the status page until pruned.

use super::{BeginWrite as _, JobId, Store, StoreError, Timestamp, to_u64};

/// An installation as the `installation` event describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallationInfo {
    /// `installation.id`.
    pub id: i64,
    /// `installation.account.login`.
    pub account: String,
    /// `installation.account.type`: `User` or `Organization`.
    pub account_type: String,
    /// Whether the installation is suspended (`installation.suspended_at` is set).
    pub suspended: bool,
}

/// A repository granted to an installation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Repository {
    /// GitHub's repository id (stable across renames).
    pub id: i64,
    /// `owner/name`.
    pub full_name: String,
}

/// A stored installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installation {
    /// The installation id.
    pub id: i64,
    /// The account login.
    pub account: String,
    /// `User` or `Organization`.
    pub account_type: String,
    /// When we learnt it was suspended; `None` when it is active.
    pub suspended_at: Option<Timestamp>,
    /// How many repositories it grants.
    pub repositories: u64,
    /// When we first recorded it.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// What [`Store::delete_installation`] removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeletedInstallation {
    /// Whether the installation was recorded.
    pub existed: bool,
    /// Repositories removed.
    pub repositories: u64,
    /// Queued and running jobs removed.
    pub jobs: u64,
}

#[derive(sqlx::FromRow)]
struct InstallationRow {
    id: i64,
    account: String,
    account_type: String,
    suspended_at: Option<Timestamp>,
    repositories: i64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Store {
    /// Records an installation or updates its account and suspension. A suspension keeps the time it was
    /// first seen; unsuspending clears it.
    pub async fn upsert_installation(&self, info: &InstallationInfo, now: Timestamp) -> Result<(), StoreError> {
        let suspended_at = info.suspended.then_some(now.unix_millis());
        on_backend!(self, pool => sqlx::query(
            "INSERT INTO installations (id, account, account_type, suspended_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (id) DO UPDATE SET account = excluded.account, account_type = excluded.account_type, \
                 suspended_at = CASE WHEN excluded.suspended_at IS NULL THEN NULL \
                                     ELSE COALESCE(installations.suspended_at, excluded.suspended_at) END, \
                 updated_at = excluded.updated_at",
        )
        .bind(info.id)
        .bind(&info.account)
        .bind(&info.account_type)
        .bind(suspended_at)
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Removes the installation, its repositories, its write slot and its queued and running jobs.
    pub async fn delete_installation(&self, id: i64) -> Result<DeletedInstallation, StoreError> {
        self.uninstall(id, None).await
    }

    /// [`Store::delete_installation`] run by a job of that installation (the job that handles the
    /// uninstall): every queued and running job of the installation is cancelled except `keep`, which
    /// the caller still holds and completes.
    pub async fn uninstall(&self, id: i64, keep: Option<JobId>) -> Result<DeletedInstallation, StoreError> {
        let keep = keep.map_or(-1, |j| j.0);
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let jobs = sqlx::query(
                "DELETE FROM jobs WHERE installation_id = $1 AND state IN ('queued', 'running') AND id <> $2",
            )
                .bind(id)
                .bind(keep)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM write_slots WHERE installation_id = $1").bind(id).execute(&mut *tx).await?;
            let repositories = sqlx::query("DELETE FROM repositories WHERE installation_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let existed = sqlx::query("DELETE FROM installations WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            tx.commit().await?;
            DeletedInstallation { existed, repositories, jobs }
        }))
    }

    /// Adds repositories to an installation (moving them if another installation had them) and removes
    /// others by id. Fails with [`StoreError::UnknownInstallation`] if the installation is not recorded.
    pub async fn set_repositories(
        &self,
        installation_id: i64,
        added: &[Repository],
        removed: &[i64],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let known = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let known: Option<(i64,)> = sqlx::query_as("SELECT id FROM installations WHERE id = $1")
                .bind(installation_id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_some() {
                for repo in added {
                    sqlx::query(
                        "INSERT INTO repositories (id, installation_id, full_name, updated_at) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (id) DO UPDATE SET installation_id = excluded.installation_id, \
                             full_name = excluded.full_name, updated_at = excluded.updated_at",
                    )
                    .bind(repo.id)
                    .bind(installation_id)
                    .bind(&repo.full_name)
                    .bind(now.unix_millis())
                    .execute(&mut *tx)
                    .await?;
                }
                for id in removed {
                    sqlx::query("DELETE FROM repositories WHERE id = $1 AND installation_id = $2")
                        .bind(id)
                        .bind(installation_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            known.is_some()
        });
        if known { Ok(()) } else { Err(StoreError::UnknownInstallation(installation_id)) }
    }

    /// Every recorded installation, by id.
    pub async fn installations(&self) -> Result<Vec<Installation>, StoreError> {
        let rows: Vec<InstallationRow> = on_backend!(self, pool => sqlx::query_as(
            "SELECT i.id, i.account, i.account_type, i.suspended_at, i.created_at, i.updated_at, \
                 (SELECT COUNT(*) FROM repositories AS r WHERE r.installation_id = i.id) AS repositories \
             FROM installations AS i ORDER BY i.id",
        )
        .fetch_all(pool)
        .await?);
        rows.into_iter()
            .map(|row| {
                Ok(Installation {
                    id: row.id,
                    account: row.account,
                    account_type: row.account_type,
                    suspended_at: row.suspended_at,
                    repositories: to_u64(row.repositories, "repository count")?,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                })
            })
            .collect()
    }

    /// The repositories an installation grants, by full name.
    pub async fn repositories(&self, installation_id: i64) -> Result<Vec<Repository>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT id, full_name FROM repositories WHERE installation_id = $1 ORDER BY full_name",
        )
        .bind(installation_id)
        .fetch_all(pool)
        .await?))
    }
}
