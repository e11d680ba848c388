//! Differential test: drydock's Dockerfile parser against `BuildKit`'s own.
//!
//! `tests/tools/buildkit_dump.py` runs `BuildKit`'s parser (through the `PyPI`
//! `dockerfile` 3.4.0 wrapper) over many files in one process and prints one
//! JSON document; each file is then parsed with [`drydock::lint::parser::parse`]
//! and the two are compared field by field. Every disagreement is collected and
//! printed, then the test fails once with a summary.
//!
//! A file `BuildKit` rejects must give a `DL1000` error from our parser, and a
//! file it accepts must not. Instructions are paired by start line, so one
//! missing or extra instruction is reported once instead of shifting the rest.
//!
//! What the wrapper exposes, and so what is compared, per instruction:
//! the command as written (`cmd`, case kept), the ONBUILD inner command
//! (`sub_cmd`), lines, the JSON-form flag, the outer flags as `--name[=value]`
//! strings, the values (`Node.Next`), and heredoc names and bodies.
//! Known wrapper limits, handled here rather than reported:
//! * ONBUILD: the inner instruction's flags and heredocs are not exposed (only
//!   the outer flags and the end line), so heredocs are not compared for it;
//! * unknown instructions (and `ONBUILD ONBUILD`) yield the placeholder value
//!   `[""]` from `BuildKit`'s ignore parser, so their values are not compared;
//! * `<<-` bodies: both parsers keep the tabs (they are stripped at build time;
//!   drydock's `Heredoc::body` does that), so bodies are compared raw;
//! * a JSON string holding `\u0000` comes back cut at the NUL (the wrapper
//!   passes strings through C), so our values are compared up to a NUL;
//! * files with a NUL byte come back truncated at the NUL (C strings), so only
//!   their structure is compared.

// Test helpers (outside `#[test]` fns) may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use drydock::lint::FileKind;
use drydock::lint::Severity;
use drydock::lint::parser::{Instruction, Keyword, ParseIssue, parse};
use serde::Deserialize;

use crate::common;

/// One file as `BuildKit`'s parser saw it.
#[derive(Debug, Deserialize)]
struct BkFile {
    ok: bool,
    #[serde(default)]
    instructions: Vec<BkInstruction>,
    /// `parse` (`BuildKit` rejected the file) or `io` (the dump could not read it).
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    error: Option<String>,
    /// Why the wrapper could not report the file faithfully (`nul`, `invalid-utf8`).
    #[serde(default)]
    lossy: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BkInstruction {
    cmd: String,
    sub_cmd: Option<String>,
    json: bool,
    start_line: u32,
    end_line: u32,
    flags: Vec<String>,
    value: Vec<String>,
    heredocs: Vec<BkHeredoc>,
    original: String,
}

#[derive(Debug, Deserialize)]
struct BkHeredoc {
    name: String,
    content: String,
}

/// One field on which the two parsers differ.
#[derive(Debug, PartialEq, Eq)]
struct Mismatch {
    /// Instruction index (0-based), `None` for file-level differences.
    index: Option<usize>,
    field: &'static str,
    ours: String,
    buildkit: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(f, "instruction #{i} ")?,
            None => write!(f, "file ")?,
        }
        write!(f, "{}: ours {} vs buildkit {}", self.field, self.ours, self.buildkit)
    }
}

