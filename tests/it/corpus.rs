//! The whole lint pipeline over the third-party corpus (`../shared/corpus`):
//! real files must never make it panic, and `BuildKit`'s negative parser fixtures
//! must come out as parse errors (`DL1000`).
//!
//! The corpus is read at run time and never copied into the repository.

// Test helpers (outside `#[test]` fns) may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use drydock::lint::{ContextIgnore, FileKind, LintInput, Settings, check};

use crate::common::{self, CorpusFile};

/// The file's text as the CLI would lint it (invalid UTF-8 replaced).
fn read(file: &CorpusFile) -> String {
    let bytes = std::fs::read(&file.path).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The `.dockerignore` `BuildKit` would use for `dockerfile`, if the corpus has
/// it: `<Dockerfile>.dockerignore` first, then `.dockerignore` in the same folder.
fn ignore_for<'a>(dockerfile: &CorpusFile, ignores: &'a HashMap<(String, String), String>) -> Option<&'a str> {
    let dir = dockerfile.path_in_repo.rsplit_once('/').map_or("", |(dir, _)| dir);
    let beside = if dir.is_empty() { ".dockerignore".to_string() } else { format!("{dir}/.dockerignore") };
    [format!("{}.dockerignore", dockerfile.path_in_repo), beside]
        .into_iter()
        .find_map(|p| ignores.get(&(dockerfile.repo.clone(), p)))
        .map(String::as_str)
}

#[test]
fn every_corpus_file_lints_without_panic() {
    let Some(dir) = common::require_corpus() else {
        return;
    };
    let dockerfiles = common::corpus_files(&dir, FileKind::Dockerfile);
    let ignores = common::corpus_files(&dir, FileKind::DockerIgnore);
    assert!(
        dockerfiles.len() > 100 && !ignores.is_empty(),
        "corpus looks truncated: {} Dockerfiles, {} .dockerignore files",
        dockerfiles.len(),
        ignores.len()
    );
    let ignore_text: HashMap<(String, String), String> =
        ignores.iter().map(|f| ((f.repo.clone(), f.path_in_repo.clone()), read(f))).collect();
    let settings = Settings::default();
    let mut panicked = Vec::new();
    let mut with_context = 0;

    for file in &dockerfiles {
        let source = read(file);
        let dockerignore = match ignore_for(file, &ignore_text) {
            Some(text) => {
                with_context += 1;
                ContextIgnore::Present(text)
            }
            None => ContextIgnore::Unknown,
        };
        let input = LintInput {
            path: &file.local_path,
            source: &source,
            kind: FileKind::Dockerfile,
            dockerignore,
            target: None,
        };
        if catch_unwind(AssertUnwindSafe(|| check(&input, &settings))).is_err() {
            panicked.push(file.local_path.clone());
        }
    }
    for file in &ignores {
        let source = read(file);
        let input = LintInput {
            path: &file.local_path,
            source: &source,
            kind: FileKind::DockerIgnore,
            dockerignore: ContextIgnore::Unknown,
            target: None,
        };
        if catch_unwind(AssertUnwindSafe(|| check(&input, &settings))).is_err() {
            panicked.push(file.local_path.clone());
        }
    }

    assert!(with_context > 0, "no Dockerfile was paired with its .dockerignore");
    assert!(
        panicked.is_empty(),
        "lint panicked on {} of {} corpus files:\n  {}",
        panicked.len(),
        dockerfiles.len() + ignores.len(),
        panicked.join("\n  ")
    );
}

#[test]

fn invalid_fixtures_give_parse_error() {
    let Some(dir) = common::require_corpus() else {
        return;
    };
    let negatives: Vec<CorpusFile> = common::corpus_files(&dir, FileKind::Dockerfile)
        .into_iter()
        .filter(|f| f.origin == "parser-fixture-negative")
        .collect();
    assert!(!negatives.is_empty(), "corpus has no parser-fixture-negative files");
    let missing: Vec<&str> = negatives
        .iter()
        .filter(|f| {
            let source = read(f);
            let input = LintInput::dockerfile(&f.local_path, &source);
            !check(&input, &Settings::default()).iter().any(|d| d.code == "DL1000")
        })
        .map(|f| f.local_path.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} invalid parser fixtures gave no DL1000:\n  {}",
        missing.len(),
        negatives.len(),
        missing.join("\n  ")
    );
}
