use super::commands::{OptSpec, ends_with_ci, is_dynamic, list, parse_args};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `dnf install` and `microdnf install` commands that name packages
    /// without a version (`name-1.2.3`), and `dnf module install` of modules
    /// without a stream (`name:stream`). A version is what follows a `-` and
    /// starts with a digit (`python3-3.9.18`, `curl-7.76.1-26.el9`), so a name
    /// with a dash (`python3-pip`) is not taken for a pinned one. Group
    /// installs, local `.rpm` files, paths, URLs, option values and words
    /// built from variables are not judged. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// Without a version, `dnf` installs whatever the repositories hold on the
    /// day of the build, so two builds of the same Dockerfile can differ. The
    /// standard asks for deterministic image contents with pinned packages.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN dnf install -y python3-pip && dnf clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN dnf install -y python3-pip-21.3.1 && dnf clean all
    /// ```
    ///
    /// ## References
    /// hadolint DL3041 (same code and meaning).
    pub struct UnpinnedDnfPackage { code: "DL3041", name: "unpinned-dnf-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// `dnf` / `microdnf` options that take a value.
const DNF: OptSpec<'static> = OptSpec {
    short: "cdexR",
    long: &[
        "config",
        "enablerepo",
        "disablerepo",
        "setopt",
        "releasever",
        "installroot",
        "exclude",
        "repo",
        "repoid",
        "forcearch",
        "downloaddir",
        "destdir",
        "color",
        "comment",
    ],
};

/// Whether the parts after the first `-` look like a version: made of
/// version characters, one of them starting with a digit.
fn has_version(pkg: &str) -> bool {
    let mut parts = pkg.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && rest.iter().all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || ".~^_:+".contains(c)))
        && rest.iter().any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
}

/// A word this rule does not judge: a file, URL, group or variable.
fn not_a_name(pkg: &str) -> bool {
    ends_with_ci(pkg, ".rpm") || pkg.starts_with(['/', '.', '~', '@']) || pkg.contains("://") || is_dynamic(pkg)
}

impl Rule for UnpinnedDnfPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let tool = c.name();
                if !matches!(tool, "dnf" | "microdnf") {
                    continue;
                }
                let parsed = parse_args(c.args(), DNF);
                let ops: Vec<&str> = parsed.operands.iter().map(|w| w.text.as_str()).collect();
                let (words, module) = match ops.as_slice() {
                    ["install", ..] => (parsed.operands.get(1..).unwrap_or_default(), false),
                    ["module", "install", ..] => (parsed.operands.get(2..).unwrap_or_default(), true),
                    _ => continue,
                };
                let unpinned: Vec<_> = words
                    .iter()
                    .filter(|w| {
                        !not_a_name(&w.text) && !if module { w.text.contains(':') } else { has_version(&w.text) }
                    })
                    .collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                let (what, how) = if module {
                    (format!("`{tool} module install` of"), format!("name the stream, e.g. `{}:<stream>`", names[0]))
                } else {
                    (
                        format!("`{tool} install` of"),
                        format!("pin each package as `name-version`, e.g. `{}-<version>`", names[0]),
                    )
                };
                cx.report(self, c.word_range(first), format!("{what} {} without a version", list(&names))).help(how);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::has_version;

    #[test]
    fn versions() {
        for p in ["python3-3.9.18", "curl-7.76.1-26.el9", "tzdata-2024a-1.el9", "nodejs-1:18.19"] {
            assert!(has_version(p), "{p}");
        }
        for p in ["python3-pip", "curl", "glibc-langpack-en", "gcc-c++"] {
            assert!(!has_version(p), "{p}");
        }
    }
}
