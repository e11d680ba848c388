use super::commands::{ends_with_ci, is_dynamic, list, parse_args};
use super::tool_options::YUM;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `yum install` commands that name packages without a version
    /// (`name-version`), and `yum module install` of modules without a stream
    /// (`name:stream`). Local `.rpm` files, paths, URLs, option values and
    /// words built from variables are not judged. As in hadolint, any `-` in
    /// the name counts as a version, so `epel-release` passes.
    ///
    /// ## Why is this bad?
    /// Without a version, `yum` installs whatever the repositories hold on the
    /// day of the build, so two builds of the same Dockerfile can differ. The
    /// standard asks for deterministic image contents with pinned packages.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN yum install -y httpd && yum clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN yum install -y httpd-2.4.6 && yum clean all
    /// ```
    ///
    /// ## References
    /// hadolint DL3033 (same code and meaning).
    pub struct UnpinnedYumPackage { code: "DL3033", name: "unpinned-yum-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// A word this rule does not judge: a file, URL or variable.
fn not_a_name(pkg: &str) -> bool {
    ends_with_ci(pkg, ".rpm") || pkg.starts_with(['/', '.', '~']) || pkg.contains("://") || is_dynamic(pkg)
}

impl Rule for UnpinnedYumPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "yum" {
                    continue;
                }
                let parsed = parse_args(c.args(), YUM);
                let ops: Vec<&str> = parsed.operands.iter().map(|w| w.text.as_str()).collect();
                let (words, module) = match ops.as_slice() {
                    ["install", ..] => (parsed.operands.get(1..).unwrap_or_default(), false),
                    ["module", "install", ..] => (parsed.operands.get(2..).unwrap_or_default(), true),
                    _ => continue,
                };
                let unpinned: Vec<_> = words
                    .iter()
                    .filter(|w| {
                        !not_a_name(&w.text) && !if module { w.text.contains(':') } else { w.text.contains('-') }
                    })
                    .collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                let (what, how) = if module {
                    ("`yum module install` of", format!("name the stream, e.g. `{}:<stream>`", names[0]))
                } else {
                    ("`yum install` of", format!("pin each package as `name-version`, e.g. `{}-<version>`", names[0]))
                };
                cx.report(self, c.word_range(first), format!("{what} {} without a version", list(&names))).help(how);
            }
        }
    }
}
