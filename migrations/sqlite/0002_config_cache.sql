-- The App's config cache: `.github/drydock.yml` from each repository's default branch, and the base config
-- its `_extends` names, as raw text (parsed at use, so a newer drydock reads an older row).
-- Keep in step with migrations/postgres/0002_config_cache.sql.
CREATE TABLE config_cache (
    repository      TEXT PRIMARY KEY NOT NULL,  -- lowercase owner/name
    default_branch  TEXT NOT NULL,
    config_path     TEXT,                       -- which file was found; NULL: none
    config_text     TEXT,
    base_repository TEXT,                       -- what `_extends` names; NULL: nothing
    base_text       TEXT,                       -- NULL: the base has no config
    fetched_at      INTEGER NOT NULL
);