/// Runs the dump script over `paths` in one process; keys are the paths as strings.
fn buildkit_dump(python: &Path, paths: &[PathBuf]) -> BTreeMap<String, BkFile> {
    let script = common::manifest_dir().join("tests/tools/buildkit_dump.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut list = String::new();
    for p in paths {
        let s = p.to_str().expect("corpus paths are UTF-8");
        assert!(!s.contains('\n'), "path with a newline: {s:?}");
        list.push_str(s);
        list.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let dump: BTreeMap<String, BkFile> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{} printed bad JSON: {e}", script.display()));
    assert_eq!(dump.len(), paths.len(), "dump lost files");
    dump
}

/// Our flags in `BuildKit`'s string form.
fn flag_strings(inst: &Instruction) -> Vec<String> {
    inst.flags
        .iter()
        .map(|f| match &f.value {
            Some(v) => format!("--{}={v}", f.name),
            None => format!("--{}", f.name),
        })
        .collect()
}

/// Our keyword in the uppercase form used for comparison.
fn our_cmd(inst: &Instruction) -> String {
    match inst.keyword {
        Keyword::Unknown => inst.name.to_uppercase(),
        k => k.as_str().to_string(),
    }
}

/// Removes leading tabs from every line, as `BuildKit` does for `<<-` at build time.
fn strip_leading_tabs(s: &str) -> String {
    s.split_inclusive('\n').map(|l| l.trim_start_matches('\t')).collect()
}

fn show<T: fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

/// Compares two instruction lists, pairing instructions by start line so one
/// missing or extra instruction does not shift every later comparison.
/// `compare_strings` is false when the dump truncated strings (NUL bytes).
fn compare(ours: &[Instruction], bk: &[BkInstruction], compare_strings: bool) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if ours.len() != bk.len() {
        out.push(Mismatch {
            index: None,
            field: "instruction count",
            ours: ours.len().to_string(),
            buildkit: bk.len().to_string(),
        });
    }
    let (mut i, mut j) = (0, 0);
    loop {
        match (ours.get(i), bk.get(j)) {
            (Some(o), Some(b)) if o.start_line == b.start_line => {
                compare_one(j, o, b, compare_strings, &mut out);
                i += 1;
                j += 1;
            }
            (Some(o), b) if b.is_none_or(|b| o.start_line < b.start_line) => {
                out.push(Mismatch {
                    index: Some(j),
                    field: "extra instruction",
                    ours: format!("{} at line {}", o.name, o.start_line),
                    buildkit: "none".to_string(),
                });
                i += 1;
            }
            (_, Some(b)) => {
                out.push(Mismatch {
                    index: Some(j),
                    field: "missing instruction",
                    ours: "none".to_string(),
                    buildkit: format!("{} at line {}: {:?}", b.cmd, b.start_line, b.original),
                });
                j += 1;
            }
            (_, None) => break,
        }
    }
    out
}

/// Compares one instruction pair (same start line); `index` is `BuildKit`'s.
fn compare_one(index: usize, o: &Instruction, b: &BkInstruction, compare_strings: bool, out: &mut Vec<Mismatch>) {
    let before = out.len();
    let mut push = |field, ours: String, buildkit: String| {
        if ours != buildkit {
            out.push(Mismatch { index: Some(index), field, ours, buildkit });
        }
    };
    let cmd_ours = our_cmd(o);
    let cmd_bk = b.cmd.to_uppercase();
    let cmd_agrees = cmd_ours == cmd_bk;
    push("cmd", cmd_ours, cmd_bk);
    if cmd_agrees {
        push("name as written", o.name.to_string(), b.cmd.clone());
    }
    push("sub_cmd", show(&o.sub.as_ref().map(|s| our_cmd(s))), show(&b.sub_cmd.as_ref().map(|s| s.to_uppercase())));
    push("end_line", o.end_line.to_string(), b.end_line.to_string());
    let inner = o.effective();
    push("json", inner.json.to_string(), b.json.to_string());
    if compare_strings {
        push("flags", show(&flag_strings(o)), show(&b.flags));
        let bk_effective = Keyword::parse(b.sub_cmd.as_deref().unwrap_or(&b.cmd));
        if !matches!(bk_effective, Keyword::Unknown | Keyword::Onbuild) {
            // The wrapper hands Go strings through C, which ends them at a NUL.
            let values: Vec<&str> = inner.args.iter().map(|a| a.value.split('\0').next().unwrap_or("")).collect();
            push("value", show(&values), show(&b.value));
        }
        if b.sub_cmd.is_none() {
            let ours_h: Vec<(&str, &str)> = o.heredocs.iter().map(|h| (h.name.as_str(), h.content.as_str())).collect();
            let bk_h: Vec<(&str, &str)> = b.heredocs.iter().map(|h| (h.name.as_str(), h.content.as_str())).collect();
            push("heredocs", show(&ours_h), show(&bk_h));
        }
    }
    if out.len() > before {
        // The raw text, once per differing instruction, for context.
        out.push(Mismatch {
            index: Some(index),
            field: "(buildkit original)",
            ours: format!("line {}", o.start_line),
            buildkit: show(&b.original),
        });
    }
}

fn is_parse_error(issue: &ParseIssue) -> bool {
    issue.code == "DL1000" && issue.severity == Severity::Error
}

/// Counts and findings of one differential run.
#[derive(Default)]
struct Outcome {
    agree: usize,
    disagree: usize,
    rejected_by_both: usize,
    rejected_only_by_buildkit: usize,
    rejected_only_by_us: usize,
    structure_only: usize,
    /// `(label, mismatch)` in file order.
    mismatches: Vec<(String, Mismatch)>,
}

impl Outcome {
    fn summary(&self) -> String {
        format!(
            "{} files agree, {} disagree, {} rejected by both, {} rejected only by buildkit, \
             {} rejected only by drydock ({} compared without strings: NUL bytes)",
            self.agree,
            self.disagree,
            self.rejected_by_both,
            self.rejected_only_by_buildkit,
            self.rejected_only_by_us,
            self.structure_only
        )
    }

    fn failures(&self) -> usize {
        self.disagree + self.rejected_only_by_buildkit + self.rejected_only_by_us
    }

    /// Prints every mismatch and the summary to stderr; panics if any file disagrees.
    fn report(&self, what: &str) {
        for (label, m) in &self.mismatches {
            eprintln!("{label}: {m}");
        }
        eprintln!("{what}: {}", self.summary());
        assert_eq!(
            self.failures(),
            0,
            "{what}: drydock's parser disagrees with buildkit ({}); see the lines above",
            self.summary()
        );
    }
}

/// Parses every `(label, path)` with both parsers and compares them.
fn diff_files(python: &Path, files: &[(String, PathBuf)]) -> Outcome {
    let paths: Vec<PathBuf> = files.iter().map(|(_, p)| p.clone()).collect();
    let dump = buildkit_dump(python, &paths);
    let mut outcome = Outcome::default();
    for (label, path) in files {
        let key = path.to_str().unwrap();
        let bk = &dump[key];
        assert_ne!(bk.kind.as_deref(), Some("io"), "{label}: the dump could not read the file: {:?}", bk.error);
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let (file, issues) = parse(&text);
        let our_error = issues.iter().find(|i| is_parse_error(i));
        let mut found = Vec::new();
        match (bk.ok, our_error) {
            (false, Some(_)) => outcome.rejected_by_both += 1,
            (false, None) => {
                outcome.rejected_only_by_buildkit += 1;
                found.push(Mismatch {
                    index: None,
                    field: "rejected",
                    ours: format!("accepted ({} instructions)", file.instructions.len()),
                    buildkit: format!("rejected: {}", bk.error.as_deref().unwrap_or("?")),
                });
            }
            (true, Some(issue)) => {
                outcome.rejected_only_by_us += 1;
                found.push(Mismatch {
                    index: None,
                    field: "rejected",
                    ours: format!("rejected: {} (bytes {:?})", issue.message, issue.range),
                    buildkit: "accepted".to_string(),
                });
            }
            (true, None) => {
                let compare_strings = bk.lossy.as_deref() != Some("nul");
                if !compare_strings {
                    outcome.structure_only += 1;
                }
                found = compare(&file.instructions, &bk.instructions, compare_strings);
                if found.is_empty() {
                    outcome.agree += 1;
                } else {
                    outcome.disagree += 1;
                }
            }
        }
        outcome.mismatches.extend(found.into_iter().map(|m| (label.clone(), m)));
    }
    outcome
}

#[test]

fn buildkit_agrees_on_corpus() {
    let Some(python) = common::require_python() else {
        return;
    };
    let Some(dir) = common::require_corpus() else {
        return;
    };
    let files: Vec<(String, PathBuf)> =
        common::corpus_files(&dir, FileKind::Dockerfile).into_iter().map(|f| (f.local_path, f.path)).collect();
    assert!(files.len() > 100, "corpus has only {} Dockerfiles", files.len());
    diff_files(&python, &files).report("corpus");
}

/// Hand-written edge cases, each a whole Dockerfile.
const SNIPPETS: &[(&str, &str)] = &[
    ("heredoc", "FROM alpine\nRUN <<EOF\necho hi\nEOF\n"),
    ("heredoc-dash-tabs", "FROM alpine\nRUN <<-EOT\n\techo hi\n\t\tnested\n\tEOT\n"),
    ("heredoc-single-quoted", "FROM alpine\nCOPY <<'CONF' /etc/app.conf\nkey=$value\nCONF\n"),
    ("heredoc-double-quoted-with-program", "FROM alpine\nRUN <<\"PY\" python3\nprint('$HOME')\nPY\n"),
    ("two-heredocs-one-line", "FROM alpine\nRUN <<A cat >/a && <<B cat >/b\none\nA\ntwo\nB\n"),
    (
        "heredoc-copy-flags-shebang",
        "FROM alpine\nCOPY --chmod=755 <<EOF /run.sh\n#!/bin/sh\necho hi\nEOF\nRUN /run.sh\n",
    ),
    ("heredoc-crlf", "FROM alpine\r\nRUN <<EOF\r\necho hi\r\nEOF\r\n"),
    ("heredoc-after-continuation", "FROM alpine\nRUN <<EOF \\\n  cat\nhi\nEOF\n"),
    ("heredoc-lowercase-json-no-heredoc", "from alpine\nrun <<eof\nx\neof\nRUN [\"sh\", \"-c\", \"<<EOF\"]\n"),
    ("escape-backtick", "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\nRUN dir `\n  C:\\\nWORKDIR C:\\app\n"),
    ("escape-directive-too-late", "FROM alpine\n# escape=`\nRUN echo a\n"),
    ("directives-syntax-check", "# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\nFROM alpine\n"),
    (
        "comments-in-continuation",
        "FROM alpine\nRUN apk add \\\n# a comment\n    curl \\\n  # indented comment\n    git\n",
    ),
    ("empty-continuation-lines", "FROM alpine\nRUN echo a \\\n\n    b \\\n   \n    c\n"),
    ("crlf", "FROM alpine\r\nRUN echo a \\\r\n  b\r\nCMD [\"sh\"]\r\n"),
    ("bom", "\u{feff}FROM alpine\nRUN true\n"),
    ("lowercase-and-mixed-case", "from alpine as build\nRun echo hi\ncopy --from=build /a /b\n"),
    ("json-fallback", "FROM alpine\nRUN [ not json\nCMD [\"a\", 'b']\nENTRYPOINT []\n"),
    (
        "json-escapes-and-spaces",
        "FROM alpine\nENTRYPOINT [ \"a\\\"b\" , \"c\\\\d\", \"\\u00e9\" ]\nSHELL [\"powershell\", \"-Command\"]\n",
    ),
    ("env-modern", "FROM alpine\nENV a=1 b=\"two words\" c= d=e\\ f\n"),
    ("env-legacy", "FROM alpine\nENV k v w\nENV single\\ key value\n"),
    ("arg", "FROM alpine\nARG a b=c\nARG d=\"e f\"\nARG\n"),
    ("label", "FROM alpine\nLABEL a=b \"c d\"=\"e f\" g=h\\ i\nLABEL legacy value with spaces\n"),
    (
        "healthcheck",
        "FROM alpine\nHEALTHCHECK NONE\nHEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK CMD [\"true\"]\n",
    ),
    (
        "onbuild",
        "FROM alpine\nONBUILD RUN echo hi\nONBUILD COPY [\"a\", \"b\"]\nonbuild add --link x y\nONBUILD RUN <<EOF\necho later\nEOF\n",
    ),
    (
        "bare-link-and-checksum",
        "FROM alpine\nCOPY --link --chown=1000:1000 . /src\nADD --checksum=sha256:abc https://example.com/a.tgz /\nCOPY --link=false a b\n",
    ),
    (
        "mount-flags",
        "FROM alpine\nRUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=tok cat /run/secrets/tok\nRUN --network=none --security=sandbox true\n",
    ),
    (
        "from-platform-as",
        "ARG BASE=alpine\nFROM --platform=$BUILDPLATFORM ${BASE}:3.20 AS build\nFROM scratch\nCOPY --from=build / /\n",
    ),
    ("unknown-instruction", "FROM alpine\nFOO bar baz\nfrobnicate\n"),
    ("continuation-at-eof", "FROM alpine\nRUN echo a \\"),
    ("no-final-newline", "FROM alpine\nCMD [\"sh\"]"),
    ("whitespace-only-lines", "FROM alpine\n   \n\t\nRUN true\n  \n"),
    ("tabs-and-leading-space", "FROM\talpine\n  RUN\techo\ta\t\nEXPOSE\t80\t443/udp\n\tUSER app \\  \n  :app\n"),
    (
        "simple-instructions",
        "FROM alpine\nMAINTAINER Jane Doe <j@example.com>\nSTOPSIGNAL SIGTERM\nUSER app:app\nVOLUME /data /logs\nVOLUME [\"/a\", \"/b\"]\nWORKDIR /app\nEXPOSE 80 443/udp\n",
    ),
    // BuildKit rejects these.
    ("rejected-empty", ""),
    ("rejected-only-comments", "# just a comment\n\n# another\n"),
    ("rejected-env-no-value", "FROM alpine\nENV novalue\n"),
    ("rejected-label-no-equals", "FROM alpine\nLABEL a\n"),
    ("rejected-json-not-strings", "FROM alpine\nCMD [\"a\", [\"b\"]]\n"),
    ("rejected-unterminated-heredoc", "FROM alpine\nRUN <<EOF\necho hi\n"),
];

/// Writes the snippets into `dir`, returning `(label, path)` pairs.
fn write_snippets(dir: &Path) -> Vec<(String, PathBuf)> {
    SNIPPETS
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let path = dir.join(format!("{i:02}-{name}.Dockerfile"));
            std::fs::write(&path, text).unwrap();
            (format!("snippet {name}"), path)
        })
        .collect()
}

