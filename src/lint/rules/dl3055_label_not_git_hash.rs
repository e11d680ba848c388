use super::labels::{is_git_hash, label_pairs};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::settings::LabelType;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` values that are not a short (7) or full (40 characters) lowercase git commit hash, for the labels that
    /// `label-schema` in `.hadolint.yaml` (or `.drydock.yml`) gives the type
    /// `hash`. Values built
    /// from variables (`$VERSION`) are not judged: a build argument fills them.
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
    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for pair in label_pairs(inst, cx.model.escape) {
            if cx.settings.label_schema.get(&pair.key) != Some(&LabelType::Hash) || pair.value.contains('$') || is_git_hash(&pair.value) {
                continue;
            }
            cx.report(self, pair.value_range, format!("label `{}` is not a git commit hash: `{}`", pair.key, pair.value))
                .help("write the commit hash, e.g. with `--build-arg REVISION=$(git rev-parse HEAD)`");
        }
    }
}
