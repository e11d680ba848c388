use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::model::mount_froms;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds `COPY --from=<number>` and `RUN --mount=from=<number>` that name
    /// an earlier stage by its position instead of by a name. KICS reports
    /// the same as "using unnamed build stages".
    ///
    /// ## Why is this bad?
    /// A stage index silently points somewhere else when a stage is added,
    /// removed or reordered above it: `COPY --from=0` then copies from the
    /// wrong stage, and the build may still succeed. A name says what the
    /// stage is and survives edits.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=0 /out/app /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// RUN go build -o /out/app .
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=build /out/app /app
    /// ```
    ///
    /// ## Fix safety
    /// When the stage already has a name, the fix replaces the index with it,
    /// which names the same stage: safe. An unnamed stage gets no fix; name it
    /// with `AS` first.
    pub struct CopyFromStageIndex { code: "DD361", name: "copy-from-stage-index", tag: None, severity: Warning, fix: Sometimes }
}

impl Rule for CopyFromStageIndex {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut found = Vec::new();
        for (i, inst) in file.instructions.iter().enumerate() {
            let refs: Vec<(String, crate::lint::source::TextRange)> = match inst.keyword {
                Keyword::Copy => {
                    inst.flag("from").and_then(|f| Some((f.value.clone()?, f.value_range?))).into_iter().collect()
                }
                Keyword::Run => {
                    mount_froms(inst).into_iter().filter(|m| m.exact).map(|m| (m.value.to_owned(), m.range)).collect()
                }
                _ => Vec::new(),
            };
            for (value, range) in refs {
                if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                let Some(stage) = model.stage_ref(&value, i) else { continue };
                let name = model.stages.get(stage).and_then(|s| s.name.clone());
                found.push((range, value, name));
            }
        }
        for (range, index, name) in found {
            let diag = cx.report(self, range, format!("stage {index} is referred to by its position"));
            match name {
                Some(name) => {
                    diag.help(format!("refer to the stage by its name: `{name}`"));
                    diag.fix(Fix::safe([Edit::replace(range, name)]));
                }
                None => {
                    diag.help(format!("name stage {index} (`FROM … AS <name>`) and refer to it by that name"));
                }
            }
        }
    }
}
