//! The `drydock` binary end to end: exit codes, stdin, discovery, config
//! files, pragmas, `--fix`/`--diff`, and a snapshot of every output format.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli").join(name);
    std::fs::read_to_string(path).expect("cli fixture")
}

fn drydock() -> Command {
    let mut cmd = Command::cargo_bin("drydock").expect("binary");
    // ShellCheck findings depend on the machine having the binary; its own
    // tests (`tests/it/shellcheck.rs`) switch it back on.
    cmd.env_remove("DRYDOCK_FORMAT")
        .env_remove("DRYDOCK_FAILURE_THRESHOLD")
        .env("NO_COLOR", "1")
        .env("DRYDOCK_NO_SHELLCHECK", "true");
    cmd
}

/// A temp project: a clean Dockerfile with its `.dockerignore`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Dockerfile"), fixture("clean.Dockerfile")).expect("write");
    std::fs::write(dir.path().join(".dockerignore"), fixture("clean.dockerignore")).expect("write");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn clean_project_exits_zero() {
    let dir = project();
    drydock().arg("lint").arg(dir.path()).assert().code(0).stdout(predicate::str::contains("no findings in 2 files"));
}

#[test]
fn findings_exit_one_and_threshold_controls_it() {
    let dir = project();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nUSER 1000\nWORKDIR app\n",
    );
    // DL3000 is an error.
    drydock().arg("lint").arg(dir.path()).assert().code(1).stdout(predicate::str::contains("DL3000"));
    drydock().args(["lint", "--failure-threshold", "none"]).arg(dir.path()).assert().code(0);
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nUSER 1000\nCMD echo hi\n",
    );
    // DL3025 is only a warning.
    drydock().args(["lint", "-t", "error"]).arg(dir.path()).assert().code(0);
    drydock().args(["lint", "-t", "warning"]).arg(dir.path()).assert().code(1);
}

#[test]
fn usage_and_io_errors_exit_two() {
    drydock()
        .args(["lint", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    drydock().args(["lint", "--no-such-flag"]).assert().code(2);
    drydock().args(["explain", "XX1"]).assert().code(2).stderr(predicate::str::contains("no rule has the code"));
    let dir = project();
    write(dir.path(), ".drydock.yml", "rulez: {}\n");
    drydock().arg("lint").arg(dir.path()).assert().code(2).stderr(predicate::str::contains("rulez"));
}

#[test]
fn stdin_with_and_without_a_filename() {
    let src = "FROM alpine\n";
    drydock()
        .args(["lint", "--format", "json", "-"])
        .write_stdin(src)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"path\": \"-\"").and(predicate::str::contains("DL3006")));
    // With a filename, its directory is the build context: here it has no .dockerignore.
    let dir = tempfile::tempdir().expect("tempdir");
    let name = dir.path().join("Dockerfile");
    drydock()
        .args(["lint", "--format", "json", "--stdin-filename"])
        .arg(&name)
        .arg("-")
        .write_stdin(src)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("DD060"));
}

#[test]
fn directories_are_searched_for_dockerfiles_and_ignore_files() {
    let dir = project();
    write(dir.path(), "svc/api.Dockerfile", "FROM scratch\n");
    write(dir.path(), "svc/Dockerfile.prod", "FROM scratch\n");
    write(dir.path(), "svc/Containerfile", "FROM scratch\n");
    write(dir.path(), "svc/README.md", "FROM scratch\n");
    write(dir.path(), ".git/Dockerfile", "FROM scratch\n");
    let out = drydock().args(["lint", "--format", "checkstyle", "-t", "none"]).arg(dir.path()).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for found in ["api.Dockerfile", "Dockerfile.prod", "Containerfile", ".dockerignore"] {
        assert!(text.contains(found), "{found} not linted:\n{text}");
    }
    assert!(!text.contains("README.md") && !text.contains(".git/Dockerfile"), "{text}");
}

