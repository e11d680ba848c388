//! `.dockerignore` parser and matcher (placeholder).

use crate::lint::source::TextRange;

/// A parsed `.dockerignore`.
#[derive(Clone, Debug, Default)]
pub struct DockerIgnore {
    /// Patterns in file order; comments and blank lines are dropped.
    pub patterns: Vec<IgnorePattern>,
}

/// One pattern line.
#[derive(Clone, Debug)]
pub struct IgnorePattern {
    /// The line as written, trimmed, without the leading `!`.
    pub text: String,
    /// The pattern after BuildKit's cleaning (`filepath.Clean`, leading `/` removed).
    pub pattern: String,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub negated: bool,
    /// Span of the pattern text on its line (the `!` included).
    pub range: TextRange,
    /// 1-based line.
    pub line: u32,
}

/// Parses `src` (placeholder).
pub fn parse(_src: &str) -> DockerIgnore {
    DockerIgnore::default()
}

impl DockerIgnore {
    /// Whether the context path `path` (slash-separated, relative to the context
    /// root) is excluded from the build context (placeholder).
    pub fn excludes(&self, _path: &str) -> bool {
        false
    }
}

impl DockerIgnore {
    /// The pattern that decides whether `path` is excluded (placeholder).
    pub fn last_match(&self, _path: &str) -> Option<&IgnorePattern> {
        None
    }
}
