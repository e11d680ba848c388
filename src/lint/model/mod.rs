//! The semantic model rules read: stages, ARG scope, image references,
//! effective users and parsed RUN commands. Built once per file from the AST.

pub mod expand;
pub mod image_ref;
pub mod shell;

use super::parser::Dockerfile;

/// Everything rules need beyond the syntax tree (placeholder).
#[derive(Debug, Default)]
pub struct Model {}

impl Model {
    /// Builds the model for `file` (placeholder).
    pub fn build(_file: &Dockerfile, _target: Option<&str>) -> Self {
        Self {}
    }
}
