//! Installation jobs: keep the store's record of installations and their repositories in step with
//! GitHub, and forget an installation completely when it is deleted.
//!
//! The webhook payload is only a hint: [`sync`] reads the installation's current state with the App
//! JWT (`GET /app/installations/{id}`) and its repositories with an installation token
//! (`GET /installation/repositories`), so a late or reordered delivery cannot leave stale data.

use crate::github::app::GithubApp;
use crate::github::client::InstallationClient;
use crate::store::{DeletedInstallation, InstallationInfo, JobId, Repository, Store, Timestamp};

use super::JobError;

/// What [`sync`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synced {
    /// Recorded with this many repositories.
    Active {
        /// Repositories the installation reaches now.
        repositories: usize,
    },
    /// Recorded as suspended; its tokens are dropped and its repositories kept as they were.
    Suspended,
    /// GitHub no longer knows it: forgotten as if deleted.
    Gone,
}

fn store_id(installation_id: u64) -> Result<i64, JobError> {
    i64::try_from(installation_id)
        .map_err(|_| JobError::Permanent(format!("installation id {installation_id} is out of range")))
}

/// Records installation `installation_id` and the repositories it reaches, as GitHub says now.
/// `client` is the installation's client (an error when none could be made; only needed when active).
/// `job` is the running job, kept if the installation turns out to be gone.
pub async fn sync(
    app: &GithubApp,
    client: Result<InstallationClient, JobError>,
    store: &Store,
    installation_id: u64,
    job: JobId,
) -> Result<Synced, JobError> {
    let id = store_id(installation_id)?;
    let Some(info) = app.installation_info(installation_id).await.map_err(|e| JobError::from_github(&e))? else {
        delete(app, store, installation_id, job).await?;
        return Ok(Synced::Gone);
    };
    let (account, account_type) =
        info.account.map_or_else(|| (String::new(), String::new()), |a| (a.login, a.kind.unwrap_or_default()));
    let suspended = info.suspended_at.is_some();
    let record = InstallationInfo { id, account, account_type, suspended };
    store.upsert_installation(&record, Timestamp::now()).await.map_err(|e| JobError::from_store(&e))?;
    if suspended {
        // GitHub refuses a suspended installation's tokens: keep none.
        app.forget_installation(installation_id);
        return Ok(Synced::Suspended);
    }
    let client = client?;
    let listed = client.list_repositories().await.map_err(|e| JobError::from_github(&e))?;
    let mut added = Vec::with_capacity(listed.len());
    for repo in &listed {
        let Ok(repo_id) = i64::try_from(repo.id) else { continue };
        added.push(Repository { id: repo_id, full_name: repo.full_name.clone() });
    }
    let stored = store.repositories(id).await.map_err(|e| JobError::from_store(&e))?;
    let removed: Vec<i64> = stored.iter().map(|r| r.id).filter(|old| !added.iter().any(|r| r.id == *old)).collect();
    store.set_repositories(id, &added, &removed, Timestamp::now()).await.map_err(|e| JobError::from_store(&e))?;
    Ok(Synced::Active { repositories: added.len() })
}

/// Forgets installation `installation_id`: drops its cached token and client, and deletes its record,
/// repositories, write slot and every queued or running job except `job` (the one running this).
pub async fn delete(
    app: &GithubApp,
    store: &Store,
    installation_id: u64,
    job: JobId,
) -> Result<DeletedInstallation, JobError> {
    app.forget_installation(installation_id);
    let id = store_id(installation_id)?;
    store.uninstall(id, Some(job)).await.map_err(|e| JobError::from_store(&e))
}