#[test]

fn buildkit_agrees_on_snippets() {
    let Some(python) = common::require_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_snippets(dir.path());
    diff_files(&python, &files).report("snippets");
}

/// The dump tool itself: pins what `BuildKit` (through the wrapper) reports for
/// a few shapes the comparison relies on. Runs without drydock's parser.
#[test]
fn buildkit_dump_reports_known_shapes() {
    let Some(python) = common::require_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_snippets(dir.path());
    let paths: Vec<PathBuf> = files.iter().map(|(_, p)| p.clone()).collect();
    let dump = buildkit_dump(&python, &paths);
    let get = |name: &str| {
        let (_, path) = files.iter().find(|(label, _)| label == &format!("snippet {name}")).unwrap();
        &dump[path.to_str().unwrap()]
    };

    let heredoc = &get("heredoc-dash-tabs").instructions[1];
    assert_eq!((heredoc.start_line, heredoc.end_line), (2, 5), "heredoc lines");
    assert_eq!(heredoc.value, ["<<-EOT"]);
    assert_eq!(heredoc.heredocs.len(), 1);
    assert_eq!(heredoc.heredocs[0].name, "EOT");
    assert_eq!(heredoc.heredocs[0].content, "\techo hi\n\t\tnested\n");
    assert_eq!(strip_leading_tabs(&heredoc.heredocs[0].content), "echo hi\nnested\n");

    let onbuild = &get("onbuild").instructions;
    assert_eq!(onbuild[1].cmd, "ONBUILD");
    assert_eq!(onbuild[1].sub_cmd.as_deref(), Some("RUN"));
    assert_eq!(onbuild[1].value, ["echo hi"]);
    assert!(onbuild[2].json);
    assert_eq!(onbuild[3].cmd, "onbuild");
    assert_eq!(onbuild[3].sub_cmd.as_deref(), Some("add"));
    assert!(onbuild[3].flags.is_empty(), "inner flags are not exposed");
    assert_eq!(onbuild[4].end_line, 7);
    assert!(onbuild[4].heredocs.is_empty(), "ONBUILD heredocs are not exposed");

    let link = &get("bare-link-and-checksum").instructions[1];
    assert_eq!(link.flags, ["--link", "--chown=1000:1000"]);
    assert_eq!(link.value, [".", "/src"]);

    let env = &get("env-modern").instructions[1];
    assert_eq!(env.value, ["a", "1", "b", "\"two words\"", "c", "", "d", "e\\ f"]);

    let unknown = &get("unknown-instruction").instructions[1];
    assert_eq!((unknown.cmd.as_str(), unknown.value.as_slice()), ("FOO", &[String::new()][..]));

    let crlf = &get("heredoc-crlf").instructions[1];
    assert_eq!(crlf.heredocs[0].content, "echo hi\r\n");

    let bom = &get("bom").instructions[0];
    assert_eq!((bom.cmd.as_str(), bom.start_line), ("FROM", 1));

    let rejected = get("rejected-env-no-value");
    assert!(!rejected.ok);
    assert_eq!(rejected.kind.as_deref(), Some("parse"));
    assert_eq!(rejected.error.as_deref(), Some("ENV must have two arguments"));

    let rejected = files
        .iter()
        .filter(|(label, _)| label.starts_with("snippet rejected-"))
        .filter(|(_, p)| !dump[p.to_str().unwrap()].ok)
        .count();
    assert_eq!(rejected, 6, "every rejected-* snippet is rejected by buildkit");
    let accepted = dump.values().filter(|f| f.ok).count();
    assert_eq!(accepted, SNIPPETS.len() - 6, "every other snippet is accepted");
}

