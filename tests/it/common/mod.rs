//! Shared helpers for the integration tests: where the third-party corpus and
//! the Python venv (`BuildKit`'s parser, hadolint) live, and how a test skips when
//! one is missing.
//!
//! Both resources are optional on a developer machine and mandatory in CI: a
//! test that needs one calls [`require_or_skip`], which skips with a message
//! locally and panics when `CI=true`, so CI can never pass by skipping.

// Test helpers (outside `#[test]` fns) may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use drydock::lint::FileKind;

/// The crate root.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether we run in CI (`CI=true`, as GitHub Actions sets it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The corpus folder: `$DRYDOCK_CORPUS`, else `../shared/corpus` next to the
/// crate (or `../../shared/corpus`, for a git worktree one level deeper);
/// `None` when that folder has no `MANIFEST.tsv`.
pub fn corpus_dir() -> Option<PathBuf> {
    let has_manifest = |dir: &Path| dir.join("MANIFEST.tsv").is_file();
    if let Some(dir) = std::env::var_os("DRYDOCK_CORPUS") {
        let dir = PathBuf::from(dir);
        return has_manifest(&dir).then_some(dir);
    }
    ["../shared/corpus", "../../shared/corpus"]
        .into_iter()
        .map(|rel| manifest_dir().join(rel))
        .find(|dir| has_manifest(dir))
}

/// One row of the corpus `MANIFEST.tsv`.
#[derive(Clone, Debug)]
pub struct CorpusFile {
    /// Absolute path of the local copy.
    pub path: PathBuf,
    /// `local_path` as written in the manifest (short, for messages).
    pub local_path: String,
    /// `owner/name` of the source repository.
    pub repo: String,
    /// Path inside the source repository.
    pub path_in_repo: String,
    /// `origin` column, e.g. `parser-fixture-negative`.
    pub origin: String,
}

/// Every corpus file of `kind`, in manifest order. Panics on a malformed
/// manifest: that is a broken checkout, not a reason to skip.
pub fn corpus_files(dir: &Path, kind: FileKind) -> Vec<CorpusFile> {
    let manifest = dir.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{} has no `{name}` column", manifest.display()))
    };
    let (c_path, c_repo, c_in_repo, c_kind, c_origin) =
        (col("local_path"), col("repo"), col("path_in_repo"), col("kind"), col("origin"));
    let want = match kind {
        FileKind::Dockerfile => "dockerfile",
        FileKind::DockerIgnore => "dockerignore",
    };
    let mut files = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cells.len(),
            header.len(),
            "{} line {}: expected {} columns",
            manifest.display(),
            i + 2,
            header.len()
        );
        if cells[c_kind] != want {
            continue;
        }
        files.push(CorpusFile {
            path: dir.join(cells[c_path]),
            local_path: cells[c_path].to_string(),
            repo: cells[c_repo].to_string(),
            path_in_repo: cells[c_in_repo].to_string(),
            origin: cells[c_origin].to_string(),
        });
    }
    files
}

/// The venv's Python interpreter, as an absolute path: `$DRYDOCK_VENV` (relative to the crate when
/// relative), else `target/venv` in the crate (both made by `.ci/setup-python.sh`), else `/tmp/venv`
/// outside CI.
pub fn venv_python() -> Option<PathBuf> {
    let python = |venv: &Path| {
        let exe = venv.join("bin/python");
        exe.is_file().then_some(exe)
    };
    if let Some(venv) = std::env::var_os("DRYDOCK_VENV") {
        // Absolute, so tools from the venv still run where a test changes directory (the hadolint
        // comparison runs from the corpus folder).
        let venv = std::path::absolute(Path::new(&venv)).unwrap_or_else(|_| PathBuf::from(&venv));
        return python(&venv);
    }
    python(&manifest_dir().join("target/venv")).or_else(|| (!in_ci()).then(|| python(Path::new("/tmp/venv"))).flatten())
}

/// Passes `found` through. When it is `None`: in CI, panics naming `what` and
/// `fix`; elsewhere prints a skip message to stderr and returns `None`, so the
/// caller can `let Some(x) = require_or_skip(..) else { return };`.
pub fn require_or_skip<T>(found: Option<T>, what: &str, fix: &str) -> Option<T> {
    if found.is_none() {
        assert!(!in_ci(), "{what} is missing and CI=true requires it: {fix}");
        eprintln!("skipping: {what} is missing ({fix})");
    }
    found
}

/// The corpus folder, or a skip (a panic in CI).
pub fn require_corpus() -> Option<PathBuf> {
    require_or_skip(
        corpus_dir(),
        "the corpus",
        "set DRYDOCK_CORPUS to the folder holding MANIFEST.tsv, or check out ../shared/corpus",
    )
}

/// The venv's Python, or a skip (a panic in CI).
pub fn require_python() -> Option<PathBuf> {
    require_or_skip(
        venv_python(),
        "the Python venv with the `dockerfile` package",
        "run .ci/setup-python.sh, or set DRYDOCK_VENV to a venv made by it",
    )
}
