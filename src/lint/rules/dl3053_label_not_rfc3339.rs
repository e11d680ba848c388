use super::labels::{built_labels, is_rfc3339, unset_note};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not an RFC 3339 timestamp (`2024-05-01T12:30:00Z`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `rfc3339`. Variables are expanded as a plain `docker build` would:
    /// with ARG and ENV defaults, an ARG without a default being empty. A value
    /// using a variable that no ARG or ENV of the file declares (one the base
    /// image sets) is not judged.
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
    fn check_file(&self, cx: &mut Context<'_>) {
        if !cx.settings.label_schema.values().any(|t| *t == LabelType::Rfc3339) {
            return;
        }
        for label in built_labels(cx.file, cx.model) {
            let Some(value) = label.value.as_deref() else { continue };
            if cx.settings.label_schema.get(&label.pair.key) != Some(&LabelType::Rfc3339) || is_rfc3339(value) {
                continue;
            }
            let note = unset_note(&label.unset);
            cx.report(
                self,
                label.pair.value_range,
                format!("label `{}` is not an RFC 3339 timestamp: `{value}`{note}", label.pair.key),
            )
            .help("write a full RFC 3339 timestamp with a zone, e.g. `2024-05-01T12:30:00Z`");
        }
    }
}