/// The comparison reports each field on a hand-built instruction.
#[test]
fn compare_reports_each_field() {
    use drydock::lint::TextRange;
    use drydock::lint::parser::{Arg, Flag, Heredoc, JoinedText};

    let arg = |v: &str| Arg { value: v.to_string(), range: TextRange::default() };
    let ours = Instruction {
        keyword: Keyword::Run,
        name: "run".into(),
        name_range: TextRange::default(),
        range: TextRange::default(),
        start_line: 2,
        end_line: 4,
        flags: vec![
            Flag { name: "link".to_string(), value: None, range: TextRange::default(), value_range: None },
            Flag {
                name: "mount".to_string(),
                value: Some("type=cache".to_string()),
                range: TextRange::default(),
                value_range: None,
            },
        ],
        args: vec![arg("<<-EOF cat")],
        json: false,
        heredocs: vec![Heredoc {
            name: "EOF".to_string(),
            strip_tabs: true,
            quoted: false,
            content: "\t\tx\n".to_string(),
            body_range: TextRange::default(),
            body_start_line: 3,
            terminated: true,
        }],
        sub: None,
        text: JoinedText::default(),
    };
    let bk = |cmd: &str, end_line, flags: &[&str], value: &str, content: &str| BkInstruction {
        cmd: cmd.to_string(),
        sub_cmd: None,
        json: false,
        start_line: 2,
        end_line,
        flags: flags.iter().map(|s| (*s).to_string()).collect(),
        value: vec![value.to_string()],
        heredocs: vec![BkHeredoc { name: "EOF".to_string(), content: content.to_string() }],
        original: String::new(),
    };

    let same = bk("run", 4, &["--link", "--mount=type=cache"], "<<-EOF cat", "\t\tx\n");
    assert_eq!(compare(std::slice::from_ref(&ours), &[same], true), []);

    let differs = bk("RUN", 5, &["--link"], "<<-EOF  cat", "y\n");
    let found: Vec<(&str, String, String)> = compare(std::slice::from_ref(&ours), &[differs], true)
        .into_iter()
        .map(|m| (m.field, m.ours, m.buildkit))
        .collect();
    assert_eq!(
        found,
        [
            ("name as written", "run".into(), "RUN".into()),
            ("end_line", "4".into(), "5".into()),
            ("flags", r#"["--link", "--mount=type=cache"]"#.into(), r#"["--link"]"#.into()),
            ("value", r#"["<<-EOF cat"]"#.into(), r#"["<<-EOF  cat"]"#.into()),
            ("heredocs", r#"[("EOF", "\t\tx\n")]"#.into(), r#"[("EOF", "y\n")]"#.into()),
            ("(buildkit original)", "line 2".into(), r#""""#.into()),
        ]
    );

    // Pairing by start line: BuildKit has an extra instruction before ours.
    let mut first = bk("FROM", 1, &[], "alpine", "");
    first.start_line = 1;
    first.heredocs.clear();
    let same = bk("run", 4, &["--link", "--mount=type=cache"], "<<-EOF cat", "\t\tx\n");
    let found = compare(std::slice::from_ref(&ours), &[first, same], true);
    assert_eq!(
        found,
        [
            Mismatch { index: None, field: "instruction count", ours: "1".into(), buildkit: "2".into() },
            Mismatch {
                index: Some(0),
                field: "missing instruction",
                ours: "none".into(),
                buildkit: r#"FROM at line 1: """#.into(),
            },
        ]
    );
    let found = compare(std::slice::from_ref(&ours), &[], true);
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].field, "extra instruction");
    assert_eq!(found[1].ours, "run at line 2");
}
