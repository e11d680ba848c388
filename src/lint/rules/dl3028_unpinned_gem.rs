use super::commands::{OptSpec, ends_with_ci, is_dynamic, list, parse_args};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `gem install` (`gem i`) commands that name gems without a version:
    /// neither `-v`/`--version` on the command nor `name:version` on the gem.
    /// Local `.gem` files and paths, option values (`--install-dir DIR`) and
    /// words built from variables are not reported. `ONBUILD RUN` is checked
    /// too.
    ///
    /// ## Why is this bad?
    /// Without a version, `gem install` takes the newest release at build time,
    /// so two builds of the same Dockerfile can ship different code. The
    /// standard asks for dependency versions to be locked at build time.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN gem install bundler
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN gem install bundler:2.5.22
    /// ```
    ///
    /// ## References
    /// hadolint DL3028 (same code and meaning).
    pub struct UnpinnedGem { code: "DL3028", name: "unpinned-gem", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// `gem install` options that take a value.
const GEM: OptSpec<'static> = OptSpec {
    short: "vinspgP",
    long: &[
        "version",
        "install-dir",
        "bindir",
        "source",
        "platform",
        "http-proxy",
        "file",
        "document",
        "build-root",
        "trust-policy",
        "config-file",
        "target-rbconfig",
    ],
};

/// A gem argument that has a version, is a local file, or is unknown to a linter.
fn acceptable(gem: &str) -> bool {
    gem.contains(':') || gem.starts_with(['/', '.', '~']) || ends_with_ci(gem, ".gem") || is_dynamic(gem)
}

impl Rule for UnpinnedGem {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "gem" {
                    continue;
                }
                let p = parse_args(c.args(), GEM);
                let Some((sub, gems)) = p.operands.split_first() else { continue };
                if !matches!(sub.text.as_str(), "install" | "i") || p.has(&["v", "version"]) {
                    continue;
                }
                let unpinned: Vec<_> = gems.iter().filter(|w| !acceptable(&w.text)).collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                cx.report(self, c.word_range(first), format!("`gem install` of {} without a version", list(&names)))
                    .help(format!("pin the version as `{0}:<version>` or `gem install {0} -v <version>`", first.text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(run: &str) -> Vec<String> {
        let src = format!("FROM ruby:3.3\n{run}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3028"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn fires() {
        assert_eq!(hits("RUN gem install bundler"), ["bundler"]);
        assert_eq!(hits("ONBUILD RUN gem i rake"), ["rake"]);
        assert_eq!(hits("RUN gem install --no-document --install-dir /gems rails:7.2.1 puma"), ["puma"]);
    }

    #[test]
    fn quiet() {
        for run in [
            "RUN gem install bundler:2.5.22",
            "RUN gem install bundler -v 2.5.22 && gem install bundler --version 2.5.22",
            "RUN gem install bundler --version=2.5.22 && gem install -v2.5.22 bundler",
            "RUN gem install ./pkg/app-1.0.0.gem && gem install \"$GEM\"",
            "RUN gem update --system 3.5.22 && gem list && gem install",
        ] {
            assert_eq!(hits(run), Vec::<String>::new(), "{run}");
        }
    }
}
