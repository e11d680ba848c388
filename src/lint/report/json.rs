//! The JSON format: `{"findings":[…]}`, pretty-printed, one object per finding
//! with a fixed field order.
//!
//! Lines and columns are 1-based and count characters; `end_column` is exclusive
//! (see [`super::LineSpan`]). `standard` is the finding's tag or `null`. Fix edits
//! keep exact byte offsets (`start`, `end`) so a consumer can apply them, plus the
//! lines they touch.

use std::io::Write;

use super::{FileReport, JSON_BYTES_PER_FINDING, for_each_located, json_string, position};

/// The document's opening, before the first finding.
pub(super) const HEAD: &str = "{\n  \"findings\": [";

/// Renders every finding of `files` as one JSON document.
pub fn render(files: &[FileReport]) -> String {
    json_string(files, JSON_BYTES_PER_FINDING, |out| write(files, out))
}

/// Writes [`render`]'s document to `out`.
pub fn write(files: &[FileReport], out: &mut dyn Write) -> std::io::Result<()> {
    write_document(files.iter().map(file_piece), out)
}

/// Writes the document from files' [`file_piece`]s, in order.
fn write_document<P: AsRef<[u8]>>(pieces: impl IntoIterator<Item = P>, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(HEAD.as_bytes())?;
    let mut any = false;
    for piece in pieces {
        write_piece(piece.as_ref(), &mut any, out)?;
    }
    write_tail(any, out)
}

