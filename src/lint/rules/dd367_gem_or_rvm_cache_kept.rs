use super::commands::RunCmd;
use super::run_fix::{CacheCleanup, has_cache_mount_under};
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds RUN instructions that run `gem install` without removing the gem
    /// cache, or `rvm install` without `rvm cleanup`, in the same RUN. Only
    /// stages that end up in an image are checked (the final stage and stages
    /// another stage is built `FROM`), as for the other package-cache rules.
    ///
    /// For `gem install`, clean-up is an `rm` of a gem cache directory (a path
    /// under `.gem`, or a `cache` directory under a gems, bundle or
    /// `$GEM_HOME` path), `gem cleanup`, or a cache mount on the gem cache.
    /// For `rvm install`, clean-up is `rvm cleanup` (`all`, `archives`,
    /// `sources`…) or an `rm` of rvm's `archives` or `src` directory.
    ///
    /// ## Why is this bad?
    /// `gem` keeps every `.gem` archive it downloads in the `cache`
    /// directory of the gem home, and rvm keeps the Ruby source tarballs and
    /// build trees it fetched. Nothing reads them at run time; left in the
    /// layer they add megabytes to every pull. Removed in a later RUN they
    /// still weigh on the image, because every RUN is a layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN gem install bundler -v 2.5.22
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN gem install bundler -v 2.5.22 && rm -rf "$GEM_HOME/cache"
    /// ```
    ///
    /// No fix is offered: the gem home differs between images (`/usr/local/bundle`,
    /// `/var/lib/gems/<version>`, `~/.gem`), so the path to remove takes a reader.
    ///
    /// ## References
    /// The `no_gem_clean_all` and `no_rvm_cleanup_all` checks of Project
    /// Atomic's `dockerfile_lint` (rule matrix row G12).
    pub struct GemOrRvmCacheKept { code: "DD367", name: "gem-or-rvm-cache-kept", tag: None, severity: Info, fix: None }
}

impl Rule for GemOrRvmCacheKept {
    fn check_file(&self, cx: &mut Context<'_>) {
        let gems = CacheCleanup {
            only_in_image: true,
            later_only: false,
            mounted: &|inst| GEM_CACHES.iter().any(|dir| has_cache_mount_under(inst, dir)),
            install: &|c| subcommand(c, "gem") == Some("install"),
            cleaned: &|c| subcommand(c, "gem") == Some("cleanup") || removes_gem_cache(c),
        };
        for (range, _) in gems.uncleaned(cx) {
            cx.report(self, range, "`gem install` leaves the downloaded gems in the gem cache")
                .help("remove the cache in the same RUN, e.g. `&& rm -rf \"$GEM_HOME/cache\"` (or `~/.gem`)");
        }
        let rvm = CacheCleanup {
            only_in_image: true,
            later_only: false,
            mounted: &|_| false,
            install: &|c| subcommand(c, "rvm") == Some("install"),
            cleaned: &|c| subcommand(c, "rvm") == Some("cleanup") || removes_rvm_downloads(c),
        };
        for (range, _) in rvm.uncleaned(cx) {
            cx.report(self, range, "`rvm install` leaves its downloads and build trees in the image")
                .help("end the same RUN with `rvm cleanup all`");
        }
    }
}

/// Gem caches (or gem homes holding them) whose cache mount keeps the archives out of the layer.
const GEM_CACHES: &[&str] = &["/usr/local/bundle/cache", "/root/.gem", "/var/lib/gems", "/usr/local/lib/ruby/gems"];

/// The first operand of `cmd` when it runs `tool` (`install` in `gem install -N x`).
fn subcommand<'s>(cmd: &RunCmd<'s>, tool: &str) -> Option<&'s str> {
    (cmd.name() == tool).then(|| cmd.args().iter().map(|w| w.text.as_str()).find(|a| !a.starts_with('-')))?
}

/// The paths `cmd` removes, when it is `rm`.
fn removed<'s>(cmd: &RunCmd<'s>) -> impl Iterator<Item = &'s str> {
    let args = if cmd.name() == "rm" { cmd.args() } else { &[] };
    args.iter().map(|w| w.text.as_str()).filter(|a| !a.starts_with('-'))
}

/// `rm` of a gem cache: anything under a `.gem` directory, or a `cache` directory in a gems, bundle or
/// `GEM_HOME` path.
fn removes_gem_cache(cmd: &RunCmd<'_>) -> bool {
    removed(cmd).any(|path| {
        let p = path.trim_end_matches(['/', '*']);
        let gem_home = ["gems", "bundle", "GEM_HOME", "ruby"].iter().any(|k| p.contains(k));
        p.split('/').any(|part| part == ".gem") || (gem_home && p.ends_with("/cache"))
    })
}

/// `rm` of rvm's `archives` or `src` directory (or of rvm itself).
fn removes_rvm_downloads(cmd: &RunCmd<'_>) -> bool {
    removed(cmd).any(|path| {
        let p = path.trim_end_matches(['/', '*']);
        p.contains("rvm") && (p.ends_with("/archives") || p.ends_with("/src") || p.ends_with("rvm"))
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn count(src: &str) -> usize {
        check(&LintInput::dockerfile("Dockerfile", &format!("FROM ruby:3.3-slim\n{src}")), &Settings::only("DD367"))
            .len()
    }

    #[test]
    fn gem_install_needs_the_cache_removed() {
        assert_eq!(count("RUN gem install bundler -v 2.5.22\n"), 1);
        assert_eq!(count("RUN gem install -N rails -v 7.1.0 && echo done\n"), 1);
        assert_eq!(count("RUN gem install bundler -v 2.5.22 && rm -rf \"$GEM_HOME/cache\"\n"), 0);
        assert_eq!(count("RUN gem install bundler -v 2.5.22 && rm -rf /usr/local/bundle/cache/*\n"), 0);
        assert_eq!(count("RUN gem install bundler -v 2.5.22 && rm -rf ~/.gem\n"), 0);
        assert_eq!(count("RUN gem install bundler -v 2.5.22 && rm -rf /var/lib/gems/3.1.0/cache\n"), 0);
        assert_eq!(count("RUN gem install bundler -v 2.5.22 && gem cleanup all\n"), 0);
        assert_eq!(count("RUN --mount=type=cache,target=/usr/local/bundle/cache gem install bundler -v 2.5.22\n"), 0);
        // Removing something else is not clean-up; other gem commands do not fire.
        assert_eq!(count("RUN gem install bundler -v 2.5.22 && rm -rf /tmp/cache\n"), 1);
        assert_eq!(count("RUN gem list && gem update --system 3.5.0\n"), 0);
        assert_eq!(count("RUN sudo gem install bundler -v 2.5.22\n"), 1);
    }

    #[test]
    fn rvm_install_needs_rvm_cleanup() {
        assert_eq!(count("RUN rvm install 3.3.0\n"), 1);
        assert_eq!(count("RUN rvm install 3.3.0 && rvm cleanup all\n"), 0);
        assert_eq!(count("RUN rvm install 3.3.0 && rm -rf /usr/local/rvm/archives /usr/local/rvm/src\n"), 0);
        assert_eq!(count("RUN rvm use 3.3.0 --default\n"), 0);
    }

    #[test]
    fn only_stages_that_reach_an_image() {
        let src = "RUN gem install bundler -v 2.5.22\nFROM ruby:3.3-slim\nRUN true\n";
        assert_eq!(count(src), 0);
    }
}
