//! The App's config: `.github/drydock.yml` (or `.yaml`) on the repository's
//! **default branch**, so a pull request cannot switch off its own check, with
//! an optional base config it extends.
//!
//! # `_extends`
//!
//! A top-level line `_extends: VALUE` (unindented, one line) names a base config
//! that is applied first, with the repository's own file merged over it
//! ([`Settings::apply`]: what the repository's file says wins):
//! - `_extends: .github` — the `.github` repository of the same owner;
//! - `_extends: my-org/.github` — any repository the installation can read;
//! - `_extends: my-org/policies:drydock/base.yml` — a file other than the default
//!   `.github/drydock.yml` in that repository.
//!
//! The base is read from its repository's default branch. Only one level is
//! followed: a base's own `_extends` is ignored, with a note in the summary. A
//! base that cannot be read (no such repository, not installed, no file) makes
//! the config invalid rather than silently empty.
//!
//! # Cache
//!
//! The texts are cached in the store ([`CachedConfig`]). A row is used for up to
//! [`CONFIG_TTL`]; a `push` to the default branch refreshes it at once
//! ([`super::refresh_config`]). The TTL bounds how stale a base config from
//! another repository can be.
//!
//! # Defaults
//!
//! The App fails the check on errors only ([`APP_FAILURE_THRESHOLD`]); the CLI's
//! default (info) would fail pull requests on advice. A config's
//! `failure-threshold` overrides it.

use std::fmt::Write as _;
use std::time::Duration;

use crate::github::client::{InstallationClient, RepoRef};
use crate::github::events::CONFIG_PATHS;
use crate::lint::settings::{ConfigError, ConfigFile};
use crate::lint::{Settings, Severity};
use crate::store::{CachedConfig, Store, Timestamp};

use super::FlowError;

/// How long a cached config is used before it is read again.
pub const CONFIG_TTL: Duration = Duration::from_hours(1);
/// The App's failure threshold when the config sets none.
pub const APP_FAILURE_THRESHOLD: Severity = Severity::Error;
/// The base config's path when `_extends` names none.
const DEFAULT_BASE_PATH: &str = ".github/drydock.yml";
/// Longest config text read; a config is a few dozen lines.
const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// The settings a lint runs with, and where they came from.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// App defaults, then the base config, then the repository's.
    pub settings: Settings,
    /// Where the config came from, for the summary (Markdown).
    pub source: String,
    /// Notes that do not stop the run (unknown codes, an ignored nested `_extends`).
    pub warnings: Vec<String>,
}

/// A base config named by `_extends`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extends {
    /// The repository.
    pub repo: RepoRef,
    /// The file in it.
    pub path: String,
}

impl Extends {
    /// Reads an `_extends` value; `owner` fills in a bare repository name.
    pub fn parse(value: &str, owner: &str) -> Result<Self, String> {
        let value = value.trim();
        let (repo_part, path) = match value.split_once(':') {
            Some((r, p)) => (r.trim(), p.trim()),
            None => (value, DEFAULT_BASE_PATH),
        };
        let invalid = || {
            format!(
                "`_extends: {value}` is not a repository: write `_extends: .github` (this owner's `.github` \
                 repository), `_extends: OWNER/REPO` or `_extends: OWNER/REPO:PATH`"
            )
        };
        let repo = if repo_part.contains('/') {
            RepoRef::parse(repo_part).map_err(|_| invalid())?
        } else {
            RepoRef::new(owner, repo_part).map_err(|_| invalid())?
        };
        let path = path.trim_start_matches('/');
        let path_ok = !path.is_empty()
            && path.len() <= 256
            && !path.split('/').any(|s| s.is_empty() || s == "." || s == "..")
            && !path.chars().any(char::is_control);
        if !path_ok {
            return Err(format!(
                "`_extends: {value}` names the path `{path}`, which is not a file path in a repository"
            ));
        }
        Ok(Self { repo, path: path.to_owned() })
    }

    /// `owner/repo:path` (the form stored in the cache).
    pub fn display(&self) -> String {
        format!("{}:{}", self.repo, self.path)
    }
}

/// Splits a top-level `_extends: VALUE` line off a config text: returns the
/// value (if any) and the text with that line blanked, so the line numbers of
/// later errors stay right.
pub fn split_extends(text: &str) -> Result<(Option<String>, String), ConfigError> {
    let mut value = None;
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = body.strip_prefix("_extends") {
            let rest = rest.trim_start();
            if let Some(v) = rest.strip_prefix(':') {
                let line_no = u64::try_from(i + 1).ok();
                if value.is_some() {
                    return Err(ConfigError {
                        line: line_no,
                        column: Some(1),
                        message: "`_extends` is given twice: keep one".to_owned(),
                    });
                }
                let v = strip_comment(v).trim();
                let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
                let v = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(v).trim();
                if v.is_empty() {
                    return Err(ConfigError {
                        line: line_no,
                        column: Some(1),
                        message: "`_extends` needs a repository on the same line, like `_extends: my-org/.github`"
                            .to_owned(),
                    });
                }
                value = Some(v.to_owned());
                out.push_str(&line[body.len()..]); // keep the line break
                continue;
            }
        }
        out.push_str(line);
    }
    Ok((value, out))
}

