-- drydock store, PostgreSQL flavour. Times are BIGINT unix milliseconds; JSON is TEXT.
-- Keep in step with migrations/sqlite/0001_store.sql: same tables, columns and meaning.

-- Every webhook delivery we acknowledged, keyed by GitHub's X-GitHub-Delivery GUID
-- (a redelivery reuses it, so the primary key is the deduplication).
CREATE TABLE deliveries (
    delivery_id     TEXT PRIMARY KEY NOT NULL,
    event           TEXT NOT NULL,
    action          TEXT,
    installation_id BIGINT,
    repository      TEXT,
    payload         TEXT NOT NULL,
    received_at     BIGINT NOT NULL
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);

-- Events and actions we answered 202 and did nothing with.
CREATE TABLE ignored_events (
    event        TEXT NOT NULL,
    action       TEXT NOT NULL,
    count        BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (event, action)
);

-- The durable job queue.
CREATE TABLE jobs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    installation_id BIGINT,
    coalesce_key    TEXT,
    delivery_id     TEXT,
    state           TEXT NOT NULL
        CHECK (state IN ('queued', 'running', 'done', 'dead', 'superseded')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    run_at          BIGINT NOT NULL,
    locked_by       TEXT,
    locked_until    BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_running_key ON jobs (coalesce_key) WHERE state = 'running';
CREATE INDEX jobs_installation ON jobs (installation_id);
CREATE INDEX jobs_state ON jobs (state, updated_at);
-- Coalescing keeps at most one queued job per key; enqueue supersedes the older one.
CREATE UNIQUE INDEX jobs_queued_coalesce_key ON jobs (coalesce_key) WHERE state = 'queued';

-- One row per installation: who may send the next mutating GitHub request, and when the last one ended.
CREATE TABLE write_slots (
    installation_id BIGINT PRIMARY KEY NOT NULL,
    holder          TEXT,
    held_until      BIGINT,
    last_write_at   BIGINT NOT NULL
);

-- Installations of the App and the repositories they grant.
CREATE TABLE installations (
    id           BIGINT PRIMARY KEY NOT NULL,
    account      TEXT NOT NULL,
    account_type TEXT NOT NULL,
    suspended_at BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE repositories (
    id              BIGINT PRIMARY KEY NOT NULL,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    full_name       TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX repositories_installation ON repositories (installation_id);
