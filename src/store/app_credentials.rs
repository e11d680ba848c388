//! The GitHub App's credentials as setup mode created them, and the single-use `state` values of
//! registrations in progress.
//!
//! The store keeps the secret fields (private key, webhook secret, client secret) as the opaque sealed
//! text it is given: sealing and opening happen in `server::secret_key`, so this module never sees a
//! plaintext secret and the SQL layer stays free of cryptography. There is at most one row: the first
//! registration to finish wins, and a second one is told the App is already configured.

use super::{BeginWrite as _, Store, StoreError, Timestamp};

/// The App's credentials as stored. The three secret fields are sealed (ciphertext), never plaintext.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAppCredentials {
    /// The App id.
    pub app_id: i64,
    /// The App's slug (its URL name: `{github}/apps/{slug}`).
    pub slug: String,
    /// The App's OAuth client id (public).
    pub client_id: String,
    /// The GitHub web host the App lives on (`https://github.com` or a GHES host).
    pub github_url: String,
    /// The sealed PEM private key.
    pub private_key: String,
    /// The sealed webhook secret.
    pub webhook_secret: String,
    /// The sealed OAuth client secret.
    pub client_secret: String,
    /// When setup stored them.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for StoredAppCredentials {
    // Sealed values are not secret without the key, but keep them out of logs anyway.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredAppCredentials")
            .field("app_id", &self.app_id)
            .field("slug", &self.slug)
            .field("github_url", &self.github_url)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Stores the App's credentials unless some are stored already; `true` when these were stored.
    pub async fn save_app_credentials(&self, creds: &StoredAppCredentials) -> Result<bool, StoreError> {
        let inserted = on_backend!(self, pool => sqlx::query(
            "INSERT INTO app_credentials (id, app_id, slug, client_id, github_url, private_key, webhook_secret, \
                 client_secret, created_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
        )
        .bind(creds.app_id)
        .bind(&creds.slug)
        .bind(&creds.client_id)
        .bind(&creds.github_url)
        .bind(&creds.private_key)
        .bind(&creds.webhook_secret)
        .bind(&creds.client_secret)
        .bind(creds.created_at)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(inserted == 1)
    }

    /// The stored App credentials, if setup has finished.
    pub async fn app_credentials(&self) -> Result<Option<StoredAppCredentials>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT app_id, slug, client_id, github_url, private_key, webhook_secret, client_secret, created_at \
             FROM app_credentials WHERE id = 1",
        )
        .fetch_optional(pool)
        .await?))
    }

    /// Records a new registration `state`, valid until `expires_at`, and forgets expired ones.
    pub async fn create_setup_state(
        &self,
        state: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM setup_states WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO setup_states (state, expires_at) VALUES ($1, $2)")
                .bind(state)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Consumes registration `state`: `true` when it was recorded and has not expired. Either way it is
    /// gone afterwards, so a `state` works once.
    pub async fn take_setup_state(&self, state: &str, now: Timestamp) -> Result<bool, StoreError> {
        let row: Option<(Timestamp,)> = on_backend!(self, pool => sqlx::query_as(
            "DELETE FROM setup_states WHERE state = $1 RETURNING expires_at",
        )
        .bind(state)
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some_and(|(expires_at,)| expires_at > now))
    }
}
