use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds instructions other than `ARG` before the first `FROM` (or in a file
    /// with no `FROM`). Comments and parser directives may come first.
    ///
    /// ## Why is this bad?
    /// Every instruction except `ARG` belongs to a build stage, and a stage
    /// starts at `FROM`. BuildKit stops with "no build stage in current context"
    /// before anything is built.
    ///
    /// ## Example
    /// ```dockerfile
    /// LABEL org.opencontainers.image.source="https://github.com/acme/api"
    /// FROM node:20.11.1-alpine3.19
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19
    /// LABEL org.opencontainers.image.source="https://github.com/acme/api"
    /// ```
    ///
    /// ## References
    /// hadolint DL3061, which likewise reports each such instruction.
    pub struct InstructionBeforeFrom { code: "DL3061", name: "instruction-before-from", tag: None, severity: Error, fix: None }
}

impl Rule for InstructionBeforeFrom {
    fn check_file(&self, cx: &mut Context<'_>) {
        let file = cx.file;
        for inst in file.instructions.iter().take_while(|i| i.keyword != Keyword::From) {
            if matches!(inst.keyword, Keyword::Arg | Keyword::Unknown) {
                continue;
            }
            cx.report(self, inst.name_range, format!("`{}` comes before the first `FROM`", inst.keyword.as_str()))
                .help("move it below `FROM`; only `ARG`, comments and parser directives may come first");
        }
    }
}
