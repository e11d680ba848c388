use super::commands::parse_args;
use super::run_fix::insert_after;
use super::tool_options::ZYPPER;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds `zypper` commands that install or remove packages (`install`,
    /// `in`, `remove`, `rm`, `source-install`, `si`, `patch`) without a
    /// non-interactive switch: `-y`/`--no-confirm` after the subcommand or,
    /// unlike hadolint, the global `-n`/`--non-interactive` before it.
    /// `ONBUILD RUN` and exec-form RUN are checked too.
    ///
    /// ## Why is this bad?
    /// A build has no terminal to answer zypper's "Continue? [y/n/...]"
    /// question, so the build stops or fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN zypper install httpd=2.4.46 && zypper clean
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN zypper -n install httpd=2.4.46 && zypper clean
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts the global `-n` right after `zypper` and is safe: it
    /// makes zypper take the default answer instead of waiting for one that
    /// never comes, and it is valid for every subcommand. No fix is offered
    /// when `zypper` is not written verbatim.
    ///
    /// ## References
    /// hadolint DL3034 (same code, severity and meaning; hadolint does not
    /// accept the global `-n`).
    pub struct ZypperWithoutNonInteractive { code: "DL3034", name: "zypper-without-non-interactive", tag: None, severity: Warning, fix: Safe }
}

/// Subcommands that change packages.
const CHANGES: &[&str] = &["install", "in", "remove", "rm", "source-install", "si", "patch"];

impl Rule for ZypperWithoutNonInteractive {
    fn check_file(&self, cx: &mut Context<'_>) {
        let src = cx.src;
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "zypper" {
                    continue;
                }
                let parsed = parse_args(c.args(), ZYPPER);
                let Some(sub) = parsed.operands.first().filter(|w| CHANGES.contains(&w.text.as_str())) else {
                    continue;
                };
                let global = |names: &[&str]| {
                    parsed.opts.iter().any(|o| o.word.range.start < sub.range.start && names.contains(&o.name))
                };
                // `-n` after the subcommand is `--name`, not `--non-interactive`.
                if parsed.has(&["y", "no-confirm"]) || global(&["n", "non-interactive"]) {
                    continue;
                }
                let diag = cx
                    .report(
                        self,
                        c.span_to(Some(sub)),
                        format!("`zypper {}` without a non-interactive switch", sub.text),
                    )
                    .help("add `-n` (`zypper -n …`) or `-y` after the subcommand: the build cannot answer prompts");
                if let Some(edit) = c.cmd.effective().first().and_then(|name| insert_after(src, c, name, "-n")) {
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
        let src = "FROM opensuse/leap:15.6\nRUN zypper install httpd && zypper clean\nRUN zypper rm x\nRUN zypper in -y a && zypper --non-interactive install b && zypper -n rm c && zypper refresh && zypper in -n d\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3034"));
        assert_eq!(diags.len(), 3);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert!(fixed.contains("RUN zypper -n install httpd &&") && fixed.contains("RUN zypper -n rm x"), "{fixed}");
    }
}
