//! Every rule against its fixture: exact `# expect:` markers, and an insta
//! snapshot of the rendered findings.
//!
//! Fixture format (`tests/fixtures/rules/<CODE>.Dockerfile` or `.dockerignore`):
//! - `# expect: CODE[, CODE…]` marks the next non-comment line as a line where
//!   the finding starts (comment lines inside continuations are fine, BuildKit
//!   drops them);
//! - `# expect-file: CODE` expects a file-level finding on line 1;
//! - `# expect-comment: CODE` marks the very next line, even a comment (for
//!   findings on pragma comments);
//! - `# fixture: dockerignore=NAME` lints with `tests/fixtures/rules/NAME` as the
//!   build context's `.dockerignore`; `dockerignore=missing` means the context has
//!   none; without it the context is unknown. `# fixture: target=STAGE` sets `--target`.
//!   `# fixture: config=NAME` applies `tests/fixtures/rules/NAME`, read as a
//!   `.hadolint.yaml` (label schema, trusted registries).
//!
//! `CODE.variant.Dockerfile` is one more fixture for CODE (for file-level rules,
//! a variant where the rule stays quiet). `.txt` files are helper inputs.
//!
//! A rule's fixtures must have firing and non-firing lines; the meta-test below fails a
//! rule without a fixture, a marker or an unmarked instruction.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use drydock::lint::report::{FileReport, Format, RenderOptions, render};
use drydock::lint::rules::{RULES, Target};
use drydock::lint::settings::ConfigFile;
use drydock::lint::source::LineIndex;
use drydock::lint::{ContextIgnore, FileKind, LintInput, Settings, check};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

struct Fixture {
    code: String,
    path: PathBuf,
    src: String,
    kind: FileKind,
    #[allow(clippy::option_option)] // unknown / missing / present, read once
    ignore: Option<Option<String>>,
    target: Option<String>,
    config: Option<String>,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(fixtures_dir()).expect("fixtures dir").flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let (code, kind) = if let Some(code) = name.strip_suffix(".Dockerfile") {
            (code.to_string(), FileKind::Dockerfile)
        } else if let Some(code) = name.strip_suffix(".dockerignore") {
            (code.to_string(), FileKind::DockerIgnore)
        } else {
            continue;
        };
        // `CODE.variant.Dockerfile` is another fixture for CODE, e.g. a file
        // where a file-level rule must stay quiet.
        let code = code.split('.').next().unwrap_or_default().to_string();
        let src = std::fs::read_to_string(&path).expect("read fixture");
        let mut ignore = None;
        let mut target = None;
        let mut config = None;
        for line in src.lines() {
            let Some(spec) = line.trim().strip_prefix("# fixture:") else { continue };
            for part in spec.split_whitespace() {
                match part.split_once('=') {
                    Some(("dockerignore", "missing")) => ignore = Some(None),
                    Some(("dockerignore", file)) => {
                        let text = std::fs::read_to_string(fixtures_dir().join(file)).expect("fixture dockerignore");
                        ignore = Some(Some(text));
                    }
                    Some(("target", t)) => target = Some(t.to_string()),
                    Some(("config", file)) => {
                        config = Some(std::fs::read_to_string(fixtures_dir().join(file)).expect("fixture config"));
                    }
                    _ => panic!("{name}: unknown fixture option `{part}`"),
                }
            }
        }
        out.push(Fixture { code, path, src, kind, ignore, target, config });
    }
    out
}

/// `Settings::only(code)` plus the fixture's config file, if any.
fn settings_for(f: &Fixture) -> Settings {
    let mut settings = Settings::only(&f.code);
    if let Some(text) = &f.config {
        settings.apply(&ConfigFile::parse_hadolint(text).expect("fixture config parses"));
    }
    settings
}

fn lint(f: &Fixture, settings: &Settings) -> Vec<drydock::lint::Diagnostic> {
    let dockerignore = match &f.ignore {
        None => ContextIgnore::Unknown,
        Some(None) => ContextIgnore::Missing,
        Some(Some(text)) => ContextIgnore::Present(text),
    };
    let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let input = LintInput { path: name, source: &f.src, kind: f.kind, dockerignore, target: f.target.as_deref() };
    check(&input, settings)
}

