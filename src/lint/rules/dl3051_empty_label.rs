use super::labels::label_pairs;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL`s with an empty value (`LABEL maintainer=""`) among the
    /// labels that `label-schema` in `.hadolint.yaml` (or `.drydock.yml`)
    /// lists. Without a schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// The schema says the label must carry information; an empty value
    /// satisfies "the label is present" without saying anything, which hides
    /// the gap from DL3049.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {maintainer: text}
    /// LABEL maintainer=""
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL maintainer="platform-team@example.com"
    /// ```
    ///
    /// ## References
    /// hadolint DL3051 (same code and meaning).
    pub struct EmptyLabel { code: "DL3051", name: "empty-label", tag: None, severity: Warning, fix: None }
}

impl Rule for EmptyLabel {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        // Only labels of the schema are reported: without one (most configs) there is nothing to read.
        if cx.settings.label_schema.is_empty() {
            return;
        }
        for pair in label_pairs(inst, cx.model.escape) {
            if !pair.value.is_empty() || !cx.settings.label_schema.contains_key(&pair.key) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is empty", pair.key))
                .help("give the label a value, or pass one with a build argument");
        }
    }
}
