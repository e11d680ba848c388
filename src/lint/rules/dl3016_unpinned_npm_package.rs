use super::commands::{ends_with_ci, is_dynamic, list, parse_args};
use super::tool_options::NPM;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `npm install` (`npm i`, `npm add`) commands that name packages
    /// without a version, tag or range (`express@4.21.1`, `@scope/pkg@^1`).
    /// Tarballs (`.tgz`, `.tar.gz`, `.tar`), folders (`/`, `./`, `../`, `~/`),
    /// git URLs pinned with `#commit` or `#semver:…`, option values and words
    /// built from variables are not reported. A bare `npm install` installs
    /// from the lockfile and is DD040's business. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// A package without a version installs whatever is tagged `latest` on the
    /// registry at build time, so two builds of the same Dockerfile can ship
    /// different code. The standard asks for dependency versions to be locked
    /// at build time.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN npm install -g pm2
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN npm install -g pm2@5.4.2
    /// ```
    ///
    /// ## References
    /// hadolint DL3016 (same code and meaning; GitHub shorthands such as
    /// `org/repo#v1.2.0` count as pinned here too).
    pub struct UnpinnedNpmPackage { code: "DL3016", name: "unpinned-npm-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// A package spec that has a version, is a local path or tarball, a pinned git
/// URL, or unknown to a linter.
fn acceptable(spec: &str) -> bool {
    let lower = spec.to_ascii_lowercase();
    if is_dynamic(spec) {
        return true;
    }
    if ["git://", "git+ssh://", "git+http://", "git+https://", "github:"].iter().any(|p| lower.starts_with(p)) {
        return spec.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|e| ends_with_ci(spec, e))
        || ["/", "./", "../", "~/", "file:", "http://", "https://"].iter().any(|p| lower.starts_with(p))
    {
        return true;
    }
    // `@scope/name@1.2.3`: the version `@` comes after the scope's `/`.
    let name = if spec.starts_with('@') { spec.split_once('/').map_or("", |(_, n)| n) } else { spec };
    // `org/repo#v1.2.0` (a GitHub shorthand) is pinned by its ref.
    name.contains('@') || (name.contains('/') && name.contains('#'))
}

impl Rule for UnpinnedNpmPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "npm" {
                    continue;
                }
                let p = parse_args(c.args(), NPM);
                let Some((sub, pkgs)) = p.operands.split_first() else { continue };
                if !matches!(sub.text.as_str(), "install" | "i" | "add" | "in" | "isntall") {
                    continue;
                }
                let unpinned: Vec<_> = pkgs.iter().filter(|w| !acceptable(&w.text)).collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                cx.report(
                    self,
                    c.word_range(first),
                    format!("`npm {}` of {} without a version", sub.text, list(&names)),
                )
                .help(format!("pin each package as `name@version`, e.g. `{}@<version>`", first.text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(run: &str) -> Vec<String> {
        let src = format!("FROM node:22\n{run}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3016"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn fires() {
        for (run, word) in [
            ("RUN npm install express", "express"),
            ("ONBUILD RUN npm install express", "express"),
            ("RUN npm install @myorg/privatepackage", "@myorg/privatepackage"),
            ("RUN npm install express sax@0.1.1", "express"),
            ("RUN npm install --global express", "express"),
            ("RUN npm i -g --loglevel warn typescript", "typescript"),
            ("RUN npm install git+ssh://git@github.com:npm/npm.git", "git+ssh://git@github.com:npm/npm.git"),
            ("RUN npm install git+https://isaacs@github.com/npm/npm.git", "git+https://isaacs@github.com/npm/npm.git"),
            ("RUN npm install git://github.com/npm/npm.git", "git://github.com/npm/npm.git"),
        ] {
            assert_eq!(hits(run), [word], "{run}");
        }
    }

    #[test]
    fn quiet() {
        for run in [
            "RUN npm install && npm install --progress=false && npm ci",
            "RUN npm install express@4.1.1 && npm install @myorg/privatepackage@\">=0.1.0 <0.2.0\"",
            "RUN npm install express@\"4.1.1\" sax@0.1.1 && npm install -g express@\"4.1.1\"",
            "RUN npm install package-v1.2.3.tar package-v1.2.3.tar.gz package-v1.2.3.tgz",
            "RUN npm install /folder ./folder ../folder ~/folder",
            "RUN npm install git+ssh://git@github.com:npm/npm.git#v1.0.27 git://github.com/npm/npm.git#v1.0.27",
            "RUN npm install git+http://isaacs@github.com/npm/npm#semver:^5.0 expressjs/express#4.21.1",
            "RUN npm run --crazy install && npm install --loglevel verbose sax@0.1.1",
            "RUN npm install \"$PKG\" && yarn add express",
        ] {
            assert_eq!(hits(run), Vec::<String>::new(), "{run}");
        }
    }
}
