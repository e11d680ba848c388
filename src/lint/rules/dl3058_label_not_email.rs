use super::labels::{built_labels, is_email, unset_note};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not an email address (`team@example.com`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `email`. Variables are expanded as a plain `docker build` would:
    /// with ARG and ENV defaults, an ARG without a default being empty. A value
    /// using a variable that no ARG or ENV of the file declares (one the base
    /// image sets) is not judged.
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
    fn check_file(&self, cx: &mut Context<'_>) {
        if !cx.settings.label_schema.values().any(|t| *t == LabelType::Email) {
            return;
        }
        for label in built_labels(cx.file, cx.model) {
            let Some(value) = label.value.as_deref() else { continue };
            if cx.settings.label_schema.get(&label.pair.key) != Some(&LabelType::Email) || is_email(value) {
                continue;
            }
            let note = unset_note(&label.unset);
            cx.report(
                self,
                label.pair.value_range,
                format!("label `{}` is not an email address: `{value}`{note}", label.pair.key),
            )
            .help("write the bare address, e.g. `jane@example.com`");
        }
    }
}
