use super::commands::{OptSpec, Parsed, RunCmd, parse_args};
use super::tool_options::{NPM, PIP};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::ScopeCursor;
use crate::lint::model::shell::Word;

declare_rule! {
    /// ## What it does
    /// Finds dependency installs that do not enforce the project's lockfile:
    ///
    /// - `npm install` / `npm i` with no package arguments: it may rewrite
    ///   `package-lock.json` and install other versions; `npm ci` installs
    ///   exactly the lockfile and fails when it is out of date.
    /// - `yarn install` or bare `yarn` (not `yarn --version`) without `--frozen-lockfile` (Yarn 1) or
    ///   `--immutable` (Yarn 2+), unless `YARN_ENABLE_IMMUTABLE_INSTALLS=true` is
    ///   set on the command or by `ENV`.
    /// - `pnpm install` / `pnpm i` with no package arguments and without
    ///   `--frozen-lockfile` (pnpm only freezes by default when `CI` is set,
    ///   which a Docker build does not set).
    /// - `cargo build`, `cargo install` and `cargo run` without `--locked` or
    ///   `--frozen`: `cargo install` ignores `Cargo.lock` unless told, and the
    ///   others update it when it does not match `Cargo.toml`.
    /// - `pip install -r FILE` (also `python -m pip`, `uv pip`) without
    ///   `--require-hashes` (or `PIP_REQUIRE_HASHES`): without hashes, a file of
    ///   `==` pins still lets a re-uploaded or substituted artefact in, and
    ///   unpinned transitive dependencies float.
    /// - `bundle install` without `--frozen` or `--deployment`, unless an
    ///   earlier `bundle config` or `BUNDLE_FROZEN`/`BUNDLE_DEPLOYMENT` sets it.
    /// - `composer update` (not `--dry-run`): it ignores `composer.lock` and rewrites it;
    ///   `composer install` is the locked form.
    ///
    /// Package installs with explicit names (`npm install lodash`) are about
    /// pins, not lockfiles: see DL3016, DL3013 and friends. `go` always honours
    /// `go.sum`, and `poetry install` fails on a stale `poetry.lock`, so neither
    /// is reported. `ONBUILD RUN` and exec-form `RUN` are checked too.
    ///
    /// ## Why is this bad?
    /// The standard requires dependency versions to be locked at build time. A
    /// lockfile that the install step may ignore or rewrite locks nothing: two
    /// builds of the same commit can resolve different versions, and the lockfile
    /// that was reviewed is not the one that was built.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY package.json package-lock.json ./
    /// RUN npm install
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY package.json package-lock.json ./
    /// RUN npm ci
    /// ```
    ///
    /// ## References
    /// `npm ci`, `yarn install --immutable`, `pnpm install --frozen-lockfile`,
    /// `cargo build --locked`, pip's hash-checking mode, Bundler's
    /// `BUNDLE_FROZEN`. hadolint has no rule for lockfile enforcement.
    pub struct UnlockedDependencyInstall { code: "DD040", name: "unlocked-dependency-install", tag: Some(Tag::DeterministicDeps), severity: Error, fix: None }
}

/// yarn and pnpm options that take a value.
const YARN: OptSpec<'static> = OptSpec {
    short: "C",
    long: &["cwd", "modules-folder", "cache-folder", "network-timeout", "mode", "filter", "dir", "registry"],
};
/// cargo options that take a value.
const CARGO: OptSpec<'static> = OptSpec {
    short: "pFjZC",
    long: &[
        "package",
        "bin",
        "example",
        "test",
        "bench",
        "target",
        "features",
        "jobs",
        "profile",
        "manifest-path",
        "target-dir",
        "root",
        "version",
        "git",
        "branch",
        "tag",
        "rev",
        "path",
        "registry",
        "index",
        "config",
        "color",
        "message-format",
        "exclude",
    ],
};
/// bundler options that take a value.
const BUNDLE: OptSpec<'static> = OptSpec {
    short: "j",
    long: &["path", "jobs", "without", "with", "gemfile", "retry", "binstubs", "standalone", "trust-policy"],
};

/// A finding: the last word of the span to report, and the message and help.
struct Finding<'w> {
    last: Option<&'w Word>,
    message: String,
    help: &'static str,
}

