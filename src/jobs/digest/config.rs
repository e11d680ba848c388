//! The `digest:` block of `.github/drydock.yml`:
//!
//! ```yaml
//! digest:
//!   enabled: true            # default true
//!   schedule: daily          # hourly | daily | weekly, or a cron line with those meanings (see below)
//!   group: repo              # repo (one PR per repository) | image | directory (one PR each)
//!   ignore: [ "docker.io/library/postgres*", "*/internal/*" ]
//!   min-age: 24              # hours a new digest waits before it is proposed (default 0)
//!   registries:              # registry host -> credential name, defined on the server
//!     ghcr.io: GHCR_ORG
//! ```
//!
//! The block is split off the text before the lint settings read it ([`split_digest`]), so the lint parser
//! keeps refusing unknown keys elsewhere. Secrets never live in the repository: `registries` names a
//! credential the server holds in `DRYDOCK_REGISTRY_CREDENTIAL_<NAME>` (`username:password`) or in the
//! file `DRYDOCK_REGISTRY_CREDENTIAL_<NAME>_FILE` names.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// How bumps are grouped into PRs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// One PR per repository (the default).
    #[default]
    Repo,
    /// One PR per image reference (`registry/repo:tag`), on `drydock/digest-updates-<image>`.
    Image,
    /// One PR per directory holding Dockerfiles, on `drydock/digest-updates-<directory>`.
    Directory,
}

/// The digest settings of one repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestConfig {
    /// Whether the App opens digest PRs.
    pub enabled: bool,
    /// How often the scheduler scans.
    pub interval: Duration,
    /// The schedule as written.
    pub schedule: String,
    /// Grouping.
    pub group: Group,
    /// Image patterns (`*` matches any run of characters) never proposed.
    pub ignore: Vec<String>,
    /// Hours a digest must exist before it is proposed.
    pub min_age_hours: u64,
    /// Registry host → server-side credential name.
    pub registries: BTreeMap<String, String>,
}

impl Default for DigestConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval: Duration::from_hours(24),
            schedule: "daily".to_owned(),
            group: Group::Repo,
            ignore: Vec::new(),
            min_age_hours: 0,
            registries: BTreeMap::new(),
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    enabled: Option<bool>,
    schedule: Option<String>,
    group: Option<Group>,
    ignore: Option<Vec<String>>,
    min_age: Option<u64>,
    registries: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    digest: Option<Raw>,
}

/// Splits the top-level `digest:` block off a config text: returns the block (with its `digest:` line)
/// and the text with those lines blanked, so line numbers of later errors stay right.
pub fn split_digest(text: &str) -> (Option<String>, String) {
    let mut block = String::new();
    let mut rest = String::with_capacity(text.len());
    let mut inside = false;
    let mut found = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let top_level = !body.is_empty() && !body.starts_with([' ', '\t', '#']);
        if top_level {
            inside = body.strip_prefix("digest").is_some_and(|r| r.trim_start().starts_with(':'));
            found |= inside;
        }
        if inside {
            block.push_str(line);
            rest.push_str(&line[body.len()..]);
        } else {
            rest.push_str(line);
        }
    }
    (found.then_some(block), rest)
}

/// Reads a `digest:` block (as [`split_digest`] returns it) over `base`.
pub fn parse(block: &str, mut base: DigestConfig) -> Result<DigestConfig, String> {
    let file: File = serde_saphyr::from_str(block).map_err(|e| {
        format!(
            "the `digest:` block is not valid: {e}; the keys are enabled, schedule, group, ignore, min-age and \
             registries"
        )
    })?;
    let Some(raw) = file.digest else { return Ok(base) };
    if let Some(e) = raw.enabled {
        base.enabled = e;
    }
    if let Some(s) = raw.schedule {
        base.interval = schedule_interval(&s)?;
        base.schedule = s;
    }
    if let Some(g) = raw.group {
        base.group = g;
    }
    if let Some(i) = raw.ignore {
        base.ignore = i;
    }
    if let Some(h) = raw.min_age {
        base.min_age_hours = h;
    }
    if let Some(r) = raw.registries {
        for name in r.values() {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "`digest.registries` names the credential `{name}`: use letters, digits and `_`; the server \
                     reads it from DRYDOCK_REGISTRY_CREDENTIAL_<NAME>"
                ));
            }
        }
        base.registries = r;
    }
    Ok(base)
}

