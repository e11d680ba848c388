use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `zypper dist-upgrade` (and its short form `zypper dup`) in `RUN`
    /// scripts.
    ///
    /// ## Why is this bad?
    /// A distribution upgrade inside a build replaces the base image's packages
    /// with whatever the repositories hold that day, possibly a new release of
    /// the distribution. The image then no longer matches its `FROM` line and
    /// two builds of the same Dockerfile differ. Pick a newer base image
    /// instead, or update only the packages you need.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN zypper dist-upgrade -y
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install -y curl=8.6.0
    /// ```
    ///
    /// ## References
    /// hadolint DL3035 (same code and meaning).
    pub struct ZypperDistUpgrade { code: "DL3035", name: "zypper-dist-upgrade", tag: None, severity: Warning, fix: None }
}

impl Rule for ZypperDistUpgrade {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "zypper" {
                    continue;
                }
                let Some(sub) = c.args().iter().find(|w| matches!(w.text.as_str(), "dist-upgrade" | "dup")) else {
                    continue;
                };
                cx.report(self, c.span_to(Some(sub)), format!("`zypper {}` upgrades the whole distribution", sub.text))
                    .help("use a newer base image instead, or `zypper update` only the packages you need");
            }
        }
    }
}
