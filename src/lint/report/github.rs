//! GitHub Actions workflow commands: one `::error …::message` line per finding,
//! which the runner turns into annotations on the pull request.
//!
//! Errors are `::error`, warnings `::warning`, info and style `::notice`. The
//! title is the code; the message carries the help and the standard tag on
//! further lines. Values are escaped as the runner expects (`%`, CR and LF in
//! the message; also `:` and `,` in properties), so a Dockerfile's text can
//! never start a command of its own. Columns are given only for one-line spans,
//! since GitHub ignores them otherwise.

use std::fmt::Write as _;

use super::{FileReport, for_each_located, repo_path};
use crate::lint::diagnostic::Severity;

/// Renders every finding of `files` as workflow commands, one per line.
pub fn render(files: &[FileReport]) -> String {
    let mut out = String::new();
    for_each_located(files, |at, _| {
        let d = at.diagnostic;
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Style => "notice",
        };
        let mut properties = format!(
            "file={},line={},endLine={}",
            escape_property(&repo_path(&at.file.path)),
            at.span.line,
            at.span.end_line
        );
        if at.span.line == at.span.end_line {
            let _ = write!(properties, ",col={},endColumn={}", at.span.column, at.span.end_column);
        }
        let _ = write!(properties, ",title={}", escape_property(&d.code));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        if let Some(tag) = d.tag {
            let _ = write!(message, "\nstandard: {tag}");
        }
        let _ = writeln!(out, "::{command} {properties}::{}", escape_data(&message));
    });
    out
}

/// Escapes a command's message: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a command property value: as [`escape_data`], plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
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
    fn escapes_workflow_commands() {
        assert_eq!(escape_data("100% a:b,c\r\n::x"), "100%25 a:b,c%0D%0A::x");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_line_per_finding() {
        let files = fixtures::files();
        let out = render(&files);
        let total: usize = files.iter().map(|f| f.diagnostics.len()).sum();
        assert_eq!(out.lines().count(), total);
        assert!(out.lines().all(|l| l.starts_with("::")));
    }
}