/// The interval of a schedule: `hourly`, `daily`, `weekly`, the cron macros `@hourly`, `@daily`,
/// `@weekly`, or a five-field cron line whose shape means one of those (`M * * * *` hourly, `M H * * *`
/// daily, `M H * * D` weekly). The exact minute is replaced by the per-installation jitter.
#[allow(clippy::many_single_char_names)]
pub fn schedule_interval(s: &str) -> Result<Duration, String> {
    let t = s.trim().trim_start_matches('@').to_ascii_lowercase();
    match t.as_str() {
        "hourly" => return Ok(Duration::from_hours(1)),
        "daily" | "midnight" => return Ok(Duration::from_hours(24)),
        "weekly" => return Ok(Duration::from_hours(24 * 7)),
        _ => {}
    }
    let fields: Vec<&str> = t.split_whitespace().collect();
    let num = |f: &str| f.parse::<u32>().is_ok();
    match fields.as_slice() {
        [m, "*", "*", "*", "*"] if num(m) => Ok(Duration::from_hours(1)),
        [m, h, "*", "*", "*"] if num(m) && num(h) => Ok(Duration::from_hours(24)),
        [m, h, "*", "*", d] if num(m) && num(h) && num(d) => Ok(Duration::from_hours(24 * 7)),
        _ => Err(format!(
            "`digest.schedule: {s}` is not a schedule drydock reads: write hourly, daily, weekly, or a cron line \
             like `0 4 * * *` (daily) or `0 4 * * 1` (weekly)"
        )),
    }
}

/// Whether `image` (the reference without digest, e.g. `docker.io/library/node:20`, or its familiar
/// form) matches an `ignore` pattern.
pub fn ignored(patterns: &[String], image: &str, familiar: &str) -> bool {
    patterns.iter().any(|p| glob(p, image) || glob(p, familiar))
}

fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || !s[first.len()..].ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_block_and_keeps_line_numbers() {
        let text = "rules:\n  DL3008: off\ndigest:\n  min-age: 24\n  # note\n  ignore: [a]\nignore: [DD001]\n";
        let (block, rest) = split_digest(text);
        assert_eq!(block.as_deref(), Some("digest:\n  min-age: 24\n  # note\n  ignore: [a]\n"));
        assert_eq!(rest, "rules:\n  DL3008: off\n\n\n\n\nignore: [DD001]\n");
        assert_eq!(split_digest("rules: {}\n").0, None);
    }

    #[test]
    fn parses_keys_and_refuses_unknown_values() {
        let c = parse(
            "digest:\n  enabled: false\n  schedule: '0 4 * * 1'\n  min-age: 6\n  ignore: ['*postgres*']\n  \
             registries: {ghcr.io: GHCR}\n",
            DigestConfig::default(),
        )
        .unwrap();
        assert!(!c.enabled);
        assert_eq!(c.interval, Duration::from_hours(24 * 7));
        assert_eq!(c.min_age_hours, 6);
        assert_eq!(c.registries.get("ghcr.io").map(String::as_str), Some("GHCR"));
        assert_eq!(parse("digest:\n  group: directory\n", DigestConfig::default()).unwrap().group, Group::Directory);
        let e = parse("digest:\n  group: everything\n", DigestConfig::default()).unwrap_err();
        assert!(e.contains("digest:") && e.contains("group"), "{e}");
        let e = parse("digest:\n  min_age: 1\n", DigestConfig::default()).unwrap_err();
        assert!(e.contains("min-age"), "{e}");
        assert!(schedule_interval("every tuesday").unwrap_err().contains("cron"));
    }

    #[test]
    fn ignore_globs() {
        let p = vec!["*postgres*".to_owned(), "ghcr.io/acme/*".to_owned()];
        assert!(ignored(&p, "docker.io/library/postgres:16", "postgres:16"));
        assert!(ignored(&p, "ghcr.io/acme/x:1", "ghcr.io/acme/x:1"));
        assert!(!ignored(&p, "docker.io/library/node:20", "node:20"));
        assert!(glob("node:20", "node:20") && !glob("a*b*c", "ab"));
    }
}