/// Lines the markers expect a finding of `code` on.
fn expected_lines(src: &str, code: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut pending = 0;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim();
        let lineno = u32::try_from(i + 1).expect("line");
        if let Some(codes) = t.strip_prefix("# expect-file:") {
            out.extend(codes.split(',').filter(|c| c.trim() == code).map(|_| 1));
            continue;
        }
        if let Some(codes) = t.strip_prefix("# expect-comment:") {
            let next = lineno + 1;
            out.extend(codes.split(',').filter(|c| c.trim() == code).map(|_| next));
            continue;
        }
        if let Some(codes) = t.strip_prefix("# expect:") {
            pending += codes.split(',').filter(|c| c.trim() == code).count();
            continue;
        }
        if t.starts_with('#') || (t.is_empty() && pending > 0) {
            continue;
        }
        out.extend(std::iter::repeat_n(lineno, pending));
        pending = 0;
    }
    out.sort_unstable();
    out
}

fn hit_lines(src: &str, diags: &[drydock::lint::Diagnostic], code: &str) -> Vec<u32> {
    let index = LineIndex::new(src);
    let mut out: Vec<u32> = diags.iter().filter(|d| d.code == code).map(|d| index.line(d.range.start)).collect();
    out.sort_unstable();
    out
}

#[test]
fn rule_fixtures_match_their_markers() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let diags = lint(&f, &settings_for(&f));
        let expected = expected_lines(&f.src, &f.code);
        let got = hit_lines(&f.src, &diags, &f.code);
        if expected != got {
            failures.push(format!("{}: expected findings on lines {expected:?}, got {got:?}\n{diags:#?}", f.code));
        }
        for d in &diags {
            let first = d.message.chars().next().unwrap_or(' ');
            if d.message.ends_with('.') || first.is_uppercase() {
                failures.push(format!("{}: message style (lowercase, no trailing period): {:?}", f.code, d.message));
            }
            if d.help.is_none() && d.code != "DL1000" {
                failures.push(format!("{}: finding without help: {:?}", f.code, d.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn rule_fixture_snapshots() {
    for f in fixtures() {
        let diags = lint(&f, &settings_for(&f));
        let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let report = FileReport { path: name.clone(), source: f.src.clone(), diagnostics: diags };
        let out = render(Format::Tty, &[report], RenderOptions::default());
        insta::assert_snapshot!(format!("rule_{name}"), out);
    }
}

#[test]
fn every_rule_has_a_fixture_with_firing_and_quiet_lines() {
    let fixtures = fixtures();
    let mut missing = Vec::new();
    for rule in RULES {
        let meta = rule.meta();
        let mine: Vec<&Fixture> = fixtures.iter().filter(|f| f.code == meta.code).collect();
        if mine.is_empty() {
            missing.push(format!("{}: no fixture in tests/fixtures/rules", meta.code));
            continue;
        }
        let want_kind = match meta.target {
            Target::Dockerfile => FileKind::Dockerfile,
            Target::DockerIgnore => FileKind::DockerIgnore,
        };
        if mine.iter().any(|f| f.kind != want_kind) {
            missing.push(format!("{}: a fixture is the wrong kind of file", meta.code));
        }
        let mut fired = false;
        let mut quiet = false;
        for f in mine {
            let expected = expected_lines(&f.src, meta.code);
            fired |= !expected.is_empty();
            let marked: BTreeSet<u32> = expected.into_iter().collect();
            quiet |= f.src.lines().enumerate().any(|(i, l)| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#') && !marked.contains(&u32::try_from(i + 1).expect("line"))
            });
        }
        if !fired {
            missing.push(format!("{}: no fixture has an `# expect:` marker", meta.code));
        }
        if !quiet {
            missing.push(format!("{}: no fixture has a non-firing line", meta.code));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// `docs/rule-matrix-coverage.md` has one row per matrix row (135), and every
/// drydock code it names is a rule that exists.
#[test]
fn rule_matrix_coverage_names_real_rules() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rule-matrix-coverage.md");
    let doc = std::fs::read_to_string(path).expect("docs/rule-matrix-coverage.md");
    let known: BTreeSet<&str> = RULES.iter().map(|r| r.meta().code).collect();
    let mut rows = 0;
    let mut unknown = Vec::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(id) = cells.get(1) else { continue };
        let is_row = id.len() >= 2
            && id.starts_with(|c: char| c.is_ascii_uppercase())
            && id[1..].chars().all(|c| c.is_ascii_digit());
        if !is_row {
            continue;
        }
        rows += 1;
        let coverage = cells.get(3).copied().unwrap_or_default();
        for word in coverage.split(|c: char| !c.is_ascii_alphanumeric()) {
            let code_like = (word.starts_with("DD") && word.len() == 5) || (word.starts_with("DL") && word.len() == 6);
            if code_like && word[2..].chars().all(|c| c.is_ascii_digit()) && !known.contains(word) {
                unknown.push(format!("{id}: {word}"));
            }
        }
    }
    assert_eq!(rows, 135, "the rule matrix has 135 rows");
    assert!(unknown.is_empty(), "codes that are not rules: {unknown:?}");
}
