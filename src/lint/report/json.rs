//! The JSON format: `{"findings":[…]}`, pretty-printed, one object per finding
//! with a fixed field order.
//!
//! Lines and columns are 1-based and count characters; `end_column` is exclusive
//! (see [`super::LineSpan`]). `standard` is the finding's tag or `null`. Fix edits
//! keep exact byte offsets (`start`, `end`) so a consumer can apply them, plus the
//! lines they touch.

use serde::Serialize;

use std::io::Write;

use super::{FileReport, JSON_BYTES_PER_FINDING, for_each_located, json_string, position};
use crate::lint::diagnostic::{Applicability, Severity, Tag};

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

/// The document's opening, before the first finding.
const HEAD: &str = "{\n  \"findings\": [";

/// Renders every finding of `files` as one JSON document.
pub fn render(files: &[FileReport]) -> String {
    json_string(files, JSON_BYTES_PER_FINDING, |out| write(files, out))
}

/// Writes [`render`]'s document to `out`.
pub fn write(files: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    write_document(files.iter().map(file_piece), out)
}

/// Writes the document from files' [`file_piece`]s, in order.
pub(super) fn write_document<P: AsRef<[u8]>>(
    pieces: impl IntoIterator<Item = P>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    out.write_all(HEAD.as_bytes())?;
    let mut any = false;
    for piece in pieces {
        write_piece(piece.as_ref(), &mut any, out)?;
    }
    write_tail(any, out)
}

/// Appends one file's [`file_piece`] to the document; `any` says whether a finding came before.
fn write_piece(piece: &[u8], any: &mut bool, out: &mut dyn Write) -> std::io::Result<()> {
    if piece.is_empty() {
        return Ok(());
    }
    if *any {
        out.write_all(b",")?;
    }
    *any = true;
    out.write_all(piece)
}

/// Closes the document; `any` says whether it holds a finding (`serde_json`'s pretty printer writes an empty
/// array as `[]`).
fn write_tail(any: bool, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(if any { b"\n  ]\n}\n" } else { b"]\n}\n" })
}

/// One file's findings as they stand in the document's `findings` array: each on a new line, indented for
/// its place, separated by commas; empty when the file has none. Pieces of different files are rendered
/// apart (on the threads that linted the files) and joined by [`write_piece`]; the result is byte for byte
/// what `serde_json`'s pretty printer writes for the whole document.
pub fn file_piece(file: &FileReport) -> Vec<u8> {
    let mut piece = Vec::with_capacity(file.diagnostics.len() * JSON_BYTES_PER_FINDING);
    let mut one = Vec::with_capacity(JSON_BYTES_PER_FINDING);
    for_each_located(std::slice::from_ref(file), |at, index| {
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
        let finding = Finding {
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
        };
        one.clear();
        if serde_json::to_writer_pretty(&mut one, &finding).is_err() {
            return;
        }
        if !piece.is_empty() {
            piece.push(b',');
        }
        // Each finding sits two levels deep (4 spaces). A raw newline in `serde_json`'s output is always
        // layout: newlines inside strings are escaped.
        piece.extend_from_slice(b"\n    ");
        for (i, line) in one.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                piece.extend_from_slice(b"\n    ");
            }
            piece.extend_from_slice(line);
        }
    });
    piece
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
