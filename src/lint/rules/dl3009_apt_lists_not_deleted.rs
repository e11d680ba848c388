use super::run_fix::{CacheCleanup, has_arg, has_cache_mount_under, removes_under};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::{Base, Model};

declare_rule! {
    /// ## What it does
    /// Finds RUN instructions that run `apt-get update` (or `apt update`) but
    /// do not delete the package lists (`rm -rf /var/lib/apt/lists/*`, or of a
    /// directory above them, or `apt-get dist-clean`) in the same RUN. As in
    /// hadolint, only stages that end up in an image are checked: the final
    /// stage and stages another stage is built `FROM`. A cache mount on
    /// `/var/lib/apt/lists` (or on both `/var/lib/apt` and `/var/cache/apt`)
    /// keeps the lists out of the layer and silences the rule. Unlike
    /// hadolint, any `rm` does not count as clean-up: it must remove
    /// something under `/var/lib/apt/lists`.
    ///
    /// ## Why is this bad?
    /// `apt-get update` downloads tens of megabytes of package lists into
    /// `/var/lib/apt/lists`. Deleted in a later RUN they still weigh on the
    /// image, because every RUN is a layer; only deleting them in the same RUN
    /// keeps them out.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// No fix is offered: where the clean-up belongs in a script (and whether
    /// a later command still needs the lists) takes a reader.
    ///
    /// ## References
    /// hadolint DL3009 (same code, severity and meaning).
    pub struct AptListsNotDeleted { code: "DL3009", name: "apt-lists-not-deleted", tag: None, severity: Info, fix: None }
}

impl Rule for AptListsNotDeleted {
    fn check_file(&self, cx: &mut Context<'_>) {
        let check = CacheCleanup {
            only_in_image: true,
            later_only: false,
            mounted: &|inst| {
                has_cache_mount_under(inst, "/var/lib/apt/lists")
                    || (has_cache_mount_under(inst, "/var/lib/apt") && has_cache_mount_under(inst, "/var/cache/apt"))
            },
            install: &|c| has_arg(c, "apt-get", &["update"]) || has_arg(c, "apt", &["update"]),
            cleaned: &|c| {
                removes_under(c, &["/var/lib/apt/lists"])
                    || has_arg(c, "apt-get", &["dist-clean"])
                    || has_arg(c, "apt", &["dist-clean"])
            },
        };
        for (range, name) in check.uncleaned(cx) {
            cx.report(self, range, format!("`{name} update` lists are not deleted in the same RUN"))
                .help("end the RUN with `rm -rf /var/lib/apt/lists/*`, or mount a cache on `/var/lib/apt/lists`");
        }
    }
}

/// Which instructions end up in an image: those in the final stage or in a
/// stage that another stage is built on (hadolint's test). Built once per file,
/// so each lookup is constant time.
pub(crate) struct InImage<'m> {
    model: &'m Model,
    /// For each stage, whether another stage is built `FROM` it.
    is_base: Vec<bool>,
}

impl<'m> InImage<'m> {
    pub(crate) fn new(model: &'m Model) -> Self {
        let mut is_base = vec![false; model.stages.len()];
        for s in &model.stages {
            if let Base::Stage(parent) = s.base
                && let Some(slot) = is_base.get_mut(parent)
            {
                *slot = true;
            }
        }
        Self { model, is_base }
    }

    /// Whether instruction `inst` ends up in an image.
    pub(crate) fn holds(&self, inst: usize) -> bool {
        let Some(stage) = self.model.stage_of.get(inst).copied().flatten() else { return true };
        self.model.final_stage.is_none_or(|f| f == stage) || self.is_base.get(stage).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn count(src: &str) -> usize {
        check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3009")).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("FROM debian:12\nRUN apt-get update && apt-get install -y python\n"), 1);
        assert_eq!(count("FROM debian:12\nONBUILD RUN apt-get update && apt-get install -y python\n"), 1);
        assert_eq!(
            count("FROM debian:12\nRUN apt-get update && apt-get install -y python && rm -rf /var/lib/apt/lists/*\n"),
            0
        );
        assert_eq!(count("FROM debian:12\nRUN apt-get install -y python\n"), 0);
        assert_eq!(count("FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n"), 0);
        assert_eq!(
            count(
                "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt apt-get update\n"
            ),
            0
        );
        assert_eq!(count("FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n"), 1);
        assert_eq!(count("FROM debian:12\nRUN apt-get update && rm -rf /tmp/x\n"), 1);
    }

    #[test]
    fn only_stages_that_reach_an_image() {
        let builder = "FROM debian:12 AS builder\nRUN apt-get update && apt-get install -y gcc\n";
        assert_eq!(count(&format!("{builder}FROM debian:12\nRUN true\n")), 0);
        assert_eq!(count(&format!("{builder}FROM builder\nRUN true\n")), 1);
    }
}
