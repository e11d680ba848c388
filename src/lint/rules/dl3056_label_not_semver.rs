use super::labels::{built_labels, is_semver, unset_note};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not a semantic version (`1.2.3`, `1.2.3-rc.1`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `semver`. Variables are expanded as a plain `docker build` would:
    /// with ARG and ENV defaults, an ARG without a default being empty. A value
    /// using a variable that no ARG or ENV of the file declares (one the base
    /// image sets) is not judged.
    /// Without such a label in the schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// Tools compare `semver` labels (such as `org.opencontainers.image.version`) as
    /// versions: `v1.2` or `latest` cannot be ordered.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.version: semver}
    /// LABEL org.opencontainers.image.version="v1.2"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.version="1.2.0"
    /// ```
    ///
    /// ## References
    /// hadolint DL3056 (same code and meaning).
    pub struct LabelNotSemver { code: "DL3056", name: "label-not-semver", tag: None, severity: Warning, fix: None }
}

impl Rule for LabelNotSemver {
    fn check_file(&self, cx: &mut Context<'_>) {
        if !cx.settings.label_schema.values().any(|t| *t == LabelType::Semver) {
            return;
        }
        for label in built_labels(cx.file, cx.model) {
            let Some(value) = label.value.as_deref() else { continue };
            if cx.settings.label_schema.get(&label.pair.key) != Some(&LabelType::Semver) || is_semver(value) {
                continue;
            }
            let note = unset_note(&label.unset);
            cx.report(
                self,
                label.pair.value_range,
                format!("label `{}` is not a semantic version: `{value}`{note}", label.pair.key),
            )
            .help("write `MAJOR.MINOR.PATCH` without a `v`, e.g. `1.2.0`");
        }
    }
}
