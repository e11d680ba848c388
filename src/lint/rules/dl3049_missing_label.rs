use super::labels::label_pairs;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// For each label that `label-schema` in `.hadolint.yaml` (or
    /// `.drydock.yml`) lists, finds stages that do not set it, neither
    /// themselves nor through the earlier stage they are built `FROM`. Stages
    /// that only serve as a source for `COPY --from` are not reported: their
    /// labels never reach an image. Without a schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// The schema lists the metadata every image must carry (source, version,
    /// owner). An image without it cannot be traced back to its code or its
    /// team by registries, scanners and people.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.source: url}
    /// FROM alpine:3.20
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// LABEL org.opencontainers.image.source="https://github.com/acme/app"
    /// ```
    ///
    /// ## References
    /// hadolint DL3049 (same code and meaning).
    pub struct MissingLabel { code: "DL3049", name: "missing-label", tag: None, severity: Info, fix: None }
}

impl Rule for MissingLabel {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model, settings) = (cx.file, cx.model, cx.settings);
        if settings.label_schema.is_empty() {
            return;
        }
        // Stages named by a `COPY --from` (by name or index).
        let copied: Vec<String> = file
            .instructions
            .iter()
            .filter(|i| i.keyword == Keyword::Copy)
            .filter_map(|i| i.flag("from").and_then(|f| f.value.clone()))
            .map(|v| v.to_ascii_lowercase())
            .collect();
        for label in settings.label_schema.keys() {
            let mut has = vec![false; model.stages.len()];
            for stage in &model.stages {
                let inherited = match stage.base {
                    Base::Stage(j) => has.get(j).copied().unwrap_or(false),
                    _ => false,
                };
                let own = stage
                    .body
                    .clone()
                    .filter_map(|i| file.instructions.get(i))
                    .any(|inst| label_pairs(inst, model.escape).iter().any(|p| &p.key == label));
                if let Some(slot) = has.get_mut(stage.index) {
                    *slot = inherited || own;
                }
                let used_by_copy =
                    copied.iter().any(|c| stage.name.as_deref() == Some(c.as_str()) || *c == stage.index.to_string());
                if inherited || own || used_by_copy {
                    continue;
                }
                let Some(from) = file.instructions.get(stage.from) else { continue };
                cx.report(self, from.name_range, format!("label `{label}` is missing from this stage"))
                    .help(format!("add `LABEL {label}=…` to the stage (the label schema requires it)"));
            }
        }
    }
}