/// `s` without a YAML comment (` #…`).
fn strip_comment(s: &str) -> &str {
    match s.find(" #") {
        Some(i) => &s[..i],
        None if s.trim_start().starts_with('#') => "",
        None => s,
    }
}

/// Reads the config of `repo` from the cache, or from GitHub when the cache has
/// none or it is older than [`CONFIG_TTL`] (or `force`), storing what it read.
pub async fn cached_or_fetch(
    client: &InstallationClient,
    store: &Store,
    repo: &RepoRef,
    force: bool,
) -> Result<CachedConfig, FlowError> {
    let now = Timestamp::now();
    if !force
        && let Some(cached) = store.cached_config(&repo.to_string()).await?
        && now.since(cached.fetched_at) < CONFIG_TTL
    {
        return Ok(cached);
    }
    let fetched = fetch(client, repo, now).await?;
    store.put_cached_config(&fetched).await?;
    Ok(fetched)
}

/// Reads the config and its base from GitHub.
pub async fn fetch(client: &InstallationClient, repo: &RepoRef, now: Timestamp) -> Result<CachedConfig, FlowError> {
    let default_branch = client.default_branch(repo).await?;
    let mut config_path = None;
    let mut config_text = None;
    for path in CONFIG_PATHS {
        if let Some(text) = read_text(client, repo, path, Some(&default_branch)).await? {
            config_path = Some((*path).to_owned());
            config_text = Some(text);
            break;
        }
    }
    let mut base_repository = None;
    let mut base_text = None;
    // A malformed `_extends` is cached as it is; `resolve` reports it.
    if let Some(text) = &config_text
        && let Ok((Some(value), _)) = split_extends(text)
        && let Ok(extends) = Extends::parse(&value, repo.owner())
    {
        base_text = read_base(client, repo, &extends).await?;
        base_repository = Some(extends.display());
    }
    Ok(CachedConfig {
        repository: repo.to_string(),
        default_branch,
        config_path,
        config_text,
        base_repository,
        base_text,
        fetched_at: now,
    })
}