/// Whether `VAR=true` (or `1`) is set on the command or in the instruction's scope.
fn env_true(c: &RunCmd<'_>, scope: &crate::lint::HashMap<String, String>, var: &str) -> bool {
    let v = c.assignment(var).or_else(|| scope.get(var).map(String::as_str));
    v.is_some_and(|v| matches!(v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

fn npm<'w>(p: &Parsed<'w>) -> Option<Finding<'w>> {
    let (sub, rest) = p.operands.split_first()?;
    if !matches!(sub.text.as_str(), "install" | "i" | "isntall" | "in") || !rest.is_empty() {
        return None;
    }
    Some(Finding {
        last: Some(sub),
        message: format!("`npm {}` may ignore or rewrite `package-lock.json`", sub.text),
        help: "use `npm ci`, which installs exactly the lockfile and fails when it does not match `package.json`",
    })
}

fn yarn<'w>(c: &RunCmd<'w>, p: &Parsed<'w>, immutable_env: bool) -> Option<Finding<'w>> {
    let sub = p.operands.first();
    if sub.is_some_and(|s| s.text != "install") || p.operands.len() > 1 {
        return None;
    }
    // `yarn --version` and `yarn --help` install nothing.
    let informational = sub.is_none() && p.has(&["version", "v", "help", "h"]);
    if informational || immutable_env || p.has(&["frozen-lockfile", "immutable"]) {
        return None;
    }
    let what = if sub.is_some() { "yarn install" } else { "yarn" };
    Some(Finding {
        last: sub.copied().or_else(|| c.cmd.effective().first()),
        message: format!("`{what}` without `--frozen-lockfile` or `--immutable` may rewrite `yarn.lock`"),
        help: "use `yarn install --immutable` (Yarn 2+) or `yarn install --frozen-lockfile` (Yarn 1)",
    })
}

fn pnpm<'w>(p: &Parsed<'w>) -> Option<Finding<'w>> {
    let (sub, rest) = p.operands.split_first()?;
    if !matches!(sub.text.as_str(), "install" | "i") || !rest.is_empty() || p.has(&["frozen-lockfile"]) {
        return None;
    }
    Some(Finding {
        last: Some(sub),
        message: format!("`pnpm {}` without `--frozen-lockfile` may rewrite `pnpm-lock.yaml`", sub.text),
        help: "use `pnpm install --frozen-lockfile`",
    })
}

fn cargo<'w>(p: &Parsed<'w>) -> Option<Finding<'w>> {
    // `cargo +nightly build`: the toolchain is not the subcommand.
    let sub = p.operands.iter().find(|w| !w.text.starts_with('+'))?;
    if !matches!(sub.text.as_str(), "build" | "b" | "install" | "run" | "r") || p.has(&["locked", "frozen"]) {
        return None;
    }
    let message = if sub.text == "install" {
        "`cargo install` without `--locked` ignores the package's `Cargo.lock`".to_string()
    } else {
        format!("`cargo {}` without `--locked` may update `Cargo.lock`", sub.text)
    };
    Some(Finding {
        last: Some(sub),
        message,
        help: "add `--locked` so cargo uses `Cargo.lock` as is and fails when it is stale",
    })
}

/// `hashes_env` says whether the environment sets `PIP_REQUIRE_HASHES` (asked last: it walks the scope).
fn pip(args: &[Word], hashes_env: impl FnOnce() -> bool) -> Option<Finding<'_>> {
    let p = parse_args(args, PIP);
    let sub = p.operands.first()?;
    if sub.text != "install" || !p.has(&["r", "requirement"]) || p.has(&["require-hashes"]) || hashes_env() {
        return None;
    }
    let file = p.value(&["r", "requirement"]).unwrap_or("requirements.txt");
    Some(Finding {
        last: Some(sub),
        message: format!("`pip install -r {file}` without `--require-hashes` does not lock artefacts"),
        help: "generate hashes (`pip-compile --generate-hashes`, `uv pip compile --generate-hashes`) and install with `--require-hashes`",
    })
}

fn bundle<'w>(p: &Parsed<'w>, frozen: bool) -> Option<Finding<'w>> {
    let sub = p.operands.first()?;
    if !matches!(sub.text.as_str(), "install" | "i") || frozen || p.has(&["frozen", "deployment"]) {
        return None;
    }
    Some(Finding {
        last: Some(sub),
        message: "`bundle install` without `--frozen` or `--deployment` may rewrite `Gemfile.lock`".to_string(),
        help: "run `bundle config set --local frozen true` (or `deployment true`) first, or set `BUNDLE_FROZEN=true`",
    })
}

fn composer<'w>(p: &Parsed<'w>) -> Option<Finding<'w>> {
    let sub = p.operands.first().filter(|w| matches!(w.text.as_str(), "update" | "u" | "upgrade"))?;
    if p.has(&["dry-run"]) {
        return None;
    }
    Some(Finding {
        last: Some(sub),
        message: format!("`composer {}` ignores `composer.lock` and rewrites it", sub.text),
        help: "use `composer install`, which installs exactly `composer.lock`",
    })
}

/// `bundle config [set] [--local|--global] frozen|deployment true`.
fn sets_bundle_frozen(c: &RunCmd<'_>) -> bool {
    if c.name() != "bundle" {
        return false;
    }
    let words: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).filter(|t| !t.starts_with("--")).collect();
    match words.as_slice() {
        ["config", "set", key, value, ..] | ["config", key, value, ..] => {
            matches!(*key, "frozen" | "deployment") && matches!(*value, "true" | "1")
        }
        _ => false,
    }
}

