-- Setup mode: the GitHub App's credentials as created from the manifest, and the single-use `state`
-- values of registrations in progress. Keep in step with migrations/sqlite/0004_app_setup.sql.

-- At most one row (id = 1). The private key, webhook secret and client secret are sealed with
-- AES-256-GCM under DRYDOCK_SECRET_KEY (`v1:` + base64 of nonce and ciphertext); the rest is public.
CREATE TABLE app_credentials (
    id                INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    app_id            BIGINT NOT NULL,
    slug              TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    github_url        TEXT NOT NULL,
    private_key       TEXT NOT NULL,
    webhook_secret    TEXT NOT NULL,
    client_secret     TEXT NOT NULL,
    created_at        BIGINT NOT NULL
);

-- One row per "Register GitHub App" click; consumed by the callback, or dead after `expires_at`.
CREATE TABLE setup_states (
    state      TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
