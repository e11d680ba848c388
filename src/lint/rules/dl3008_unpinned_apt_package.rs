use super::commands::{ends_with_ci, is_dynamic, list, parse_args};
use super::tool_options::APT_GET;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `apt-get install` (and `apt install`) commands that install
    /// packages without a version pin (`name=version`). Options and their values
    /// (`-t bookworm-backports`, `-o Dpkg::Options::=…`), local `.deb` files and
    /// paths, and words built from variables (`$PACKAGES`) are not packages this
    /// rule can judge. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// Without a pin, `apt-get` installs whatever version the mirror has on the
    /// day of the build, so two builds of the same Dockerfile can differ, and a
    /// rebuild for an unrelated change can pull in a new major version. The
    /// standard says "no `apt-get install` without pinned package versions".
    /// Unlike hadolint, `name/release` is not taken for a pin: it picks a suite,
    /// not a version.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends \
    ///     curl=7.88.1-10+deb12u5 ca-certificates=20230311
    /// ```
    ///
    /// No fix is offered: the right version depends on the base image's suite.
    ///
    /// ## References
    /// hadolint DL3008 (same code and meaning). BuildKit has no build check for it.
    pub struct UnpinnedAptPackage { code: "DL3008", name: "unpinned-apt-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// A package argument that is pinned, a local file, or unknown to a linter.
fn acceptable(pkg: &str) -> bool {
    pkg.contains('=') || pkg.starts_with(['/', '.', '~']) || ends_with_ci(pkg, ".deb") || is_dynamic(pkg)
}

impl Rule for UnpinnedAptPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let tool = c.name();
                if !matches!(tool, "apt-get" | "apt") {
                    continue;
                }
                let parsed = parse_args(c.args(), APT_GET);
                let Some((sub, packages)) = parsed.operands.split_first() else { continue };
                if sub.text != "install" {
                    continue;
                }
                let unpinned: Vec<_> = packages.iter().filter(|w| !acceptable(&w.text)).collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                let pin = names.first().copied().unwrap_or("name");
                // Reported often: the messages are joined from their pieces, not formatted.
                cx.report(
                    self,
                    c.word_range(first),
                    ["`", tool, " install` of ", &list(&names), " without a version pin"].concat(),
                )
                .help(
                    [
                        "pin each package as `name=version`, e.g. `",
                        pin,
                        "=<version>` (`apt-cache policy ",
                        pin,
                        "` shows the candidate)",
                    ]
                    .concat(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<String> {
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3008"));
        diags.iter().map(|d| d.range.slice(src).to_string()).collect()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(hits("FROM debian:12\nRUN apt-get update && apt-get install python\n"), ["python"]);
        assert_eq!(hits("FROM debian:12\nONBUILD RUN apt-get install python\n"), ["python"]);
        for quiet in [
            "RUN apt-get update \\\n && apt-get -yqq --no-install-recommends install nodejs=0.10 \\\n && rm -rf /var/lib/apt/lists/*",
            "RUN apt-get install --no-install-recommends -y python-demjson=2.2.2* wget=1.16.1* git=1:2.5.0*",
            "RUN apt-get install ./wkhtmltox_0.12.5-1.bionic_amd64.deb",
            "RUN apt-get install -y --no-install-recommends -t jessie-backports openjdk-8-jdk=8u131-b11-1~bpo8+1",
        ] {
            assert_eq!(hits(&format!("FROM debian:12\n{quiet}\n")), Vec::<String>::new(), "{quiet}");
        }
    }

    #[test]
    fn options_values_and_variables_are_not_packages() {
        let src = "FROM debian:12\nRUN apt-get -o Dpkg::Options::=--force-confold --target-release sid install -y \"gcc=$GCC\" $EXTRA curl/bookworm-backports\n";
        assert_eq!(hits(src), ["curl/bookworm-backports"]);
        let src = "FROM debian:12\nRUN sudo apt install -y git && apt-get remove -y vim && apt-get source foo\n";
        assert_eq!(hits(src), ["git"]);
    }

    #[test]
    fn one_finding_per_command_at_the_first_unpinned_package() {
        let src = "FROM debian:12\nRUN apt-get install -y curl=1 \\\n    git \\\n    vim\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3008"));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].range.slice(src), "git");
        assert_eq!(diags[0].message, "`apt-get install` of `git` and `vim` without a version pin");
    }
}