impl Rule for UnlockedDependencyInstall {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut bundle_frozen = false;
        // RUNs come in file order: the cursor walks each stage once, and only as far as a command that
        // reads the environment asks it to.
        let mut scopes = ScopeCursor::new(model, file);
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let found = match c.name() {
                    "npm" => npm(&parse_args(c.args(), NPM)),
                    "yarn" => yarn(
                        c,
                        &parse_args(c.args(), YARN),
                        env_true(c, scopes.at(run.inst), "YARN_ENABLE_IMMUTABLE_INSTALLS"),
                    ),
                    "pnpm" => pnpm(&parse_args(c.args(), YARN)),
                    "cargo" => cargo(&parse_args(c.args(), CARGO)),
                    "bundle" | "bundler" => {
                        bundle_frozen |= sets_bundle_frozen(c);
                        let scope = scopes.at(run.inst);
                        let env = ["BUNDLE_FROZEN", "BUNDLE_DEPLOYMENT"].iter().any(|v| env_true(c, scope, v));
                        bundle(&parse_args(c.args(), BUNDLE), bundle_frozen || env)
                    }
                    "composer" => composer(&parse_args(c.args(), OptSpec { short: "d", long: &["working-dir"] })),
                    _ => c
                        .pip_args()
                        .and_then(|args| pip(args, || env_true(c, scopes.at(run.inst), "PIP_REQUIRE_HASHES"))),
                };
                if let Some(f) = found {
                    cx.report(self, c.span_to(f.last), f.message).help(f.help);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<String> {
        let src = format!("FROM node:22\n{src}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DD040"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    fn quiet(src: &str) {
        assert_eq!(hits(src), Vec::<String>::new(), "{src}");
    }

    #[test]
    fn npm() {
        assert_eq!(hits("RUN npm install"), ["npm install"]);
        assert_eq!(hits("RUN npm i --omit dev --no-audit"), ["npm i"]);
        assert_eq!(hits("ONBUILD RUN npm install"), ["npm install"]);
        quiet("RUN npm ci && npm install -g pm2@5 && npm run build && npm install lodash");
    }

    #[test]
    fn yarn_and_pnpm() {
        assert_eq!(hits("RUN yarn"), ["yarn"]);
        assert_eq!(hits("RUN yarn --production"), ["yarn"]);
        assert_eq!(hits("RUN yarn install --cwd app"), ["yarn install"]);
        assert_eq!(hits("RUN pnpm i --prod"), ["pnpm i"]);
        quiet("RUN yarn install --frozen-lockfile && yarn --immutable && yarn build && yarn add x && yarn --version");
        quiet("RUN YARN_ENABLE_IMMUTABLE_INSTALLS=true yarn install");
        quiet("ENV YARN_ENABLE_IMMUTABLE_INSTALLS=1\nRUN yarn install");
        quiet("RUN pnpm install --frozen-lockfile && pnpm add x && pnpm fetch");
    }

    #[test]
    fn cargo() {
        assert_eq!(hits("RUN cargo build --release"), ["cargo build"]);
        assert_eq!(hits("RUN cargo +nightly install --path ."), ["cargo +nightly install"]);
        assert_eq!(hits("RUN cargo install ripgrep --version 14.1.0"), ["cargo install"]);
        quiet("RUN cargo build --release --locked && cargo run --frozen && cargo test && cargo fetch");
    }

    #[test]
    fn pip_bundle_composer() {
        assert_eq!(hits("RUN pip install --no-cache-dir -r requirements.txt"), ["pip install"]);
        assert_eq!(hits("RUN python3 -m pip install -r req.txt"), ["python3 -m pip install"]);
        quiet("RUN pip install --require-hashes -r requirements.txt && pip install flask==3.0.0");
        quiet("RUN PIP_REQUIRE_HASHES=1 pip install -r requirements.txt");
        assert_eq!(hits("RUN bundle install --jobs 4"), ["bundle install"]);
        quiet("RUN bundle install --frozen && bundle install --deployment");
        quiet("RUN bundle config set --local deployment true && bundle install");
        quiet("ENV BUNDLE_FROZEN=true\nRUN bundle install");
        assert_eq!(hits("RUN composer update --no-dev"), ["composer update"]);
        quiet("RUN composer install --no-dev && composer require x/y:1.0 && composer update --dry-run");
    }

    #[test]
    fn message() {
        let src = "FROM rust:1\nRUN cargo install --path .\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD040"));
        assert_eq!(diags[0].message, "`cargo install` without `--locked` ignores the package's `Cargo.lock`");
    }
}