#[test]
fn nearest_config_wins_and_hadolint_config_is_honoured() {
    let dir = project();
    let sub = dir.path().join("svc");
    write(&sub, "Dockerfile", "FROM alpine:3.20\nUSER 1000\n");
    write(&sub, ".dockerignore", &fixture("clean.dockerignore"));
    let run = || {
        drydock().args(["lint", "--format", "json", "-t", "none"]).arg(sub.join("Dockerfile")).output().expect("run")
    };
    let codes = |out: &std::process::Output| String::from_utf8_lossy(&out.stdout).to_string();
    assert!(codes(&run()).contains("DD001"));
    write(dir.path(), ".hadolint.yaml", "ignored: [DD001]\n");
    assert!(!codes(&run()).contains("DD001"), "hadolint `ignored` applies");
    write(&sub, ".github/drydock.yml", "rules:\n  DD001: warning\n");
    let out = codes(&run());
    assert!(
        out.contains("DD001") && out.contains("\"severity\": \"warning\""),
        "drydock config wins over hadolint's: {out}"
    );
    let explicit = write(dir.path(), "other.yml", "ignore: [DD001]\n");
    let out = drydock()
        .args(["lint", "--format", "json", "-t", "none", "--config"])
        .arg(&explicit)
        .arg(sub.join("Dockerfile"))
        .output()
        .expect("run");
    assert!(!codes(&out).contains("DD001"), "--config replaces discovery");
}

#[test]
fn pragmas_suppress_the_next_instruction() {
    let dir = project();
    let base = "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nUSER 1000\n";
    write(dir.path(), "Dockerfile", &format!("{base}# hadolint ignore=DL3025\nCMD echo hi\n"));
    drydock().args(["lint", "-t", "style"]).arg(dir.path()).assert().code(0);
    write(dir.path(), "Dockerfile", &format!("{base}# drydock ignore=DL3025\nCMD echo hi\n"));
    drydock().args(["lint", "-t", "style"]).arg(dir.path()).assert().code(0);
    write(dir.path(), "Dockerfile", &format!("{base}# hadolint ignore=DL3000\nCMD echo hi\n"));
    drydock().args(["lint", "-t", "style"]).arg(dir.path()).assert().code(1);
}

#[test]
fn fix_is_idempotent_and_diff_writes_nothing() {
    let dir = project();
    let path = write(dir.path(), "Dockerfile", &fixture("messy.Dockerfile"));
    let before = std::fs::read_to_string(&path).expect("read");
    let diff = drydock().args(["lint", "--diff"]).arg(&path).output().expect("run");
    assert_eq!(diff.status.code(), Some(1), "--diff exits 1 when there is something to fix");
    let diff_text = String::from_utf8_lossy(&diff.stdout).to_string();
    assert!(diff_text.contains("+LABEL maintainer=\"someone@example.com\""), "{diff_text}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), before, "--diff changes nothing");
    drydock().args(["lint", "--fix", "-t", "none"]).arg(&path).assert().code(0);
    let once = std::fs::read_to_string(&path).expect("read");
    assert_ne!(once, before);
    assert!(once.contains("COPY app.js /app/") && once.contains("LABEL maintainer="), "{once}");
    drydock().args(["lint", "--fix", "-t", "none"]).arg(&path).assert().code(0);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), once, "a second --fix changes nothing");
    drydock().args(["lint", "--diff"]).arg(&path).assert().code(0).stdout(predicate::str::is_empty());
}

