//! Output formats. Each format is one file; all take the same [`FileReport`]s.

use super::diagnostic::Diagnostic;

/// The findings of one file, with the text they point into.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// Display path.
    pub path: String,
    /// The file's text.
    pub source: String,
    /// Findings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}
