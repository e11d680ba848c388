use super::commands::parse_args;
use super::run_fix::insert_after;
use super::tool_options::YUM;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds `yum install` (and `groupinstall`, `localinstall`) commands
    /// without `-y` (or `--assumeyes`). `ONBUILD RUN` and exec-form RUN are
    /// checked too.
    ///
    /// ## Why is this bad?
    /// A build has no terminal to answer yum's "Is this ok [y/N]" question:
    /// yum reads end-of-file, answers no, and the build fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN yum install httpd-2.4.24 && yum clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN yum install -y httpd-2.4.24 && yum clean all
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `-y` after the subcommand and is safe: it answers the
    /// one question yum would otherwise refuse on. No fix is offered when the
    /// subcommand is not written verbatim.
    ///
    /// ## References
    /// hadolint DL3030 (same code, severity and meaning).
    pub struct YumWithoutYes { code: "DL3030", name: "yum-without-yes", tag: None, severity: Warning, fix: Safe }
}

/// Subcommands that install packages.
const INSTALLS: &[&str] = &["install", "groupinstall", "localinstall"];

impl Rule for YumWithoutYes {
    fn check_file(&self, cx: &mut Context<'_>) {
        report_missing_assume_yes(self, cx, &["yum"], "yum");
    }
}

/// Reports each RPM-family install (`tools`, subcommands [`INSTALLS`]) that
/// lacks `-y`/`--assumeyes`, with a safe fix inserting `-y` after the
/// subcommand; DL3030 (yum) and DL3038 (dnf, microdnf) differ only in tools.
pub(super) fn report_missing_assume_yes(rule: &dyn Rule, cx: &mut Context<'_>, tools: &[&str], manager: &str) {
    let src = cx.src;
    for run in cx.run_scripts().iter() {
        for c in run.commands() {
            let tool = c.name();
            if !tools.contains(&tool) {
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
                .report(rule, c.span_to(Some(sub)), format!("`{tool} {}` without `-y`", sub.text))
                .help(format!("add `-y`: the build cannot answer {manager}'s confirmation prompt"));
            if let Some(edit) = insert_after(src, c, sub, "-y") {
                diag.fix(Fix::safe([edit]));
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
        let src = "FROM centos:7\nRUN yum install httpd && yum clean all\nRUN yum install -y a && yum --assumeyes groupinstall b && yum remove c\nONBUILD RUN yum localinstall x.rpm\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3030"));
        assert_eq!(diags.len(), 2);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert!(fixed.contains("yum install -y httpd &&") && fixed.contains("yum localinstall -y x.rpm"), "{fixed}");
    }
}
