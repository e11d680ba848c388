use super::commands::{OptSpec, ends_with_ci, is_dynamic, list, parse_args};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `apk add` commands that install packages without a version
    /// constraint (`name=1.2.3-r0`, `name~1.2`, `name>1.2`). Options and their
    /// values (`--virtual .build-deps`, `-t NAME`, `--repository URL`, `-X URL`),
    /// local `.apk` files and paths, and words built from variables are not
    /// packages this rule can judge. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// Without a constraint, `apk` installs whatever the repository holds on the
    /// day of the build, so two builds of the same Dockerfile can differ. The
    /// standard asks for deterministic image contents with version-pinned
    /// system packages.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache curl=8.9.1-r2
    /// ```
    ///
    /// No fix is offered: the right version depends on the base image's
    /// Alpine release.
    ///
    /// ## References
    /// hadolint DL3018 (same code and meaning).
    pub struct UnpinnedApkPackage { code: "DL3018", name: "unpinned-apk-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// `apk` options that take a value.
pub(crate) const APK: OptSpec<'static> = OptSpec {
    short: "tXp",
    long: &[
        "virtual",
        "repository",
        "root",
        "arch",
        "keys-dir",
        "repositories-file",
        "cache-dir",
        "cache-max-age",
        "timeout",
        "cache-predownload",
    ],
};

/// A package argument that has a version constraint, is a local file, or is unknown to a linter.
fn acceptable(pkg: &str) -> bool {
    pkg.contains(['=', '~', '<', '>'])
        || pkg.starts_with(['/', '.', '~'])
        || ends_with_ci(pkg, ".apk")
        || is_dynamic(pkg)
}

impl Rule for UnpinnedApkPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "apk" {
                    continue;
                }
                let parsed = parse_args(c.args(), APK);
                let Some((sub, packages)) = parsed.operands.split_first() else { continue };
                if sub.text != "add" {
                    continue;
                }
                let unpinned: Vec<_> = packages.iter().filter(|w| !acceptable(&w.text)).collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                cx.report(self, c.word_range(first), format!("`apk add` of {} without a version pin", list(&names)))
                    .help(format!(
                        "pin each package as `name=version`, e.g. `{}=<version>` (`apk policy {}` shows what is available)",
                        first.text, first.text
                    ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<String> {
        let src = format!("FROM alpine:3.20\n{src}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3018"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(hits("RUN apk add flex"), ["flex"]);
        assert_eq!(hits("ONBUILD RUN apk add flex"), ["flex"]);
        assert_eq!(hits("RUN apk add --no-cache \\\nflex=2.6.4-r1 \\\nlibffi \\\npython2=2.7.13-r1"), ["libffi"]);
        for quiet in [
            "RUN apk add flex=2.6.4-r1",
            "RUN apk add --no-cache git~2.52.0",
            "RUN apk add --no-cache flex=2.6.4-r1 \\\n && pip install -r requirements.txt",
            "RUN apk add \\\n--virtual build-dependencies \\\npython-dev=1.1.1 build-base=2.2.2 \\\n&& apk del build-dependencies",
            "RUN apk add --no-cache --repository https://dl-cdn.alpinelinux.org/alpine/edge/testing flow=0.78.0-r0",
            "RUN apk add --no-cache --repository=https://dl-cdn.alpinelinux.org/alpine/edge/testing flow=0.78.0-r0",
            "RUN apk add --no-cache -X https://dl-cdn.alpinelinux.org/alpine/edge/testing flow=0.78.0-r0",
            "RUN apk add mypackage-1.1.1.apk",
        ] {
            assert_eq!(hits(quiet), Vec::<String>::new(), "{quiet}");
        }
    }

    #[test]
    fn short_virtual_and_message() {
        let src = "FROM alpine:3.20\nRUN apk add -t .deps gcc musl-dev \"$EXTRA\" && apk del .deps\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3018"));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].range.slice(src), "gcc");
        assert_eq!(diags[0].message, "`apk add` of `gcc` and `musl-dev` without a version pin");
    }

    #[test]
    fn update_cache_flag_takes_no_value() {
        // `-U` is `--update-cache`: the word after it is a package (kubernetes/ingress-nginx).
        assert_eq!(hits("RUN apk add -U bash --no-cache"), ["bash"]);
    }
}
