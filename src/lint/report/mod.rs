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

/// Output formats of `drydock lint --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// rustc-style code frames (annotate-snippets).
    Tty,
    /// `{"findings":[…]}`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// Checkstyle XML.
    Checkstyle,
    /// GitLab Code Quality (Code Climate) JSON.
    Gitlab,
    /// GitHub Actions workflow commands.
    Github,
}

/// Rendering options.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// ANSI colors (tty only).
    pub color: bool,
}

/// Renders `files` in `format` (placeholder).
pub fn render(_format: Format, files: &[FileReport], _opts: RenderOptions) -> String {
    files
        .iter()
        .map(|f| format!("{}: {} findings\n", f.path, f.diagnostics.len()))
        .collect()
}
