//! GitLab Code Quality: the Code Climate JSON array GitLab shows in merge
//! requests.
//!
//! GitLab matches findings across pipelines by `fingerprint`, so it must not
//! change when unrelated lines move: it hashes the path, the code and the text
//! of the finding's first line (trimmed), plus how many identical findings came
//! before it in the file, with FNV-1a 64 ([`super::fnv1a64`]), which, unlike
//! `DefaultHasher`, is the same on every Rust version. Severities map error →
//! `critical`, warning → `major`, info → `minor`, style → `info`.

use crate::lint::HashMap;

use serde::Serialize;

use std::io::Write;

use super::{FileReport, JSON_BYTES_PER_FINDING, fnv1a64, for_each_located, json_string, repo_path, write_json_pretty};
use crate::lint::diagnostic::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "minor",
        Severity::Style => "info",
    }
}

/// Renders every finding of `files` as one Code Quality report.
pub fn render(files: &[FileReport]) -> String {
    json_string(files, JSON_BYTES_PER_FINDING, |out| write(files, out))
}

/// Writes [`render`]'s report to `out`.
pub fn write(files: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    let mut issues = Vec::new();
    let mut occurrences: HashMap<u64, u32> = HashMap::default();
    for_each_located(files, |at, index| {
        let d = at.diagnostic;
        let path = repo_path(&at.file.path);
        let line_text = index.line_range(&at.file.source, at.span.line).slice(&at.file.source).trim();
        let key = fnv1a64(&[path.as_bytes(), d.code.as_bytes(), line_text.as_bytes()]);
        let seen = occurrences.entry(key).or_insert(0);
        let nth = seen.to_string();
        *seen += 1;
        let fingerprint = fnv1a64(&[path.as_bytes(), d.code.as_bytes(), line_text.as_bytes(), nth.as_bytes()]);
        issues.push(Issue {
            description: &d.message,
            check_name: &d.code,
            fingerprint: format!("{fingerprint:016x}"),
            severity: severity(d.severity),
            location: Location { path, lines: Lines { begin: at.span.line, end: at.span.end_line } },
        });
    });
    write_json_pretty(&issues, out)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::lint::diagnostic::Diagnostic;
    use crate::lint::report::fixtures;
    use crate::lint::source::TextRange;

    fn fingerprints(src: &str, ranges: &[(u32, u32)]) -> Vec<String> {
        let diagnostics = ranges
            .iter()
            .map(|&(s, e)| Diagnostic {
                code: Cow::Borrowed("DL3006"),
                tag: None,
                severity: Severity::Warning,
                message: "m".into(),
                help: None,
                range: TextRange::new(s, e),
                fix: None,
            })
            .collect();
        let file = FileReport { path: "Dockerfile".into(), source: src.into(), diagnostics };
        let v: serde_json::Value = serde_json::from_str(&render(&[file])).unwrap();
        v.as_array().unwrap().iter().map(|i| i["fingerprint"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn snapshot() {
        let mut files = fixtures::files();
        files.push(fixtures::clean());
        insta::assert_snapshot!(render(&files));
    }

    #[test]
    fn fingerprints_survive_moves_and_separate_duplicates() {
        let before = fingerprints("FROM debian\nFROM debian\n", &[(5, 11), (17, 23)]);
        let after = fingerprints("# moved\n\n  FROM debian\nFROM debian\n", &[(16, 22), (28, 34)]);
        assert_eq!(before, after);
        assert_ne!(before[0], before[1]);
        // Pinned: the hash must not change between releases.
        assert_eq!(before[0], "f188848780ce133c");
    }
}
