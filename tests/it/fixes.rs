//! `--fix` over the whole corpus (`../shared/corpus`): for every Dockerfile,
//! applying the safe fixes once must fix what it claims (no fix applied in one
//! pass is offered again at the same place), repeated passes must reach a fixed
//! point that another pass leaves alone, and the fixed file must parse no worse
//! than the original.

use std::fmt::Write as _;

use drydock::lint::diagnostic::{Diagnostic, apply_safe_fixes_indexed};
use drydock::lint::model::expand::expand;
use drydock::lint::parser::{Keyword, parse};
use drydock::lint::{Applicability, FileKind, LintInput, Settings, check};

use crate::common;

/// `--fix` passes the CLI runs at most.
const MAX_PASSES: usize = 10;

fn lint(src: &str) -> Vec<Diagnostic> {
    check(&LintInput::dockerfile("Dockerfile", src), &Settings::default())
}

fn safe(d: &Diagnostic) -> bool {
    d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Safe)
}

/// Where byte `offset` of the old text lands after the edits of `applied`.
fn shifted(offset: u32, diags: &[Diagnostic], applied: &[usize]) -> i64 {
    let mut delta = 0i64;
    for e in applied.iter().filter_map(|&i| diags.get(i)).filter_map(|d| d.fix.as_ref()).flat_map(|f| &f.edits) {
        if e.range.end <= offset && !(e.range.is_empty() && e.range.start == offset) {
            delta += i64::try_from(e.content.len()).unwrap() - i64::from(e.range.len());
        }
    }
    i64::from(offset) + delta
}

/// Every `ENV` and `LABEL` pair in file order, values as BuildKit reads them
/// (quotes removed, variables left as written); MAINTAINER's label is left out
/// because DL4000's fix adds it.
fn key_values(src: &str) -> Vec<(Keyword, String, String)> {
    let (file, _) = parse(src);
    let mut out = Vec::new();
    for inst in file.instructions.iter().map(drydock::lint::parser::Instruction::effective) {
        if !matches!(inst.keyword, Keyword::Env | Keyword::Label) {
            continue;
        }
        for pair in inst.args.chunks(2) {
            if let [k, v] = pair
                && k.value != "maintainer"
            {
                let value = expand(&v.value, file.escape, &|n| Some(format!("${{{n}}}"))).value;
                out.push((inst.keyword, k.value.clone(), value));
            }
        }
    }
    out
}

fn parse_errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.code == "DL1000").count()
}

/// Checks one file; returns what went wrong.
fn check_file(src: &str) -> Option<String> {
    let diags = lint(src);
    let (once, applied) = apply_safe_fixes_indexed(src, &diags);
    if applied.is_empty() {
        return None;
    }
    let mut problems = String::new();
    let again = lint(&once);
    for &i in &applied {
        let Some(d) = diags.get(i) else { continue };
        let at = shifted(d.range.start, &diags, &applied);
        if again.iter().any(|n| n.code == d.code && safe(n) && i64::from(n.range.start) == at) {
            let _ = writeln!(problems, "  {} fixed once is offered again: {}", d.code, d.message);
        }
    }
    if parse_errors(&again) > parse_errors(&diags) {
        let _ = writeln!(problems, "  the fixed file has new parse errors");
    }
    let mut text = once;
    let mut converged = false;
    for _ in 0..MAX_PASSES {
        let (next, n) = apply_safe_fixes_indexed(&text, &lint(&text));
        if n.is_empty() {
            converged = true;
            break;
        }
        text = next;
    }
    if !converged {
        let _ = writeln!(problems, "  no fixed point after {MAX_PASSES} passes");
    }
    if parse_errors(&lint(&text)) > parse_errors(&diags) {
        let _ = writeln!(problems, "  the fully fixed file has new parse errors");
    }
    if key_values(&text) != key_values(src) {
        let _ = writeln!(problems, "  ENV/LABEL values changed:\n{:?}\n{:?}", key_values(src), key_values(&text));
    }
    (!problems.is_empty()).then_some(problems)
}

#[test]
fn corpus_fixes_are_idempotent_and_keep_files_parsing() {
    let Some(dir) = common::require_corpus() else {
        return;
    };
    let files = common::corpus_files(&dir, FileKind::Dockerfile);
    let mut failures = Vec::new();
    let mut fixed = 0;
    for file in &files {
        let bytes = std::fs::read(&file.path).unwrap();
        let src = String::from_utf8_lossy(&bytes);
        if lint(&src).iter().any(safe) {
            fixed += 1;
        }
        if let Some(problem) = check_file(&src) {
            failures.push(format!("{}:\n{problem}", file.local_path));
        }
    }
    assert!(fixed > 50, "only {fixed} corpus files have a safe fix: is the corpus truncated?");
    assert!(failures.is_empty(), "{} of {} files:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn shifted_offsets_follow_the_edits() {
    let src = "FROM debian:12\nRUN apt-get install curl && apt install x\n";
    assert!(check_file(src).is_none());
    let diags = lint(src);
    let (_, applied) = apply_safe_fixes_indexed(src, &diags);
    assert!(!applied.is_empty());
    assert_eq!(shifted(0, &diags, &applied), 0);
}

#[test]
fn fixed_env_and_label_values_keep_their_meaning() {
    let src =
        "FROM alpine:3.20\nENV A $B c\nENV DEPS \\\n    gcc \\\n    make\nLABEL d e${F}g\nLABEL h \"i j\"\nENV K=l\n";
    assert_eq!(check_file(src), None);
    let (fixed, _) = apply_safe_fixes_indexed(src, &lint(src));
    assert_ne!(fixed, src);
    assert_eq!(key_values(&fixed), key_values(src));
}
