use super::labels::{built_labels, is_git_hash, unset_note};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not a short (7) or full (40 characters) lowercase git commit hash, for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `hash`. Variables are expanded as a plain `docker build` would:
    /// with ARG and ENV defaults, an ARG without a default being empty. A value
    /// using a variable that no ARG or ENV of the file declares (one the base
    /// image sets) is not judged.
    /// Without such a label in the schema the rule does nothing.
    ///
    /// ## Why is this bad?
    /// `hash` labels (such as `org.opencontainers.image.revision`) tie the image to
    /// the commit it was built from; a branch name or a tag moves, and a wrong
    /// length is not a commit.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: {org.opencontainers.image.revision: hash}
    /// LABEL org.opencontainers.image.revision="main"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.revision="4f9c2e1"
    /// ```
    ///
    /// ## References
    /// hadolint DL3055 (same code and meaning).
    pub struct LabelNotGitHash { code: "DL3055", name: "label-not-git-hash", tag: None, severity: Warning, fix: None }
}

impl Rule for LabelNotGitHash {
    fn check_file(&self, cx: &mut Context<'_>) {
        if !cx.settings.label_schema.values().any(|t| *t == LabelType::Hash) {
            return;
        }
        for label in built_labels(cx.file, cx.model) {
            let Some(value) = label.value.as_deref() else { continue };
            if cx.settings.label_schema.get(&label.pair.key) != Some(&LabelType::Hash) || is_git_hash(value) {
                continue;
            }
            let note = unset_note(&label.unset);
            cx.report(
                self,
                label.pair.value_range,
                format!("label `{}` is not a git commit hash: `{value}`{note}", label.pair.key),
            )
            .help("write the commit hash, e.g. with `--build-arg REVISION=$(git rev-parse HEAD)`");
        }
    }
}
