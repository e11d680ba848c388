use super::labels::{is_semver, label_pairs};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not a semantic version (`1.2.3`, `1.2.3-rc.1`), for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `semver`. Values built
    /// from variables (`$VERSION`) are not judged: a build argument fills them.
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
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.get(&pair.key) != Some(&LabelType::Semver) || pair.value.contains('$') || is_semver(&pair.value) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is not a semantic version: `{}`", pair.key, pair.value))
                .help("write `MAJOR.MINOR.PATCH` without a `v`, e.g. `1.2.0`");
        }
    }
}
