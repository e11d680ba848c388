//! Dockerfile parser (placeholder, replaced by the BuildKit port).

use super::ast::Dockerfile;
use crate::lint::diagnostic::Severity;
use crate::lint::source::TextRange;

/// A problem found while parsing: an error (`DL1000`) or a warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseIssue {
    /// Rule code this issue is reported under.
    pub code: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub range: TextRange,
}

/// Parses `src` (placeholder).
pub fn parse(_src: &str) -> (Dockerfile, Vec<ParseIssue>) {
    (
        Dockerfile {
            escape: '\\',
            ..Dockerfile::default()
        },
        Vec::new(),
    )
}
