use super::run_fix::{CacheCleanup, has_arg, has_cache_mount_under, removes_under};
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds RUN instructions that run `dnf install` (or `microdnf install`)
    /// without a later `dnf clean all` (the same tool's) or
    /// `rm -rf /var/cache/yum/*` (or `/var/cache/dnf`) in the same RUN. A cache
    /// mount on `/var/cache/dnf` or `/var/cache/yum` silences the rule.
    /// `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// dnf keeps repository metadata and downloaded packages in its cache
    /// directory; unless it is cleaned in the same RUN, the cache stays in the
    /// layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN dnf install -y httpd-2.4.24
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN dnf install -y httpd-2.4.24 && dnf clean all
    /// ```
    ///
    /// No fix is offered: where the clean-up belongs in a script takes a reader.
    ///
    /// ## References
    /// hadolint DL3040 (same code, severity and meaning).
    pub struct DnfCleanAllMissing { code: "DL3040", name: "dnf-clean-all-missing", tag: None, severity: Warning, fix: None }
}

impl Rule for DnfCleanAllMissing {
    fn check_file(&self, cx: &mut Context<'_>) {
        for tool in ["dnf", "microdnf"] {
            let check = CacheCleanup {
                only_in_image: false,
                later_only: true,
                mounted: &|inst| {
                    has_cache_mount_under(inst, "/var/cache/dnf") || has_cache_mount_under(inst, "/var/cache/yum")
                },
                install: &|c| has_arg(c, tool, &["install"]),
                cleaned: &|c| {
                    (has_arg(c, tool, &["clean"]) && has_arg(c, tool, &["all"]))
                        || removes_under(c, &["/var/cache/yum", "/var/cache/dnf"])
                },
            };
            for (range, _) in check.uncleaned(cx) {
                cx.report(self, range, format!("`{tool} install` without a later `{tool} clean all` in the same RUN"))
                    .help(format!("end the RUN with `{tool} clean all`, or mount a cache on `/var/cache/dnf`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn count(run: &str) -> usize {
        let src = format!("FROM fedora:40\n{run}\n");
        check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3040")).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("RUN dnf install -y mariadb-10.4"), 1);
        assert_eq!(count("RUN microdnf install -y mariadb-10.4"), 1);
        assert_eq!(count("ONBUILD RUN dnf install -y mariadb-10.4"), 1);
        assert_eq!(count("RUN dnf clean all && dnf install -y x"), 1);
        assert_eq!(count("RUN dnf install -y x && microdnf clean all"), 1);
        assert_eq!(count("RUN dnf install -y mariadb-10.4 && dnf clean all"), 0);
        assert_eq!(count("RUN microdnf install -y x && microdnf clean all"), 0);
        assert_eq!(count("RUN dnf install -y x && rm -rf /var/cache/yum/*"), 0);
        assert_eq!(count("RUN --mount=type=cache,target=/var/cache/dnf dnf install -y x"), 0);
    }
}
