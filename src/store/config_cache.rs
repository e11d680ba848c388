//! The App's config cache: per repository, the raw text of `.github/drydock.yml` on the default branch and
//! of the base config its `_extends` names. The PR flow parses the text at use (so a row written by an older
//! drydock still reads) and refreshes a row on a `push` to the default branch, on a miss, and when the row is
//! older than the flow's time to live (a push to the org's `.github` repository refreshes only that repo's row).

use super::{Store, StoreError, Timestamp};

/// One repository's cached config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedConfig {
    /// `owner/name` (stored lowercase: GitHub matches names without case).
    pub repository: String,
    /// The default branch the config was read from.
    pub default_branch: String,
    /// The config file's path, when the repository has one.
    pub config_path: Option<String>,
    /// Its text.
    pub config_text: Option<String>,
    /// What `_extends` names (`owner/repo` or `owner/repo:path`), when it does.
    pub base_repository: Option<String>,
    /// The base config's text; `None` when the base has none.
    pub base_text: Option<String>,
    /// When it was read.
    pub fetched_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    repository: String,
    default_branch: String,
    config_path: Option<String>,
    config_text: Option<String>,
    base_repository: Option<String>,
    base_text: Option<String>,
    fetched_at: Timestamp,
}

impl From<Row> for CachedConfig {
    fn from(r: Row) -> Self {
        Self {
            repository: r.repository,
            default_branch: r.default_branch,
            config_path: r.config_path,
            config_text: r.config_text,
            base_repository: r.base_repository,
            base_text: r.base_text,
            fetched_at: r.fetched_at,
        }
    }
}

impl Store {
    /// The cached config of `repository` (`owner/name`, any case), if any.
    pub async fn cached_config(&self, repository: &str) -> Result<Option<CachedConfig>, StoreError> {
        let key = repository.to_lowercase();
        let row: Option<Row> = on_backend!(self, pool => sqlx::query_as(
            "SELECT repository, default_branch, config_path, config_text, base_repository, base_text, fetched_at \
             FROM config_cache WHERE repository = $1",
        )
        .bind(&key)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(CachedConfig::from))
    }

    /// Stores (or replaces) a repository's config; the key is `config.repository` lowercased.
    pub async fn put_cached_config(&self, config: &CachedConfig) -> Result<(), StoreError> {
        let key = config.repository.to_lowercase();
        on_backend!(self, pool => sqlx::query(
            "INSERT INTO config_cache \
                 (repository, default_branch, config_path, config_text, base_repository, base_text, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (repository) DO UPDATE SET default_branch = excluded.default_branch, \
                 config_path = excluded.config_path, config_text = excluded.config_text, \
                 base_repository = excluded.base_repository, base_text = excluded.base_text, \
                 fetched_at = excluded.fetched_at",
        )
        .bind(&key)
        .bind(&config.default_branch)
        .bind(&config.config_path)
        .bind(&config.config_text)
        .bind(&config.base_repository)
        .bind(&config.base_text)
        .bind(config.fetched_at)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Forgets a repository's cached config; returns whether there was one.
    pub async fn delete_cached_config(&self, repository: &str) -> Result<bool, StoreError> {
        let key = repository.to_lowercase();
        let n = on_backend!(self, pool => sqlx::query("DELETE FROM config_cache WHERE repository = $1")
            .bind(&key)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(n > 0)
    }
}
