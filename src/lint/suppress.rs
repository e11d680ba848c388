//! Inline suppressions: `# hadolint ignore=DL3008,DL3015` and
//! `# drydock ignore=…` on the line before an instruction (placeholder).

use super::parser::Dockerfile;

/// The suppressions of one file.
#[derive(Clone, Debug, Default)]
pub struct Suppressions {}

impl Suppressions {
    /// Collects the pragmas of `file` (placeholder).
    pub fn from_dockerfile(_file: &Dockerfile) -> Self {
        Self {}
    }

    /// Whether a finding of `code` on 1-based `line` is suppressed (placeholder).
    pub fn is_suppressed(&self, _code: &str, _line: u32) -> bool {
        false
    }
}
