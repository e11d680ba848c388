use super::run_fix::{CacheCleanup, has_arg, has_cache_mount_under, removes_under};
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds RUN instructions that run `zypper install` (or `zypper in`)
    /// without a later `zypper clean` (or `zypper cc`, or `rm` of
    /// `/var/cache/zypp`) in the same RUN. A cache mount on `/var/cache/zypp`
    /// silences the rule. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// zypper keeps repository metadata and downloaded packages in
    /// `/var/cache/zypp`; unless it is cleaned in the same RUN, the cache
    /// stays in the layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN zypper install -y httpd=2.4.46
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN zypper install -y httpd=2.4.46 && zypper clean
    /// ```
    ///
    /// No fix is offered: where the clean-up belongs in a script takes a reader.
    ///
    /// ## References
    /// hadolint DL3036 (same code, severity and meaning).
    pub struct ZypperCleanMissing { code: "DL3036", name: "zypper-clean-missing", tag: None, severity: Warning, fix: None }
}

impl Rule for ZypperCleanMissing {
    fn check_file(&self, cx: &mut Context<'_>) {
        let check = CacheCleanup {
            only_in_image: false,
            later_only: true,
            mounted: &|inst| has_cache_mount_under(inst, "/var/cache/zypp"),
            install: &|c| has_arg(c, "zypper", &["install", "in"]),
            cleaned: &|c| has_arg(c, "zypper", &["clean", "cc"]) || removes_under(c, &["/var/cache/zypp"]),
        };
        for (range, _) in check.uncleaned(cx) {
            cx.report(self, range, "`zypper install` without a later `zypper clean` in the same RUN")
                .help("end the RUN with `zypper clean`, or mount a cache on `/var/cache/zypp`");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn count(run: &str) -> usize {
        let src = format!("FROM opensuse/leap:15.6\n{run}\n");
        check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3036")).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("RUN zypper install -y mariadb=10.4"), 1);
        assert_eq!(count("ONBUILD RUN zypper in -y mariadb=10.4"), 1);
        assert_eq!(count("RUN zypper clean && zypper install -y x"), 1);
        assert_eq!(count("RUN zypper install -y mariadb=10.4 && zypper clean"), 0);
        assert_eq!(count("RUN zypper in -y x && zypper cc"), 0);
        assert_eq!(count("RUN --mount=type=cache,target=/var/cache/zypp zypper in -y x"), 0);
    }
}
