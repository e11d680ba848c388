use super::labels::{is_rfc3339, label_pairs};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not an RFC 3339 timestamp (`2024-05-01T12:30:00Z`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `rfc3339`. Values built
    /// from variables (`$VERSION`) are not judged: a build argument fills them.
    /// Without such a label in the schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// Tools sort and compare `rfc3339` labels (such as
    /// `org.opencontainers.image.created`) as timestamps: a date without a time
    /// or zone, or a local format, cannot be compared.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.created: rfc3339}
    /// LABEL org.opencontainers.image.created="2024-05-01"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.created="2024-05-01T12:30:00Z"
    /// ```
    ///
    /// ## References
    /// hadolint DL3053 (same code and meaning).
    pub struct LabelNotRfc3339 { code: "DL3053", name: "label-not-rfc3339", tag: None, severity: Warning, fix: None }
}

impl Rule for LabelNotRfc3339 {
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.get(&pair.key) != Some(&LabelType::Rfc3339) || pair.value.contains('$') || is_rfc3339(&pair.value) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is not an RFC 3339 timestamp: `{}`", pair.key, pair.value))
                .help("write a full RFC 3339 timestamp with a zone, e.g. `2024-05-01T12:30:00Z`");
        }
    }
}
