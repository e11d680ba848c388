use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::suppress::{PragmaKind, Reach, Suppressions};

declare_rule! {
    /// ## What it does
    /// Finds inline ignore pragmas, `# hadolint ignore=…` and
    /// `# drydock ignore=…`, that silence findings on the next instruction.
    /// `global ignore=` and `stage ignore=` are not reported. The rule is off
    /// by default, as in hadolint: switch it on with `rules: {DL1001: on}` in
    /// `.drydock.yml` or hadolint's `override` in `.hadolint.yaml`.
    ///
    /// ## Why is this bad?
    /// Teams that want every exception in one reviewed place (the config file)
    /// forbid inline pragmas: scattered ones are easy to add in passing and
    /// hard to audit.
    ///
    /// ## Example
    /// ```dockerfile
    /// # hadolint ignore=DL3008
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// # .hadolint.yaml
    /// ignored: [DL3008]
    /// ```
    ///
    /// ## References
    /// hadolint DL1001 (same code and meaning; hadolint's default severity is
    /// `ignore`, here the rule is off by default and reports at `info`).
    pub struct InlineIgnorePragma { code: "DL1001", name: "inline-ignore-pragma", tag: None, severity: Info, fix: None, default: off }
}

impl Rule for InlineIgnorePragma {
    fn check_file(&self, cx: &mut Context<'_>) {
        let suppressions = Suppressions::from_dockerfile(cx.file);
        for pragma in suppressions.pragmas() {
            let PragmaKind::Ignore { reach: Reach::Next, codes, .. } = &pragma.kind else { continue };
            cx.report(
                self,
                pragma.range,
                format!("inline `# {} ignore={}` pragma", pragma.tool.as_str(), codes.join(",")),
            )
            .help(
                "move the exception to the config file (`ignored:` in `.hadolint.yaml`, `ignore:` in `.drydock.yml`)",
            );
        }
    }
}