#[test]
fn fix_applies_every_safe_fix_and_is_idempotent() {
    use drydock::lint::rules::{FixKind, RULES, Target};
    use drydock::lint::{Applicability, LintInput, Settings, check};

    let src = fixture("fixable.Dockerfile");
    // The fixture must exercise every rule that has a safe fix for Dockerfiles.
    let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::default());
    for rule in RULES {
        let m = rule.meta();
        if m.target != Target::Dockerfile || !matches!(m.fix, FixKind::Safe | FixKind::Sometimes) {
            continue;
        }
        let fixed_here = diags
            .iter()
            .any(|d| d.code == m.code && d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Safe));
        assert!(fixed_here, "{}: tests/fixtures/cli/fixable.Dockerfile has no safe fix of this rule", m.code);
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "Dockerfile", &src);
    let diff = drydock().args(["lint", "--diff"]).arg(&path).output().expect("run");
    assert_eq!(diff.status.code(), Some(1), "--diff exits 1 when there is something to fix");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), src, "--diff changes nothing");
    drydock().args(["lint", "--fix", "-t", "none"]).arg(&path).assert().code(0);
    let once = std::fs::read_to_string(&path).expect("read");
    insta::assert_snapshot!("fix_every_safe_fix", once);
    drydock().args(["lint", "--fix", "-t", "none"]).arg(&path).assert().code(0);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), once, "a second --fix changes nothing");
    drydock().args(["lint", "--diff"]).arg(&path).assert().code(0).stdout(predicate::str::is_empty());
    let again = check(&LintInput::dockerfile("Dockerfile", &once), &Settings::default());
    let left: Vec<_> = again
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Safe))
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    assert!(left.is_empty(), "safe fixes left after --fix: {left:?}");
    assert!(again.iter().all(|d| d.code != "DL1000"), "the fixed file parses: {again:?}");
}

#[test]
fn rules_and_explain() {
    let out = drydock().arg("rules").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for rule in drydock::lint::rules::RULES {
        assert!(text.contains(rule.meta().code), "{} missing from `drydock rules`", rule.meta().code);
    }
    assert!(text.lines().any(|l| l.starts_with("DL4000") && l.contains(" fix ")), "fixable rules are marked");
    drydock()
        .args(["explain", "dl3006"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## What it does").and(predicate::str::contains("Use instead:")));
    let json = drydock().args(["rules", "--json"]).output().expect("run");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["rules"].as_array().map(Vec::len), Some(drydock::lint::rules::RULES.len()));
}

#[test]
fn every_format_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", &fixture("messy.Dockerfile"));
    write(dir.path(), ".dockerignore", "node_modules\n");
    for format in ["tty", "json", "sarif", "checkstyle", "gitlab", "github"] {
        let out = drydock().current_dir(dir.path()).args(["lint", "--format", format, "."]).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout).replace(env!("CARGO_PKG_VERSION"), "[version]");
        if matches!(format, "json" | "sarif" | "gitlab") {
            serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{format} is not JSON: {e}"));
        }
        insta::assert_snapshot!(format!("cli_format_{format}"), text);
    }
}

#[test]
fn parallel_lint_reports_like_one_thread_in_the_order_files_are_named() {
    // Every rule fixture, in reverse name order: the report must follow the order given, whatever thread
    // finished first, and match a one-thread run byte for byte (unreadable files included).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files.reverse();
    files.insert(files.len() / 2, dir.join("no-such.Dockerfile"));
    let run = |threads: &str| {
        let out =
            drydock().args(["lint", "-f", "json", "--failure-threshold", "none", "-j", threads]).args(&files).output();
        let out = out.expect("run drydock");
        (
            out.status.code(),
            String::from_utf8(out.stdout).expect("utf-8"),
            String::from_utf8(out.stderr).expect("utf-8"),
        )
    };
    let one = run("1");
    assert_eq!(one.0, Some(2), "the missing file is an error: {}", one.2);
    assert!(one.2.contains("no-such.Dockerfile"), "{}", one.2);
    assert_eq!(run("4"), one);
    let json: serde_json::Value = serde_json::from_str(&one.1).expect("json");
    let paths: Vec<&str> =
        json["findings"].as_array().expect("findings").iter().filter_map(|f| f["path"].as_str()).collect();
    let mut seen: Vec<&str> = paths.clone();
    seen.dedup();
    let named: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let order: Vec<usize> = seen.iter().map(|p| named.iter().position(|n| n == p).expect("a named file")).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "findings follow the order the files were named");
    assert!(seen.len() > 100, "most fixtures have findings: {}", seen.len());
}
