use super::labels::{is_url, label_pairs};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not an absolute URL (`https://github.com/acme/app`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `url`. Values built
    /// from variables (`$VERSION`) are not judged: a build argument fills them.
    /// Without such a label in the schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// Tools read `url` labels as links: a value that is not an absolute URL (no
    /// scheme, spaces, a bare host name) is shown broken or dropped.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.source: url}
    /// LABEL org.opencontainers.image.source="github.com/acme/app"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.source="https://github.com/acme/app"
    /// ```
    ///
    /// ## References
    /// hadolint DL3052 (same code and meaning).
    pub struct LabelNotUrl { code: "DL3052", name: "label-not-url", tag: None, severity: Warning, fix: None }
}

impl Rule for LabelNotUrl {
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.get(&pair.key) != Some(&LabelType::Url) || pair.value.contains('$') || is_url(&pair.value) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is not a valid URL: `{}`", pair.key, pair.value))
                .help("write an absolute URL with its scheme, e.g. `https://github.com/acme/app`");
        }
    }
}
