//! The ShellCheck pass-through end to end: the note when the binary is
//! missing, the switches that turn it off, and (when `shellcheck` is on PATH,
//! as in CI) findings mapped to exact Dockerfile lines and columns, with
//! pragmas and config ignores applied.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::require_or_skip;

const NOTE: &str = "ShellCheck (SC) checks were skipped";

fn drydock() -> Command {
    let mut cmd = Command::cargo_bin("drydock").expect("binary");
    cmd.env_remove("DRYDOCK_FORMAT")
        .env_remove("DRYDOCK_FAILURE_THRESHOLD")
        .env_remove("DRYDOCK_NO_SHELLCHECK")
        .env("NO_COLOR", "1");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

/// `(code, line, column, severity)` of every SC finding in JSON output.
fn sc_findings(stdout: &[u8]) -> Vec<(String, u64, u64, String)> {
    let v: Value = serde_json::from_slice(stdout).expect("json output");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"].as_str().is_some_and(|c| c.starts_with("SC")))
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn missing_binary_is_noted_once_and_switches_silence_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", "FROM alpine:3\nRUN echo $x\n");
    write(dir.path(), "other.Dockerfile", "FROM alpine:3\nRUN echo $y\n");
    let empty_path = tempfile::tempdir().expect("tempdir");
    let run = |extra: &[&str]| {
        let out =
            drydock().env("PATH", empty_path.path()).arg("lint").args(extra).arg(dir.path()).output().expect("run");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = run(&[]);
    assert_eq!(stderr.matches(NOTE).count(), 1, "{stderr}");
    assert!(stderr.contains("apt-get install shellcheck"), "the note says what to do: {stderr}");
    assert!(!run(&["--no-shellcheck"]).contains(NOTE));
    write(dir.path(), ".drydock.yml", "shellcheck: false\n");
    assert!(!run(&[]).contains(NOTE));
    // No RUN script, nothing skipped, nothing to say.
    let bare = tempfile::tempdir().expect("tempdir");
    write(bare.path(), "Dockerfile", "FROM alpine:3\nCMD [\"true\"]\n");
    let out = drydock().env("PATH", empty_path.path()).arg("lint").arg(bare.path()).output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(NOTE));
}

const DOCKERFILE: &str = "\
FROM debian:12
ARG VERSION
ENV APP_HOME=/app
RUN apt-get update \\
  # a comment BuildKit drops
  && echo \"$VERSION\" \"$APP_HOME\" $foo \\
\t&& cd /tmp
# hadolint ignore=SC2086
RUN echo $bar
RUN <<EOF
set -e
echo $baz
EOF
SHELL [\"pwsh\", \"-c\"]
RUN echo $skipped
";

#[test]
fn real_shellcheck_findings_map_to_dockerfile_lines() {
    let Some(_) = require_or_skip(
        drydock::shellcheck::find_on_path("shellcheck"),
        "the `shellcheck` binary",
        "install it: apt-get install -y shellcheck",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", DOCKERFILE);
    let out = drydock().args(["lint", "-f", "json"]).arg(dir.path().join("Dockerfile")).output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(NOTE));
    let got = sc_findings(&out.stdout);
    let want = |code: &str, line: u64, col: u64, sev: &str| (code.to_string(), line, col, sev.to_string());
    // Line 6 is the third physical line of a continued RUN; `$foo` is unquoted
    // and unset, `$VERSION` (an ARG) and `$APP_HOME` (an ENV) are known.
    assert!(got.contains(&want("SC2086", 6, 34, "info")), "{got:?}");
    assert!(got.contains(&want("SC2154", 6, 34, "warning")), "{got:?}");
    assert!(got.contains(&want("SC2164", 7, 5, "warning")), "a tab counts as one column: {got:?}");
    assert!(!got.iter().any(|f| f.0 == "SC2154" && f.1 == 6 && f.2 != 34), "ARG/ENV names are exported: {got:?}");
    // The pragma keeps SC2086 off line 9, but not SC2154.
    assert!(!got.contains(&want("SC2086", 9, 10, "info")), "{got:?}");
    assert!(got.contains(&want("SC2154", 9, 10, "warning")), "{got:?}");
    // The heredoc body maps to its own lines.
    assert!(got.contains(&want("SC2086", 12, 6, "info")), "{got:?}");
    // Nothing under the PowerShell SHELL.
    assert!(!got.iter().any(|f| f.1 == 15), "{got:?}");

    // Config and CLI ignores reach SC codes too.
    write(dir.path(), ".hadolint.yaml", "ignored: [SC2086]\n");
    let out = drydock().args(["lint", "-f", "json"]).arg(dir.path().join("Dockerfile")).output().expect("run");
    let got = sc_findings(&out.stdout);
    assert!(!got.iter().any(|f| f.0 == "SC2086") && got.iter().any(|f| f.0 == "SC2154"), "{got:?}");
    let out = drydock()
        .args(["lint", "-f", "json", "--ignore", "SC2154"])
        .arg(dir.path().join("Dockerfile"))
        .output()
        .expect("run");
    let got = sc_findings(&out.stdout);
    assert!(!got.iter().any(|f| f.0 == "SC2086" || f.0 == "SC2154") && !got.is_empty(), "{got:?}");
    // `--no-shellcheck` wins over everything.
    let out = drydock()
        .args(["lint", "-f", "json", "--no-shellcheck"])
        .arg(dir.path().join("Dockerfile"))
        .output()
        .expect("run");
    assert!(sc_findings(&out.stdout).is_empty());
}

#[test]
fn real_shellcheck_runs_once_for_many_files_and_stdin() {
    let Some(_) = require_or_skip(
        drydock::shellcheck::find_on_path("shellcheck"),
        "the `shellcheck` binary",
        "install it: apt-get install -y shellcheck",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..30 {
        write(dir.path(), &format!("{i}.Dockerfile"), &format!("FROM alpine:3\nRUN echo $v{i}\n"));
    }
    let out = drydock().args(["lint", "-f", "json"]).arg(dir.path()).output().expect("run");
    let got = sc_findings(&out.stdout);
    assert_eq!(got.iter().filter(|f| f.0 == "SC2086").count(), 30, "{got:?}");
    // stdin is not prefetched; it is checked on its own.
    let out =
        drydock().args(["lint", "-f", "json", "-"]).write_stdin("FROM alpine:3\nRUN echo $x\n").output().expect("run");
    assert!(sc_findings(&out.stdout).contains(&("SC2086".into(), 2, 10, "info".into())));
}
