use super::labels::label_pairs;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;

declare_rule! {
    /// ## What it does
    /// With `strict-labels: true` in `.hadolint.yaml` (or `.drydock.yml`),
    /// finds `LABEL` keys that `label-schema` does not list. Without
    /// `strict-labels` the rule does nothing.
    ///
    /// ## Why is this bad?
    /// A team that fixes its label schema wants every image to carry the same
    /// labels and no others: a label outside the schema is usually a typo of
    /// one in it, or metadata no tool reads.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.source: url}, strict-labels: true
    /// LABEL org.opencontainers.image.sources="https://github.com/acme/app"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.source="https://github.com/acme/app"
    /// ```
    ///
    /// ## References
    /// hadolint DL3050 (same code and meaning).
    pub struct SuperfluousLabel { code: "DL3050", name: "superfluous-label", tag: None, severity: Info, fix: None }
}

impl Rule for SuperfluousLabel {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if !cx.settings.strict_labels {
            return;
        }
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.contains_key(&pair.key) {
                continue;
            }
            cx.report(self, pair.key_range, format!("label `{}` is not in the label schema", pair.key))
                .help("remove the label, fix its name, or add it to `label-schema` in the config");
        }
    }
}
