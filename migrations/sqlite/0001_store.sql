-- drydock store, SQLite flavour. Times are INTEGER unix milliseconds; JSON is TEXT.
-- Keep in step with migrations/postgres/0001_store.sql: same tables, columns and meaning.

-- Every webhook delivery we acknowledged, keyed by GitHub's X-GitHub-Delivery GUID
-- (a redelivery reuses it, so the primary key is the deduplication).
CREATE TABLE deliveries (
    delivery_id     TEXT PRIMARY KEY NOT NULL,
    event           TEXT NOT NULL,
    action          TEXT,
    installation_id INTEGER,
    repository      TEXT,
    payload         TEXT NOT NULL,
    received_at     INTEGER NOT NULL
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);

-- Events and actions we answered 202 and did nothing with.
CREATE TABLE ignored_events (
    event        TEXT NOT NULL,
    action       TEXT NOT NULL,
    count        INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (event, action)
);

-- The durable job queue.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    installation_id INTEGER,
    coalesce_key    TEXT,
    delivery_id     TEXT,
    state           TEXT NOT NULL
        CHECK (state IN ('queued', 'running', 'done', 'dead', 'superseded')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    run_at          INTEGER NOT NULL,
    locked_by       TEXT,
    locked_until    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
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
    installation_id INTEGER PRIMARY KEY NOT NULL,
    holder          TEXT,
    held_until      INTEGER,
    last_write_at   INTEGER NOT NULL
);

-- Installations of the App and the repositories they grant.
CREATE TABLE installations (
    id           INTEGER PRIMARY KEY NOT NULL,
    account      TEXT NOT NULL,
    account_type TEXT NOT NULL,
    suspended_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE repositories (
    id              INTEGER PRIMARY KEY NOT NULL,
    installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    full_name       TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX repositories_installation ON repositories (installation_id);
