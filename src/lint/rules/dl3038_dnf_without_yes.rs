use super::commands::{self, parse_args};
use super::dl3030_yum_without_yes::INSTALLS;
use super::run_fix::insert_after;
use super::tool_options::YUM;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

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
        let (file, model, src) = (cx.file, cx.model, cx.src);
        for run in commands::run_scripts(file, model) {
            for c in run.commands() {
                let tool = c.name();
                if !matches!(tool, "dnf" | "microdnf") {
                    continue;
                }
                let parsed = parse_args(c.args(), YUM);
                let Some(sub) = parsed.operands.first().filter(|w| INSTALLS.contains(&w.text.as_str())) else {
                    continue;
                };
                if parsed.has(&["y", "assumeyes"]) {
                    continue;
                }
                let diag = cx
                    .report(self, c.span_to(Some(sub)), format!("`{tool} {}` without `-y`", sub.text))
                    .help("add `-y`: the build cannot answer dnf's confirmation prompt");
                if let Some(edit) = insert_after(src, &c, sub, "-y") {
                    diag.fix(Fix::safe([edit]));
                }
            }
        }
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
