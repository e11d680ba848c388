//! Checkstyle XML (version 4.3), which Jenkins, reviewdog and most CI dashboards
//! read.
//!
//! Every checked file gets a `<file>` element, so a clean file shows up as
//! checked. Severities are `error`, `warning` and `info` (style findings are
//! `info`); `source` is `drydock.<code>`. Text is escaped for XML attributes, and
//! characters XML 1.0 cannot carry at all are replaced with U+FFFD.

use std::fmt::Write as _;

use super::{FileReport, LineSpan};
use crate::lint::diagnostic::Severity;
use crate::lint::source::LineIndex;

/// The document's opening, before the first file.
pub const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n";
/// The document's end.
pub const TAIL: &str = "</checkstyle>\n";

/// Renders `files` as one checkstyle document.
pub fn render(files: &[FileReport]) -> String {
    let mut out = String::from(HEAD);
    for file in files {
        out.push_str(&file_piece(file));
    }
    out.push_str(TAIL);
    out
}

/// One file's `<file>` element.
pub fn file_piece(file: &FileReport) -> String {
    let mut out = String::new();
    let _ = write!(out, "  <file name=\"{}\"", escape_xml(&file.path));
    if file.diagnostics.is_empty() {
        out.push_str("/>\n");
        return out;
    }
    out.push_str(">\n");
    let index = LineIndex::new(&file.source);
    for d in &file.diagnostics {
        let span = LineSpan::new(&file.source, &index, d.range);
        let _ = writeln!(
            out,
            "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"drydock.{}\"/>",
            span.line,
            span.column,
            severity(d.severity),
            escape_xml(&d.message),
            escape_xml(&d.code),
        );
    }
    out.push_str("  </file>\n");
    out
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "info",
    }
}

/// Escapes `s` for an XML attribute value in double or single quotes. Tabs and
/// line breaks become character references so parsers do not normalise them
/// to spaces; characters not allowed in XML 1.0 become U+FFFD.
fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
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
    fn escapes_xml() {
        assert_eq!(escape_xml("a<b>&\"c\" 'd'"), "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;");
        assert_eq!(escape_xml("x\ty\r\nz"), "x&#9;y&#13;&#10;z");
        assert_eq!(escape_xml("nul\0 esc\x1b \u{ffff}"), "nul\u{fffd} esc\u{fffd} \u{fffd}");
        assert_eq!(escape_xml("zoë ☕ &amp;"), "zoë ☕ &amp;amp;");
    }

    #[test]
    fn every_checked_file_is_listed() {
        let out = render(&[fixtures::clean()]);
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n  <file name=\"clean/Dockerfile\"/>\n</checkstyle>\n"
        );
    }
}
