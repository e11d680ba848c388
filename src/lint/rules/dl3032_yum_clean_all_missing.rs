use super::run_fix::{CacheCleanup, has_arg, has_cache_mount_under, removes_under};
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds RUN instructions that run `yum install` without `yum clean all`
    /// (or `rm -rf /var/cache/yum`) in the same RUN. A cache mount on
    /// `/var/cache/yum` keeps the cache out of the layer and silences the rule.
    /// `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// yum keeps repository metadata and downloaded packages in
    /// `/var/cache/yum`. Unless it is cleaned in the same RUN, that cache stays
    /// in the layer and the image carries it forever.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN yum install -y httpd-2.4.24
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN yum install -y httpd-2.4.24 && yum clean all
    /// ```
    ///
    /// No fix is offered: where the clean-up belongs in a script takes a reader.
    ///
    /// ## References
    /// hadolint DL3032 (same code, severity and meaning).
    pub struct YumCleanAllMissing { code: "DL3032", name: "yum-clean-all-missing", tag: None, severity: Warning, fix: None }
}

impl Rule for YumCleanAllMissing {
    fn check_file(&self, cx: &mut Context<'_>) {
        let check = CacheCleanup {
            only_in_image: false,
            later_only: false,
            mounted: &|inst| has_cache_mount_under(inst, "/var/cache/yum"),
            install: &|c| has_arg(c, "yum", &["install"]),
            cleaned: &|c| {
                (has_arg(c, "yum", &["clean"]) && has_arg(c, "yum", &["all"])) || removes_under(c, &["/var/cache/yum"])
            },
        };
        for (range, _) in check.uncleaned(cx) {
            cx.report(self, range, "`yum install` without `yum clean all` in the same RUN")
                .help("end the RUN with `yum clean all`, or mount a cache on `/var/cache/yum`");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn count(run: &str) -> usize {
        let src = format!("FROM centos:7\n{run}\n");
        check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3032")).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("RUN yum install -y mariadb-10.4"), 1);
        assert_eq!(count("ONBUILD RUN yum install -y mariadb-10.4"), 1);
        assert_eq!(count("RUN yum install -y mariadb-10.4 && yum clean all"), 0);
        assert_eq!(count("RUN yum install -y x && rm -rf /var/cache/yum"), 0);
        assert_eq!(count("RUN --mount=type=cache,target=/var/cache/yum yum install -y x"), 0);
        assert_eq!(count("RUN yum clean all"), 0);
    }
}
