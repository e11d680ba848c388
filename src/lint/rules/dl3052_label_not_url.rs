use super::labels::{built_labels, is_url, unset_note};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not an absolute URL (`https://github.com/acme/app`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `url`. Variables are expanded as a plain `docker build` would:
    /// with ARG and ENV defaults, an ARG without a default being empty. A value
    /// using a variable that no ARG or ENV of the file declares (one the base
    /// image sets) is not judged.
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
    fn check_file(&self, cx: &mut Context<'_>) {
        if !cx.settings.label_schema.values().any(|t| *t == LabelType::Url) {
            return;
        }
        for label in built_labels(cx.file, cx.model) {
            let Some(value) = label.value.as_deref() else { continue };
            if cx.settings.label_schema.get(&label.pair.key) != Some(&LabelType::Url) || is_url(value) {
                continue;
            }
            let note = unset_note(&label.unset);
            cx.report(
                self,
                label.pair.value_range,
                format!("label `{}` is not a valid URL: `{value}`{note}", label.pair.key),
            )
            .help("write an absolute URL with its scheme, e.g. `https://github.com/acme/app`");
        }
    }
}
