use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `COPY` and `ADD` instructions that copy the whole build context:
    /// a source of `.`, `./`, `*` or `/` (COPY from another stage or image with
    /// `--from` is not the context and is not reported).
    ///
    /// ## Why is this bad?
    /// Copying the whole context puts whatever happens to be in the working
    /// directory into the image: `.git`, `.env` files, local build output, test
    /// fixtures. The image then depends on the state of the checkout, and every
    /// unrelated file change busts the layer cache. The standard asks for
    /// `COPY src/ ./src/`, not `COPY . .`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY . .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY pyproject.toml uv.lock ./
    /// COPY src/ ./src/
    /// ```
    pub struct WholeContextCopy { code: "DD050", name: "whole-context-copy", tag: Some(Tag::SpecificCopy), severity: Warning, fix: None }
}

/// Sources of a COPY/ADD (every argument but the last), skipping heredocs.
pub(crate) fn sources(inst: &Instruction) -> &[crate::lint::parser::Arg] {
    match inst.args.split_last() {
        Some((_, srcs)) => srcs,
        None => &[],
    }
}

fn is_whole_context(src: &str) -> bool {
    let s = src.trim_matches('"');
    matches!(s, "." | "./" | "*" | "./*" | "/" | ".*")
}

impl Rule for WholeContextCopy {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            return;
        }
        for src in sources(inst) {
            if is_whole_context(&src.value) {
                cx.report(
                    self,
                    src.range,
                    format!("`{} {}` copies the whole build context", inst.keyword.as_str(), src.value),
                )
                .help("copy only what the image needs (`COPY src/ ./src/`), and keep a `.dockerignore` for the rest");
            }
        }
    }
}
