//! The JSON format: `{"findings":[…]}`, pretty-printed, one object per finding
//! with a fixed field order.
//!
//! Lines and columns are 1-based and count characters; `end_column` is exclusive
//! (see [`super::LineSpan`]). `standard` is the finding's tag or `null`. Fix edits
//! keep exact byte offsets (`start`, `end`) so a consumer can apply them, plus the
//! lines they touch.

use serde::Serialize;

use std::io::Write;

use super::{FileReport, JSON_BYTES_PER_FINDING, for_each_located, json_string, position, write_json_pretty};
use crate::lint::diagnostic::{Applicability, Severity, Tag};

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Finding<'a> {
    code: &'a str,
    standard: Option<Tag>,
    severity: Severity,
    path: &'a str,
    line: u32,
    end_line: u32,
    column: u32,
    end_column: u32,
    message: &'a str,
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: u32,
    end: u32,
    line: u32,
    end_line: u32,
    content: &'a str,
}

/// Renders every finding of `files` as one JSON document.
pub fn render(files: &[FileReport]) -> String {
    json_string(files, JSON_BYTES_PER_FINDING, |out| write(files, out))
}

/// Writes [`render`]'s document to `out`.
pub fn write(files: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    let mut findings = Vec::new();
    for_each_located(files, |at, index| {
        let d = at.diagnostic;
        let src = at.file.source.as_str();
        let fix = d.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    start: e.range.start,
                    end: e.range.end,
                    line: position(src, index, e.range.start).0,
                    end_line: position(src, index, e.range.end).0,
                    content: &e.content,
                })
                .collect(),
        });
        findings.push(Finding {
            code: &d.code,
            standard: d.tag,
            severity: d.severity,
            path: &at.file.path,
            line: at.span.line,
            end_line: at.span.end_line,
            column: at.span.column,
            end_column: at.span.end_column,
            message: &d.message,
            help: d.help.as_deref(),
            fix,
        });
    });
    write_json_pretty(&Document { findings }, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::report::fixtures;

    #[test]
    fn snapshot() {
        let mut files = fixtures::files();
        files.push(fixtures::clean());
        insta::assert_snapshot!(render(&files));
    }

    #[test]
    fn fields_are_typed_and_ordered() {
        let out = render(&fixtures::files());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let first = &v["findings"][0];
        assert_eq!(first["code"], "DL3006");
        assert_eq!(first["standard"], "pinned-base");
        assert_eq!(first["severity"], "warning");
        assert_eq!((&first["line"], &first["column"], &first["end_column"]), (&1.into(), &6.into(), &12.into()));
        assert_eq!(first["fix"]["applicability"], "unsafe");
        assert_eq!(v["findings"][4]["standard"], serde_json::Value::Null);
        assert_eq!(v["findings"][4]["fix"], serde_json::Value::Null);
        let keys = [
            "\"code\"",
            "\"standard\"",
            "\"severity\"",
            "\"path\"",
            "\"line\"",
            "\"end_line\"",
            "\"column\"",
            "\"end_column\"",
            "\"message\"",
            "\"help\"",
            "\"fix\"",
        ];
        let at: Vec<usize> = keys.iter().map(|k| out.find(k).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "field order: {at:?}");
        assert!(out.ends_with("}\n"));
    }
}
