use super::run_fix::{CacheCleanup, has_arg, has_cache_mount};
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds RUN instructions that run `yarn install` without `yarn cache
    /// clean` in the same RUN. A cache (or tmpfs) mount on `.cache/yarn`
    /// silences the rule. `ONBUILD RUN` is checked too. As in hadolint (and
    /// DL3009), only stages that end up in an image are checked: the final
    /// stage and stages another stage is built `FROM`; a builder stage's cache
    /// never reaches the image.
    ///
    /// ## Why is this bad?
    /// Yarn (v1) keeps a copy of every package it installs in its global
    /// cache (`/usr/local/share/.cache/yarn` in the official images); unless
    /// it is cleaned in the same RUN, the image carries `node_modules` twice.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN yarn install --frozen-lockfile
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN yarn install --frozen-lockfile && yarn cache clean
    /// ```
    ///
    /// No fix is offered: where the clean-up belongs in a script takes a reader.
    ///
    /// ## References
    /// hadolint DL3060 (same code, severity and meaning).
    pub struct YarnCacheCleanMissing { code: "DL3060", name: "yarn-cache-clean-missing", tag: None, severity: Info, fix: None }
}

impl Rule for YarnCacheCleanMissing {
    fn check_file(&self, cx: &mut Context<'_>) {
        let check = CacheCleanup {
            only_in_image: true,
            later_only: false,
            mounted: &|inst| has_cache_mount(inst, ".cache/yarn"),
            install: &|c| has_arg(c, "yarn", &["install"]),
            cleaned: &|c| has_arg(c, "yarn", &["cache"]) && has_arg(c, "yarn", &["clean"]),
        };
        for (range, _) in check.uncleaned(cx) {
            cx.report(self, range, "`yarn install` without `yarn cache clean` in the same RUN")
                .help("end the RUN with `yarn cache clean`, or mount a cache on `/usr/local/share/.cache/yarn`");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn count(run: &str) -> usize {
        let src = format!("FROM node:20\n{run}\n");
        check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3060")).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("RUN yarn install"), 1);
        assert_eq!(count("ONBUILD RUN yarn install"), 1);
        assert_eq!(count("RUN yarn install && yarn cache clean"), 0);
        assert_eq!(count("RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install"), 0);
        assert_eq!(count("RUN yarn build"), 0);
    }
}
