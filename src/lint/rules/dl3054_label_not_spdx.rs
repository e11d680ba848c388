use super::labels::{is_spdx_id, label_pairs};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not one SPDX license identifier (`MIT`, `Apache-2.0`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `spdx`. Values built
    /// from variables (`$VERSION`) are not judged: a build argument fills them.
    /// Without such a label in the schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// License scanners read `spdx` labels (such as
    /// `org.opencontainers.image.licenses`) as license identifiers: a name such as
    /// `Apache License 2.0` or `GPLv3` is not one, and the image's license goes unrecognised.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.licenses: spdx}
    /// LABEL org.opencontainers.image.licenses="Apache License 2.0"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.licenses="Apache-2.0"
    /// ```
    ///
    /// ## References
    /// hadolint DL3054 (same code and meaning).
    pub struct LabelNotSpdx { code: "DL3054", name: "label-not-spdx", tag: None, severity: Warning, fix: None }
}

impl Rule for LabelNotSpdx {
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.get(&pair.key) != Some(&LabelType::Spdx) || pair.value.contains('$') || is_spdx_id(&pair.value) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is not an SPDX license identifier: `{}`", pair.key, pair.value))
                .help("use the identifier from https://spdx.org/licenses/, e.g. `Apache-2.0`");
        }
    }
}
