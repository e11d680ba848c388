//! What directories hold, read once per directory per run.
//!
//! Linting a tree asks the same few questions of every directory: is there a `.dockerignore`, a
//! `<Dockerfile>.dockerignore`, a `.drydock.yml`, `.hadolint.yaml` or `.github/drydock.yml` here or
//! above, is this directory a symlink. Each asked with `stat` is a walk of the whole path in the kernel,
//! and on the virtual machines CI runs on a path walk costs microseconds: asked per file they were a
//! fifth of the time `drydock lint` took on a corpus of small files. One `read_dir` answers all of them
//! for a directory (one path walk, one or two `getdents`).
//!
//! Answers are exactly those of `Path::is_file` and `Path::is_dir`: a name the listing reports as a plain
//! file or directory is taken as listed; anything else the listing cannot settle (a symlink, a type the
//! file system does not report, a directory that cannot be listed) is asked of the file system itself.
//! The cache lives for one run, which reads these files and does not write them.

use std::ffi::OsStr;
use std::path::{Component, Path};
use std::sync::{Arc, Mutex, PoisonError};

use super::config::PathMap;

/// What a listing says about one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    /// A symlink, or a type not reported: ask the file system.
    Other,
}

/// What a path names, by [`DirCache::entry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    File,
    Missing,
    Ask,
}

/// The names in one directory and their kinds.
#[derive(Debug, Default)]
struct Listing(PathMap<Kind>);

/// Listings of the directories asked about, shared by the threads of one run.
#[derive(Default)]
pub(crate) struct DirCache(Mutex<PathMap<Option<Arc<Listing>>>>);

impl DirCache {
    /// The listing of `dir`, or `None` when it cannot be listed (missing, not a directory, unreadable).
    fn listing(&self, dir: &Path) -> Option<Arc<Listing>> {
        let key = if dir.as_os_str().is_empty() { OsStr::new(".") } else { dir.as_os_str() };
        if let Some(known) = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(key) {
            return known.clone();
        }
        // Read without the lock: two threads may list one directory at once, and both get the same answer.
        let listing = read(Path::new(key)).map(Arc::new);
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key.to_owned(), listing.clone());
        listing
    }

    /// Whether `dir/name` is a file, following symlinks (as `Path::is_file`). `name` is one component.
    pub(crate) fn is_file_in(&self, dir: &Path, name: &OsStr) -> bool {
        match self.listing(dir).map(|l| l.0.get(name).copied()) {
            Some(Some(Kind::File)) => true,
            Some(None | Some(Kind::Dir)) => false,
            Some(Some(Kind::Other)) | None => dir.join(name).is_file(),
        }
    }

    /// Whether `dir/rel` is a file, following symlinks (as `Path::is_file`); `rel` is relative and may have
    /// several components (`.github/drydock.yml`).
    pub(crate) fn is_file_at(&self, dir: &Path, rel: &Path) -> bool {
        let mut parts: Vec<&OsStr> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => parts.push(n),
                // Not a plain relative path: the file system decides.
                _ => return dir.join(rel).is_file(),
            }
        }
        let Some((name, parents)) = parts.split_last() else { return false };
        let mut at = dir.to_path_buf();
        for p in parents {
            if !self.is_dir_in(&at, p) {
                return false;
            }
            at.push(p);
        }
        self.is_file_in(&at, name)
    }

    /// Whether `dir/name` is a directory, following symlinks (as `Path::is_dir`).
    fn is_dir_in(&self, dir: &Path, name: &OsStr) -> bool {
        match self.listing(dir).map(|l| l.0.get(name).copied()) {
            Some(Some(Kind::Dir)) => true,
            Some(None | Some(Kind::File)) => false,
            Some(Some(Kind::Other)) | None => dir.join(name).is_dir(),
        }
    }

    /// What `path` names, as far as its directory's listing tells: a plain file, nothing, or
    /// [`Entry::Ask`] (a directory, a symlink, a path ending in `/`, `.` or `..`, an unlistable directory)
    /// when the caller should ask the file system.
    pub(crate) fn entry(&self, path: &Path) -> Entry {
        let plain_name = matches!(path.components().next_back(), Some(Component::Normal(_)))
            && !path.as_os_str().as_encoded_bytes().ends_with(b"/");
        let (Some(name), true) = (path.file_name(), plain_name) else { return Entry::Ask };
        let parent = path.parent().unwrap_or(Path::new(""));
        match self.listing(parent).map(|l| l.0.get(name).copied()) {
            Some(Some(Kind::File)) => Entry::File,
            Some(None) => Entry::Missing,
            Some(Some(Kind::Dir | Kind::Other)) | None => Entry::Ask,
        }
    }

    /// Whether `dir` is a directory, following symlinks (as `Path::is_dir`).
    pub(crate) fn is_dir(&self, dir: &Path) -> bool {
        self.listing(dir).is_some() || dir.is_dir()
    }

    /// Whether `dir/name` is known not to be a symlink without asking the file system: its parent's
    /// listing says it is a plain directory. `false` means "ask".
    pub(crate) fn is_plain_dir_in(&self, dir: &Path, name: &OsStr) -> bool {
        self.listing(dir).is_some_and(|l| l.0.get(name) == Some(&Kind::Dir))
    }
}

