use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds `COPY --from=<stage>` inside the stage it names, by name or by
    /// index.
    ///
    /// ## Why is this bad?
    /// A stage cannot copy from itself: its files do not exist until it is
    /// built. BuildKit stops with a circular dependency error. The intent was
    /// usually to copy from the previous stage, or from the build context
    /// (no `--from` at all).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19 AS build
    /// COPY --from=build /src/dist /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19 AS build
    /// COPY dist /app
    /// ```
    ///
    /// ## References
    /// hadolint DL3023.
    pub struct CopyFromOwnStage { code: "DL3023", name: "copy-from-own-stage", tag: None, severity: Error, fix: None }
}

impl Rule for CopyFromOwnStage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for (i, inst) in file.instructions.iter().enumerate() {
            if inst.keyword != Keyword::Copy {
                continue;
            }
            let Some(Some(stage)) = model.stage_of.get(i).copied() else {
                continue;
            };
            let Some(flag) = inst.flag("from") else {
                continue;
            };
            let (Some(name), Some(range)) = (flag.value.as_deref(), flag.value_range) else {
                continue;
            };
            if name.contains('$') || model.stage_ref(name, i) != Some(stage) {
                continue;
            }
            cx.report(self, range, format!("`--from={name}` names the stage this `COPY` is in"))
                .help("copy from an earlier stage, or drop `--from` to copy from the build context");
        }
    }
}
