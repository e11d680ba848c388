use super::commands::{ends_with_ci, is_dynamic, list, parse_args};
use super::tool_options::ZYPPER;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `zypper install` (or `zypper in`) commands that name packages
    /// without a version constraint (`name=1.2`, `name>=1.2`, `name<2`).
    /// Local `.rpm` files, paths, URLs, option values and words built from
    /// variables are not judged.
    ///
    /// ## Why is this bad?
    /// Without a constraint, `zypper` installs whatever the repositories hold
    /// on the day of the build, so two builds of the same Dockerfile can
    /// differ. The standard asks for deterministic image contents with pinned
    /// packages.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN zypper install -y httpd && zypper clean
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN zypper install -y httpd=2.4.58 && zypper clean
    /// ```
    ///
    /// ## References
    /// hadolint DL3037 (same code and meaning).
    pub struct UnpinnedZypperPackage { code: "DL3037", name: "unpinned-zypper-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

impl Rule for UnpinnedZypperPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "zypper" {
                    continue;
                }
                let parsed = parse_args(c.args(), ZYPPER);
                let Some((sub, words)) = parsed.operands.split_first() else { continue };
                if !matches!(sub.text.as_str(), "install" | "in") {
                    continue;
                }
                let unpinned: Vec<_> = words
                    .iter()
                    .filter(|w| {
                        let t = w.text.as_str();
                        !(t.contains(['=', '<', '>'])
                            || ends_with_ci(t, ".rpm")
                            || t.starts_with(['/', '.', '~'])
                            || t.contains("://")
                            || is_dynamic(t))
                    })
                    .collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                cx.report(
                    self,
                    c.word_range(first),
                    format!("`zypper {}` of {} without a version", sub.text, list(&names)),
                )
                .help(format!("pin each package, e.g. `{}=<version>`", names[0]));
            }
        }
    }
}
