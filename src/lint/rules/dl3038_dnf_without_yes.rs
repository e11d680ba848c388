use super::dl3030_yum_without_yes::report_missing_assume_yes;
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `dnf install` and `microdnf install` (and `groupinstall`,
    /// `localinstall`) commands without `-y` (or `--assumeyes`). `ONBUILD RUN`
    /// and exec-form RUN are checked too.
    ///
    /// ## Why is this bad?
    /// A build has no terminal to answer dnf's "Is this ok [y/N]" question:
    /// dnf reads end-of-file, answers no, and the build fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN dnf install httpd-2.4.24 && dnf clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN dnf install -y httpd-2.4.24 && dnf clean all
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `-y` after the subcommand and is safe: it answers the
    /// one question dnf would otherwise refuse on (`microdnf` accepts `-y` and
    /// never asks). No fix is offered when the subcommand is not written
    /// verbatim.
    ///
    /// ## References
    /// hadolint DL3038 (same code, severity and meaning).
    pub struct DnfWithoutYes { code: "DL3038", name: "dnf-without-yes", tag: None, severity: Warning, fix: Safe }
}

impl Rule for DnfWithoutYes {
    fn check_file(&self, cx: &mut Context<'_>) {
        report_missing_assume_yes(self, cx, &["dnf", "microdnf"], "dnf");
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    #[test]
    fn finds_and_fixes() {
        let src = "FROM fedora:40\nRUN dnf install httpd && dnf clean all\nRUN microdnf install x\nRUN dnf install -y a && dnf --assumeyes groupinstall b && dnf remove c\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3038"));
        assert_eq!(diags.len(), 2);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert!(fixed.contains("dnf install -y httpd &&") && fixed.contains("microdnf install -y x"), "{fixed}");
    }
}
