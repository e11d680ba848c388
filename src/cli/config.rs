//! Config discovery: for each linted file, the nearest ancestor directory with
//! `.drydock.yml` (or `.drydock.yaml`, `.github/drydock.yml`) wins, and so does
//! the nearest `.hadolint.yaml`; hadolint's settings apply first, drydock's on
//! top. `--config` replaces discovery. Results are cached per directory.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};

use super::dirs::DirCache;
use crate::lint::settings::{ConfigFile, Settings};

const DRYDOCK_NAMES: &[&str] = &[".drydock.yml", ".drydock.yaml", ".github/drydock.yml", ".github/drydock.yaml"];
const HADOLINT_NAMES: &[&str] = &[".hadolint.yaml", ".hadolint.yml"];
/// Config files larger than this are refused.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A cache keyed by paths as spelled. std hashes and compares a `Path` component by component (about a
/// thousand instructions for a long path, asked several times per linted file); these keys are the bytes.
/// A directory spelled two ways (`a//b`, `a/b`) is then two entries, which costs a second lookup, never a
/// wrong answer.
pub(crate) type PathMap<V> = std::collections::HashMap<OsString, V, foldhash::fast::RandomState>;

/// Finds and caches settings per directory.
///
/// Every lookup is memoised, so a run over many files costs one `canonicalize`
/// per directory named and one `stat` per candidate config name per directory
/// on the way up, however many files share them (syscalls are the dearest
/// part of linting a small file).
pub struct ConfigResolver {
    explicit: Option<Arc<Settings>>,
    /// Settings by directory as named on the command line.
    by_raw: PathMap<Arc<Settings>>,
    /// Settings by canonical directory.
    by_canonical: PathMap<Arc<Settings>>,
    /// The nearest hadolint and drydock config file at or above a canonical directory.
    nearest_hadolint: PathMap<Option<PathBuf>>,
    nearest_drydock: PathMap<Option<PathBuf>>,
    /// Canonical form of directories as named (see [`Self::canonical`]).
    canonical: PathMap<PathBuf>,
    /// Applied after any file (CLI flags).
    overrides: Box<dyn Fn(&mut Settings) + Send>,
    /// Directory listings that answer "is there a config file here" without a `stat` per name.
    dirs: Arc<DirCache>,
}

impl ConfigResolver {
    /// A resolver; `explicit` is `--config`, `overrides` applies CLI flags, `dirs` the run's listings.
    pub(crate) fn new(
        explicit: Option<&Path>,
        overrides: Box<dyn Fn(&mut Settings) + Send>,
        dirs: Arc<DirCache>,
    ) -> Result<Self> {
        let explicit = match explicit {
            Some(path) => {
                let mut settings = Settings::default();
                let is_hadolint = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains("hadolint"));
                settings.apply(&load(path, is_hadolint)?);
                overrides(&mut settings);
                Some(Arc::new(settings))
            }
            None => None,
        };
        Ok(Self {
            explicit,
            by_raw: PathMap::default(),
            by_canonical: PathMap::default(),
            nearest_hadolint: PathMap::default(),
            nearest_drydock: PathMap::default(),
            canonical: PathMap::default(),
            overrides,
            dirs,
        })
    }

    /// Settings for a file in `dir`.
    pub fn for_dir(&mut self, dir: &Path) -> Result<Arc<Settings>> {
        if let Some(s) = &self.explicit {
            return Ok(Arc::clone(s));
        }
        if let Some(s) = self.by_raw.get(dir.as_os_str()) {
            return Ok(Arc::clone(s));
        }
        let canonical = self.canonical(dir);
        let settings = if let Some(s) = self.by_canonical.get(canonical.as_os_str()) {
            Arc::clone(s)
        } else {
            let mut settings = Settings::default();
            if let Some(path) = nearest(&canonical, HADOLINT_NAMES, &mut self.nearest_hadolint, &self.dirs) {
                settings.apply(&load(&path, true)?);
            }
            if let Some(path) = nearest(&canonical, DRYDOCK_NAMES, &mut self.nearest_drydock, &self.dirs) {
                settings.apply(&load(&path, false)?);
            }
            (self.overrides)(&mut settings);
            let settings = Arc::new(settings);
            self.by_canonical.insert(canonical.into_os_string(), Arc::clone(&settings));
            settings
        };
        self.by_raw.insert(dir.as_os_str().to_owned(), Arc::clone(&settings));
        Ok(settings)
    }
}