/// Appends one file's [`file_piece`] to the document; `any` says whether a finding came before.
pub(super) fn write_piece(piece: &[u8], any: &mut bool, out: &mut dyn Write) -> std::io::Result<()> {
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
pub(super) fn write_tail(any: bool, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(if any { b"\n  ]\n}\n" } else { b"]\n}\n" })
}

/// One file's findings as they stand in the document's `findings` array: each on a new line, indented for
/// its place, separated by commas; empty when the file has none. Pieces of different files are rendered
/// apart (on the threads that linted the files) and joined by [`write_piece`]; the result is byte for byte
/// what `serde_json`'s pretty printer writes for the whole document.
pub fn file_piece(file: &FileReport) -> Vec<u8> {
    let mut piece = Vec::with_capacity(file.diagnostics.len() * JSON_BYTES_PER_FINDING);
    // The path is the same in every finding of the file: escaped once.
    let mut path = Vec::with_capacity(file.path.len() + 2);
    push_str(&mut path, &file.path);
    for_each_located(std::slice::from_ref(file), |at, index| {
        let d = at.diagnostic;
        let src = at.file.source.as_str();
        let out = &mut piece;
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"\n    {\n      \"code\": ");
        push_str(out, &d.code);
        out.extend_from_slice(b",\n      \"standard\": ");
        match d.tag {
            Some(tag) => push_str(out, tag.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\n      \"severity\": ");
        push_str(out, d.severity.as_str());
        out.extend_from_slice(b",\n      \"path\": ");
        out.extend_from_slice(&path);
        push_field_u32(out, b",\n      \"line\": ", at.span.line);
        push_field_u32(out, b",\n      \"end_line\": ", at.span.end_line);
        push_field_u32(out, b",\n      \"column\": ", at.span.column);
        push_field_u32(out, b",\n      \"end_column\": ", at.span.end_column);
        out.extend_from_slice(b",\n      \"message\": ");
        push_str(out, &d.message);
        out.extend_from_slice(b",\n      \"help\": ");
        match &d.help {
            Some(help) => push_str(out, help),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\n      \"fix\": ");
        match &d.fix {
            None => out.extend_from_slice(b"null"),
            Some(fix) => {
                out.extend_from_slice(b"{\n        \"applicability\": ");
                push_str(out, fix.applicability.as_str());
                out.extend_from_slice(b",\n        \"edits\": ");
                if fix.edits.is_empty() {
                    out.extend_from_slice(b"[]");
                } else {
                    out.push(b'[');
                    for (i, e) in fix.edits.iter().enumerate() {
                        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                        push_field_u32(out, b"          {\n            \"start\": ", e.range.start);
                        push_field_u32(out, b",\n            \"end\": ", e.range.end);
                        push_field_u32(out, b",\n            \"line\": ", position(src, index, e.range.start).0);
                        push_field_u32(out, b",\n            \"end_line\": ", position(src, index, e.range.end).0);
                        out.extend_from_slice(b",\n            \"content\": ");
                        push_str(out, &e.content);
                        out.extend_from_slice(b"\n          }");
                    }
                    out.extend_from_slice(b"\n        ]");
                }
                out.extend_from_slice(b"\n      }");
            }
        }
        out.extend_from_slice(b"\n    }");
    });
    piece
}

/// Appends `key` (the layout and the quoted key, as bytes) and `n` in decimal.
fn push_field_u32(out: &mut Vec<u8>, key: &[u8], n: u32) {
    out.extend_from_slice(key);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `s` as a JSON string, escaped exactly as `serde_json` escapes it: `"` and `\\`, the
/// short forms `\\b \\f \\n \\r \\t`, other control characters as `\\u00xx`; everything
/// else (including non-ASCII) as is.
fn push_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    while let Some(k) = next_special(b, start) {
        out.extend_from_slice(b.get(start..k).unwrap_or_default());
        let c = b.get(k).copied().unwrap_or_default();
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                for nibble in [c >> 4, c & 0xf] {
                    out.push(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'));
                }
            }
        }
        start = k + 1;
    }
    out.extend_from_slice(b.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// Whether a byte must be escaped in a JSON string.
fn is_special(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// The first byte at or after `from` that must be escaped. Most strings have none, so whole blocks are
/// ruled out at once: 32 bytes by a branch-free test the compiler turns into vector compares, then 8 bytes
/// by a bit trick, then byte by byte.
fn next_special(b: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `w` is zero (exact as a yes/no, the classic bit trick).
    let has_zero = |w: u64| w.wrapping_sub(LO) & !w & HI != 0;
    let mut i = from;
    while let Some(block) = b.get(i..i + 32) {
        if block.iter().fold(0u8, |any, &c| any | u8::from(is_special(c))) != 0 {
            break;
        }
        i += 32;
    }
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_ne_bytes(word);
        let control = w.wrapping_sub(LO * 0x20) & !w & HI != 0;
        if control || has_zero(w ^ (LO * u64::from(b'"'))) || has_zero(w ^ (LO * u64::from(b'\\'))) {
            break;
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| is_special(c)).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity, Tag};
    use crate::lint::report::fixtures;
    use crate::lint::source::TextRange;
    use proptest::prelude::*;
    use serde::Serialize;

    // The oracle: the document as `serde_json`'s pretty printer writes it, which is what the hand-written
    // writer must give byte for byte (it replaced this, at a third of the cost).
    #[derive(Serialize)]
    struct Doc<'a> {
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

    fn oracle(files: &[FileReport]) -> String {
        let mut findings = Vec::new();
        for_each_located(files, |at, index| {
            let d = at.diagnostic;
            let src = at.file.source.as_str();
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
                fix: d.fix.as_ref().map(|fix| JsonFix {
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
                }),
            });
        });
        let mut out = serde_json::to_string_pretty(&Doc { findings }).unwrap();
        out.push('\n');
        out
    }

    #[test]
    fn matches_serde_json_on_the_fixtures() {
        let mut files = fixtures::files();
        files.push(fixtures::clean());
        assert_eq!(render(&files), oracle(&files));
        assert_eq!(render(&[fixtures::clean()]), oracle(&[fixtures::clean()]));
    }

    #[test]
    fn escapes_every_byte_as_serde_json_does() {
        let all: String = (0u8..=0x7f).map(char::from).chain("é€😀".chars()).collect();
        for s in [all.as_str(), "", "\"", "\\", "abcdefgh\"", "abcdefghi\u{1f}", "0123456789abcdef\\x"] {
            let mut out = Vec::new();
            push_str(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn finds_a_special_byte_at_any_place_in_a_word() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..75 {
                // Past the 32-byte blocks, the 8-byte words and into the byte-by-byte tail.
                let mut bytes = *b"abcdefghijklmnopq\x7f rstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.,;:!?+*=";
                bytes[at] = special;
                let s = std::str::from_utf8(&bytes).unwrap();
                assert_eq!(next_special(s.as_bytes(), 0), Some(at), "{s:?}");
                let mut out = Vec::new();
                push_str(&mut out, s);
                assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap());
            }
        }
        assert_eq!(next_special("é€😀 ~\x7f plain text, no escapes".as_bytes(), 0), None);
    }

    #[test]
    fn numbers_are_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 4_294_967_295, 1_000_000_007] {
            let mut out = Vec::new();
            push_field_u32(&mut out, b"", n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    fn diagnostic() -> impl Strategy<Value = Diagnostic> {
        let text = "(?s).{0,40}";
        (
            "[A-Z]{2}[0-9]{3}",
            proptest::option::of(prop::sample::select(vec![Tag::PinnedBase, Tag::NoSecrets, Tag::Healthcheck])),
            prop::sample::select(vec![Severity::Error, Severity::Warning, Severity::Info, Severity::Style]),
            text,
            proptest::option::of(text),
            (0u32..80, 0u32..80),
            proptest::option::of((any::<bool>(), proptest::collection::vec(((0u32..80, 0u32..80), text), 0..3))),
        )
            .prop_map(|(code, tag, severity, message, help, (a, b), fix)| Diagnostic {
                code: code.into(),
                tag,
                severity,
                message,
                help,
                range: TextRange::new(a.min(b), a.max(b)),
                fix: fix.map(|(safe, edits)| Fix {
                    applicability: if safe { Applicability::Safe } else { Applicability::Unsafe },
                    edits: edits
                        .into_iter()
                        .map(|((a, b), content)| Edit { range: TextRange::new(a.min(b), a.max(b)), content })
                        .collect(),
                }),
            })
    }

    proptest! {
        #[test]
        fn matches_serde_json_on_any_findings(
            files in proptest::collection::vec(
                ("(?s).{0,30}", "(?s).{0,60}", proptest::collection::vec(diagnostic(), 0..4)),
                0..4,
            )
        ) {
            let files: Vec<FileReport> = files
                .into_iter()
                .map(|(path, source, diagnostics)| FileReport { path, source, diagnostics })
                .collect();
            prop_assert_eq!(render(&files), oracle(&files));
        }
    }

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
