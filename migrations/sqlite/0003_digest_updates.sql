-- Digest-update PRs from the App. Keep in step with migrations/postgres/0003_digest_updates.sql.

-- Per repository: the stable PR drydock keeps on `drydock/digest-updates`, the last commit drydock wrote
-- there (so a rebase never overwrites somebody else's push), and when the repository was last scanned
-- (the scheduler's memory, shared by every replica).
CREATE TABLE digest_repos (
    repository      TEXT PRIMARY KEY NOT NULL,  -- lowercase owner/name
    installation_id INTEGER NOT NULL,
    pr_number       INTEGER,                       -- NULL: no PR known
    last_commit_sha TEXT,                       -- drydock's last commit on the branch
    proposed        TEXT,                       -- JSON: [[image, digest], ...] the open PR proposes
    last_scan_at    INTEGER                        -- unix ms; NULL: never scanned
);

-- (repository, image, digest) pairs a closed-unmerged PR proposed: never proposed again; a newer digest
-- of the same image is.
CREATE TABLE digest_rejections (
    repository  TEXT NOT NULL,                  -- lowercase owner/name
    image       TEXT NOT NULL,                  -- the reference without digest, e.g. docker.io/library/node:20
    digest      TEXT NOT NULL,
    rejected_at INTEGER NOT NULL,
    PRIMARY KEY (repository, image, digest)
);