/// The base config's text; `None` when it does not exist or cannot be read.
pub async fn read_base(
    client: &InstallationClient,
    repo: &RepoRef,
    extends: &Extends,
) -> Result<Option<String>, FlowError> {
    if extends.repo == *repo && CONFIG_PATHS.contains(&extends.path.as_str()) {
        return Ok(None); // extends itself
    }
    match read_text(client, &extends.repo, &extends.path, None).await {
        Ok(text) => Ok(text),
        // Not installed there, or no such repository: the config is invalid, not an outage.
        Err(FlowError::Github(e)) if matches!(e.status(), Some(403 | 404)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A small text file at `git_ref` (default branch when `None`); `None` when missing.
pub async fn read_text(
    client: &InstallationClient,
    repo: &RepoRef,
    path: &str,
    git_ref: Option<&str>,
) -> Result<Option<String>, FlowError> {
    // A config over the fetch limit is a permanent error whose message names the file and its size.
    let file = client.file_contents(repo, path, git_ref).await?;
    Ok(file.map(|f| String::from_utf8_lossy(&f.bytes).into_owned()))
}

/// Turns a cached config into settings, or says clearly why it cannot be used.
pub fn resolve(cached: &CachedConfig, repo: &RepoRef) -> Result<Resolved, String> {
    let Some(text) = &cached.config_text else {
        return Ok(Resolved {
            settings: app_defaults(),
            source: format!("no `.github/drydock.yml` on `{}`: the App's defaults", cached.default_branch),
            warnings: Vec::new(),
        });
    };
    let path = cached.config_path.as_deref().unwrap_or(CONFIG_PATHS[0]);
    let mut source = format!("`{path}` on `{}`", cached.default_branch);
    let resolved = resolve_text(text, path, repo, cached.base_text.as_deref(), cached.base_repository.as_deref())?;
    if let Some(base) = &cached.base_repository {
        let _ = write!(source, ", extending `{base}`");
    }
    Ok(Resolved { source, ..resolved })
}

/// Settings from a config text (`path` names it in messages) and its base's text.
/// `base_name` is the `_extends` target the base text was read for; a text that
/// extends something else is reported as not read.
pub fn resolve_text(
    text: &str,
    path: &str,
    repo: &RepoRef,
    base_text: Option<&str>,
    base_name: Option<&str>,
) -> Result<Resolved, String> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(format!("`{path}` is larger than {} KiB; a config is a few dozen lines", MAX_CONFIG_BYTES / 1024));
    }
    let (extends, own) = split_extends(text).map_err(|e| format!("`{path}`: {e}"))?;
    // The `digest:` block belongs to the digest PRs (`jobs::digest::config`), not to the lint settings.
    let own = crate::jobs::digest::config::split_digest(&own).1;
    let file = ConfigFile::parse_drydock(&own).map_err(|e| format!("`{path}`: {e}"))?;
    let mut settings = app_defaults();
    let mut warnings = Vec::new();
    if let Some(value) = extends {
        let ext = Extends::parse(&value, repo.owner()).map_err(|e| format!("`{path}`: {e}"))?;
        let self_reference = ext.repo == *repo && CONFIG_PATHS.contains(&ext.path.as_str());
        if !self_reference {
            let base = base_text.filter(|_| base_name == Some(ext.display().as_str())).ok_or_else(|| {
                format!(
                    "`{path}` extends `{}`, which cannot be read: check that the repository exists, that the \
                     drydock App is installed on it, and that it has that file on its default branch",
                    ext.display()
                )
            })?;
            let base_label = ext.display();
            if base.len() > MAX_CONFIG_BYTES {
                return Err(format!("the base config `{base_label}` is larger than {} KiB", MAX_CONFIG_BYTES / 1024));
            }
            let (nested, base_own) = split_extends(base).map_err(|e| format!("the base config `{base_label}`: {e}"))?;
            let base_own = crate::jobs::digest::config::split_digest(&base_own).1;
            if let Some(n) = nested {
                warnings.push(format!("the base config `{base_label}` extends `{n}`; only one level is followed"));
            }
            let base_file =
                ConfigFile::parse_drydock(&base_own).map_err(|e| format!("the base config `{base_label}`: {e}"))?;
            warnings.extend(unknown_codes(&base_file));
            settings.apply(&base_file);
        }
    }
    warnings.extend(unknown_codes(&file));
    settings.apply(&file);
    Ok(Resolved { settings, source: format!("`{path}`"), warnings })
}

fn unknown_codes(file: &ConfigFile) -> Vec<String> {
    file.unknown_codes(|c| {
        crate::lint::rules::by_code(c).is_some() || c.starts_with("SC") || c.eq_ignore_ascii_case("DL1000")
    })
}

/// The App's settings before any config.
pub fn app_defaults() -> Settings {
    Settings { failure_threshold: Some(APP_FAILURE_THRESHOLD), ..Settings::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> RepoRef {
        RepoRef::parse("octo/app").unwrap()
    }

    #[test]
    fn extends_forms() {
        let e = Extends::parse(".github", "octo").unwrap();
        assert_eq!(e.display(), "octo/.github:.github/drydock.yml");
        let e = Extends::parse("org/.github", "octo").unwrap();
        assert_eq!(e.display(), "org/.github:.github/drydock.yml");
        let e = Extends::parse("org/policies:drydock/base.yml", "octo").unwrap();
        assert_eq!(e.display(), "org/policies:drydock/base.yml");
        for bad in ["a/b/c", "org/x:../etc", "org/x:", "../x", "a b"] {
            assert!(Extends::parse(bad, "octo").is_err(), "{bad}");
        }
    }

    #[test]
    fn split_extends_blanks_the_line() {
        let (v, rest) =
            split_extends("rules:\n  DL3008: off\n_extends: \"org/.github\" # shared\nignore: [DD001]\n").unwrap();
        assert_eq!(v.as_deref(), Some("org/.github"));
        assert_eq!(rest, "rules:\n  DL3008: off\n\nignore: [DD001]\n");
        let (v, rest) = split_extends("ignore: [DD001]").unwrap();
        assert_eq!((v, rest.as_str()), (None, "ignore: [DD001]"));
        assert!(split_extends("_extends:\n").unwrap_err().message.contains("needs a repository"));
        assert_eq!(split_extends("_extends: a\n_extends: b\n").unwrap_err().line, Some(2));
    }

    #[test]
    fn base_is_merged_under_the_repository_config() {
        let base = "failure-threshold: warning\nignore: [DD001]\nrules:\n  DL3008: error\n";
        let own = "_extends: org/.github\nrules:\n  DD001: on\n";
        let r = resolve_text(own, ".github/drydock.yml", &repo(), Some(base), Some("org/.github:.github/drydock.yml"))
            .unwrap();
        assert!(r.settings.is_enabled("DD001"), "the repository re-enables what the base switched off");
        assert_eq!(r.settings.severity.get("DL3008"), Some(&Severity::Error));
        assert_eq!(r.settings.failure_threshold, Some(Severity::Warning));
    }

    #[test]
    fn unreadable_base_and_bad_config_are_errors() {
        let err = resolve_text("_extends: org/.github\n", "c.yml", &repo(), None, None).unwrap_err();
        assert!(err.contains("cannot be read") && err.contains("installed"), "{err}");
        let err = resolve_text("rulez: {}\n", "c.yml", &repo(), None, None).unwrap_err();
        assert!(err.starts_with("`c.yml`: line 1"), "{err}");
    }

    #[test]
    fn defaults_fail_on_errors_only() {
        let s = app_defaults();
        assert!(s.fails_on(Severity::Error));
        assert!(!s.fails_on(Severity::Warning));
    }
}