/// Lists `dir`; `None` when it cannot be listed.
fn read(dir: &Path) -> Option<Listing> {
    let mut names = PathMap::default();
    for entry in std::fs::read_dir(dir).ok()? {
        let Ok(entry) = entry else { return None };
        let kind = match entry.file_type() {
            Ok(t) if t.is_file() => Kind::File,
            Ok(t) if t.is_dir() => Kind::Dir,
            _ => Kind::Other,
        };
        names.insert(entry.file_name(), kind);
    }
    Some(Listing(names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_the_file_system_does() {
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        std::fs::create_dir_all(r.join("d/.github")).unwrap();
        std::fs::write(r.join("d/.dockerignore"), "x").unwrap();
        std::fs::write(r.join("d/.github/drydock.yml"), "x").unwrap();
        std::fs::write(r.join("real"), "x").unwrap();
        std::os::unix::fs::symlink(r.join("real"), r.join("d/link")).unwrap();
        std::os::unix::fs::symlink(r.join("d"), r.join("dirlink")).unwrap();
        std::os::unix::fs::symlink(r.join("missing"), r.join("d/dangling")).unwrap();
        let cache = DirCache::default();
        let names = [".dockerignore", ".github", "link", "dangling", "absent", "real", "d", "dirlink"];
        for dir in [r.to_path_buf(), r.join("d"), r.join("dirlink"), r.join("absent"), r.join("real")] {
            assert_eq!(cache.is_dir(&dir), dir.is_dir(), "{}", dir.display());
            for name in names {
                let p = dir.join(name);
                assert_eq!(cache.is_file_in(&dir, OsStr::new(name)), p.is_file(), "{}", p.display());
                assert_eq!(cache.is_dir_in(&dir, OsStr::new(name)), p.is_dir(), "{}", p.display());
                if cache.is_plain_dir_in(&dir, OsStr::new(name)) {
                    assert!(std::fs::symlink_metadata(&p).unwrap().is_dir(), "{}", p.display());
                }
            }
            for rel in
                [".github/drydock.yml", ".github/absent.yml", "absent/x", "link/x", "./.dockerignore", "d/../real"]
            {
                let p = dir.join(rel);
                assert_eq!(cache.is_file_at(&dir, Path::new(rel)), p.is_file(), "{}", p.display());
            }
        }
        for path in [
            "d/.dockerignore",
            "d/absent",
            "d",
            "d/link",
            "d/dangling",
            "d/.dockerignore/",
            "d/.",
            "absent/x",
            "real/x",
        ] {
            let p = r.join(path);
            let expected = match std::fs::metadata(&p) {
                Ok(m) if m.is_file() => [Entry::File, Entry::Ask],
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => [Entry::Missing, Entry::Ask],
                _ => [Entry::Ask, Entry::Ask],
            };
            assert!(expected.contains(&cache.entry(&p)), "{path}: {:?}", cache.entry(&p));
        }
        assert_eq!(cache.entry(&r.join("d/.dockerignore")), Entry::File);
        assert_eq!(cache.entry(&r.join("d/absent")), Entry::Missing);
        // A relative directory and the empty path (the current directory) are listed too.
        let here = std::env::current_dir().unwrap();
        assert_eq!(cache.is_file_in(Path::new(""), OsStr::new("Cargo.toml")), here.join("Cargo.toml").is_file());
    }
}
