//! Digest-update PRs: per repository, the PR drydock keeps on its stable branch and the last commit it
//! wrote there ([`DigestRepo`]), when the repository was last scanned (the scheduler's shared memory), and
//! the (image, digest) pairs of PRs closed without merge ([`Store::reject_digests`]), never proposed again.

use super::{Store, StoreError, Timestamp};

/// What drydock remembers about one repository's digest PR.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DigestRepo {
    /// `owner/name` (stored lowercase).
    pub repository: String,
    /// The installation that reaches it.
    pub installation_id: i64,
    /// The PR on the stable branch, when one is known.
    pub pr_number: Option<i64>,
    /// drydock's last commit on the branch.
    pub last_commit_sha: Option<String>,
    /// `(image, digest)` pairs the PR proposes.
    pub proposed: Vec<(String, String)>,
    /// When the repository was last scanned.
    pub last_scan_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct Row {
    repository: String,
    installation_id: i64,
    pr_number: Option<i64>,
    last_commit_sha: Option<String>,
    proposed: Option<String>,
    last_scan_at: Option<Timestamp>,
}

impl Store {
    /// The digest-PR record of `repository` (any case), if any.
    pub async fn digest_repo(&self, repository: &str) -> Result<Option<DigestRepo>, StoreError> {
        let key = repository.to_lowercase();
        let row: Option<Row> = on_backend!(self, pool => sqlx::query_as(
            "SELECT repository, installation_id, pr_number, last_commit_sha, proposed, last_scan_at \
             FROM digest_repos WHERE repository = $1",
        )
        .bind(&key)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|r| DigestRepo {
            repository: r.repository,
            installation_id: r.installation_id,
            pr_number: r.pr_number,
            last_commit_sha: r.last_commit_sha,
            // A row an older or newer drydock wrote differently reads as "nothing proposed".
            proposed: r.proposed.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
            last_scan_at: r.last_scan_at,
        }))
    }

    /// Stores (or replaces) a repository's digest-PR record; the key is lowercased.
    pub async fn put_digest_repo(&self, record: &DigestRepo) -> Result<(), StoreError> {
        let key = record.repository.to_lowercase();
        let proposed = serde_json::to_string(&record.proposed).unwrap_or_else(|_| "[]".to_owned());
        on_backend!(self, pool => sqlx::query(
            "INSERT INTO digest_repos \
                 (repository, installation_id, pr_number, last_commit_sha, proposed, last_scan_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (repository) DO UPDATE SET installation_id = excluded.installation_id, \
                 pr_number = excluded.pr_number, last_commit_sha = excluded.last_commit_sha, \
                 proposed = excluded.proposed, last_scan_at = excluded.last_scan_at",
        )
        .bind(&key)
        .bind(record.installation_id)
        .bind(record.pr_number)
        .bind(&record.last_commit_sha)
        .bind(&proposed)
        .bind(record.last_scan_at)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Claims the scan of `repository` when it was last scanned before `due_before` (or never): records
    /// `now` as its scan time and returns true; false when another replica scanned or claimed it since.
    pub async fn claim_digest_scan(
        &self,
        repository: &str,
        installation_id: i64,
        due_before: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let key = repository.to_lowercase();
        let n = on_backend!(self, pool => sqlx::query(
            "INSERT INTO digest_repos (repository, installation_id, proposed, last_scan_at) \
             VALUES ($1, $2, '[]', $3) \
             ON CONFLICT (repository) DO UPDATE SET last_scan_at = excluded.last_scan_at, \
                 installation_id = excluded.installation_id \
             WHERE digest_repos.last_scan_at IS NULL OR digest_repos.last_scan_at < $4",
        )
        .bind(&key)
        .bind(installation_id)
        .bind(now)
        .bind(due_before)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(n > 0)
    }

    /// Remembers that a PR proposing `pairs` (`(image, digest)`) was closed without merge.
    pub async fn reject_digests(
        &self,
        repository: &str,
        pairs: &[(String, String)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let key = repository.to_lowercase();
        for (image, digest) in pairs {
            on_backend!(self, pool => sqlx::query(
                "INSERT INTO digest_rejections (repository, image, digest, rejected_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (repository, image, digest) DO NOTHING",
            )
            .bind(&key)
            .bind(image)
            .bind(digest)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        }
        Ok(())
    }

    /// Whether `digest` of `image` was proposed in `repository` by a PR closed without merge.
    pub async fn digest_rejected(&self, repository: &str, image: &str, digest: &str) -> Result<bool, StoreError> {
        let key = repository.to_lowercase();
        let n: i64 = on_backend!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM digest_rejections WHERE repository = $1 AND image = $2 AND digest = $3",
        )
        .bind(&key)
        .bind(image)
        .bind(digest)
        .fetch_one(pool)
        .await?);
        Ok(n > 0)
    }
}
