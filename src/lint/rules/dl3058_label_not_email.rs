use super::labels::{is_email, label_pairs};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not an email address (`team@example.com`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `email`. Values built
    /// from variables (`$VERSION`) are not judged: a build argument fills them.
    /// Without such a label in the schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// Tools read `email` labels (such as a maintainer address) to contact the
    /// owners: a name, or a name with the address in angle brackets, is not an address.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {maintainer: email}
    /// LABEL maintainer="Jane Doe <jane@example.com>"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL maintainer="jane@example.com"
    /// ```
    ///
    /// ## References
    /// hadolint DL3058 (same code and meaning).
    pub struct LabelNotEmail { code: "DL3058", name: "label-not-email", tag: None, severity: Warning, fix: None }
}

impl Rule for LabelNotEmail {
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.get(&pair.key) != Some(&LabelType::Email) || pair.value.contains('$') || is_email(&pair.value) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is not an email address: `{}`", pair.key, pair.value))
                .help("write the bare address, e.g. `jane@example.com`");
        }
    }
}