impl ConfigResolver {
    /// `dir` made absolute with symlinks resolved, as `canonicalize` does, but memoised by parent: a
    /// directory that is not a symlink is its parent's canonical form plus its name, which costs one
    /// `lstat` instead of a `readlink` per component (sibling directories share their parents' walk).
    /// Paths that end in `.` or `..`, symlinks, and errors take `canonicalize` itself.
    fn canonical(&mut self, dir: &Path) -> PathBuf {
        if let Some(known) = self.canonical.get(dir.as_os_str()) {
            return known.clone();
        }
        let by_parent = || {
            if dir.components().any(|c| matches!(c, Component::ParentDir | Component::Prefix(_))) {
                return None;
            }
            // Without `.` components, so that `a/.` is `a` when asking whether it is a symlink.
            let clean: PathBuf = dir.components().collect();
            let name = clean.file_name()?.to_owned();
            let parent = clean.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            // The parent's listing settles most: a plain directory there is no symlink.
            if !self.dirs.is_plain_dir_in(parent, &name)
                && std::fs::symlink_metadata(&clean).ok()?.file_type().is_symlink()
            {
                return None;
            }
            Some((parent.to_path_buf(), name))
        };
        let canonical = match by_parent() {
            Some((parent, name)) if parent != dir => self.canonical(&parent).join(name),
            _ => std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
        };
        self.canonical.insert(dir.as_os_str().to_owned(), canonical.clone());
        canonical
    }
}

/// The first of `names` that is a file in `dir` or the nearest ancestor that has one, memoised in `memo` for
/// every directory walked (siblings share their parents' answer).
fn nearest(dir: &Path, names: &[&str], memo: &mut PathMap<Option<PathBuf>>, dirs: &DirCache) -> Option<PathBuf> {
    let mut walked = Vec::new();
    let mut found = None;
    for d in dir.ancestors() {
        if let Some(known) = memo.get(d.as_os_str()) {
            found.clone_from(known);
            break;
        }
        walked.push(d);
        if let Some(name) = names.iter().find(|n| dirs.is_file_at(d, Path::new(n))) {
            found = Some(d.join(name));
            break;
        }
    }
    for d in walked {
        memo.insert(d.as_os_str().to_owned(), found.clone());
    }
    found
}

fn load(path: &Path, hadolint: bool) -> Result<ConfigFile> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read config `{}`", path.display()))?;
    if meta.len() > MAX_CONFIG_BYTES {
        anyhow::bail!("config `{}` is larger than 1 MiB; is it the right file?", path.display());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config `{}`", path.display()))?;
    let parsed = if hadolint { ConfigFile::parse_hadolint(&text) } else { ConfigFile::parse_drydock(&text) };
    let file = parsed.with_context(|| format!("in config `{}`", path.display()))?;
    for warning in &file.warnings {
        eprintln!("drydock: warning: {}: {warning}", path.display());
    }
    let unknown = file.unknown_codes(|c| crate::lint::rules::by_code(c).is_some() || c.starts_with("SC"));
    if !unknown.is_empty() {
        eprintln!(
            "drydock: warning: {}: unknown rule codes {} (run `drydock rules` to list them)",
            path.display(),
            unknown.join(", ")
        );
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> ConfigResolver {
        ConfigResolver::new(None, Box::new(|_| {}), Arc::default()).unwrap()
    }

    #[test]
    fn canonical_matches_canonicalize() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("real/inner/deep")).unwrap();
        std::os::unix::fs::symlink(r.join("real"), r.join("link")).unwrap();
        std::os::unix::fs::symlink("real/inner", r.join("rel")).unwrap();
        let mut configs = resolver();
        let dirs = [
            r.join("real/inner/deep"),
            r.join("link/inner/deep"),
            r.join("link/inner"),
            r.join("link/."),
            r.join("rel/deep"),
            r.join("rel/./deep/"),
            r.join("real/inner/../inner/deep"),
            PathBuf::from("."),
            PathBuf::from("src/cli"),
            PathBuf::from("./src/../src/cli"),
            PathBuf::from("/"),
        ];
        for d in &dirs {
            assert_eq!(configs.canonical(d), std::fs::canonicalize(d).unwrap(), "{}", d.display());
            // Memoised: the same answer again.
            assert_eq!(configs.canonical(d), std::fs::canonicalize(d).unwrap(), "{}", d.display());
        }
        // A directory that does not exist stays as named, as before.
        assert_eq!(configs.canonical(&r.join("missing/x")), r.join("missing/x"));
    }

    #[test]
    fn nearest_config_wins_and_siblings_share_their_parents_answer() {
        let root = tempfile::tempdir().unwrap();
        let (a, b, c) = (root.path().join("a"), root.path().join("b"), root.path().join("b/c"));
        for d in [&a, &c] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(root.path().join(".drydock.yml"), "ignore: [DL3006]\n").unwrap();
        std::fs::write(b.join(".hadolint.yaml"), "ignored: [DL3007]\n").unwrap();
        let mut configs = resolver();
        let top = configs.for_dir(&a).unwrap();
        assert!(top.disabled.contains("DL3006") && !top.disabled.contains("DL3007"));
        // `b/c` finds hadolint's file in `b` and drydock's at the root, through the memo that `a` filled.
        let deep = configs.for_dir(&c).unwrap();
        assert!(deep.disabled.contains("DL3006") && deep.disabled.contains("DL3007"));
        assert!(configs.nearest_drydock.contains_key(std::fs::canonicalize(&c).unwrap().as_os_str()));
        // The same directory named two ways shares one resolution.
        let again = configs.for_dir(&c.join("..").join("c")).unwrap();
        assert!(Arc::ptr_eq(&deep, &again));
    }
}
