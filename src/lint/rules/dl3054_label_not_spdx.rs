use super::labels::{built_labels, is_spdx_id, unset_note};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not one SPDX license identifier (`MIT`, `Apache-2.0`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `spdx`. Variables are expanded as a plain `docker build` would:
    /// with ARG and ENV defaults, an ARG without a default being empty. A value
    /// using a variable that no ARG or ENV of the file declares (one the base
    /// image sets) is not judged.
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
    fn check_file(&self, cx: &mut Context<'_>) {
        if !cx.settings.label_schema.values().any(|t| *t == LabelType::Spdx) {
            return;
        }
        for label in built_labels(cx.file, cx.model) {
            let Some(value) = label.value.as_deref() else { continue };
            if cx.settings.label_schema.get(&label.pair.key) != Some(&LabelType::Spdx) || is_spdx_id(value) {
                continue;
            }
            let note = unset_note(&label.unset);
            cx.report(
                self,
                label.pair.value_range,
                format!("label `{}` is not an SPDX license identifier: `{value}`{note}", label.pair.key),
            )
            .help("use the identifier from https://spdx.org/licenses/, e.g. `Apache-2.0`");
        }
    }
}
