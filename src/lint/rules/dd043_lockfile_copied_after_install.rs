use crate::lint::HashMap;

use super::commands::RunCmd;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::{Base, Model};
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds a dependency install that runs after its manifest was copied in
    /// on its own, before its lockfile: `COPY package.json ./` then `RUN npm
    /// ci` with no `package-lock.json` copied yet. Checked: npm
    /// (`package-lock.json` or `npm-shrinkwrap.json`), yarn (`yarn.lock`),
    /// pnpm (`pnpm-lock.yaml`), poetry (`poetry.lock`), uv (`uv.lock`),
    /// pipenv (`Pipfile.lock`), bundler (`Gemfile.lock`), composer
    /// (`composer.lock`), cargo (`Cargo.lock`) and `go mod download`
    /// (`go.sum`).
    ///
    /// Any earlier copy that could bring the lockfile along (a directory, a
    /// glob such as `package*.json`, a `COPY --from`) or a bind mount on the
    /// install's RUN keeps the rule quiet.
    ///
    /// ## Why is this bad?
    /// Without its lockfile the install resolves versions afresh, so the
    /// image does not hold what the lockfile pins and two builds can differ;
    /// `npm ci` and `pnpm install --frozen-lockfile` fail outright. Copying
    /// the lockfile later (with the sources) is too late: the install has
    /// already run. Copy the manifest and the lockfile together, before the
    /// install, which also keeps the install's layer cached until either
    /// changes.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY package.json ./
    /// RUN npm ci
    /// COPY . .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY package.json package-lock.json ./
    /// RUN npm ci
    /// COPY . .
    /// ```
    pub struct LockfileCopiedAfterInstall { code: "DD043", name: "lockfile-copied-after-install", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// An install's manifest and the lockfiles that pin it.
struct Ecosystem {
    manifest: &'static str,
    lockfiles: &'static [&'static str],
}

const NPM: Ecosystem = Ecosystem { manifest: "package.json", lockfiles: &["package-lock.json", "npm-shrinkwrap.json"] };
const YARN: Ecosystem = Ecosystem { manifest: "package.json", lockfiles: &["yarn.lock"] };
const PNPM: Ecosystem = Ecosystem { manifest: "package.json", lockfiles: &["pnpm-lock.yaml"] };
const POETRY: Ecosystem = Ecosystem { manifest: "pyproject.toml", lockfiles: &["poetry.lock"] };
const UV: Ecosystem = Ecosystem { manifest: "pyproject.toml", lockfiles: &["uv.lock"] };
const PIPENV: Ecosystem = Ecosystem { manifest: "Pipfile", lockfiles: &["Pipfile.lock"] };
const BUNDLER: Ecosystem = Ecosystem { manifest: "Gemfile", lockfiles: &["Gemfile.lock"] };
const COMPOSER: Ecosystem = Ecosystem { manifest: "composer.json", lockfiles: &["composer.lock"] };
const CARGO: Ecosystem = Ecosystem { manifest: "Cargo.toml", lockfiles: &["Cargo.lock"] };
const GO: Ecosystem = Ecosystem { manifest: "go.mod", lockfiles: &["go.sum"] };

/// The ecosystem whose lockfile the command installs from, if any.
fn ecosystem(c: &RunCmd<'_>) -> Option<&'static Ecosystem> {
    let name = c.name();
    // Most commands are none of these: they need not look at their arguments.
    if !matches!(
        name,
        "npm" | "yarn" | "pnpm" | "poetry" | "uv" | "pipenv" | "bundle" | "bundler" | "composer" | "cargo" | "go"
    ) {
        return None;
    }
    let args = c.args().iter().map(|w| w.text.as_str());
    let mut operands = args.clone().filter(|a| !a.starts_with('-'));
    let sub = operands.next();
    // The second operand: `install` alone (one operand) installs from the lockfile.
    let second = operands.next();
    let alone = sub.is_some() && second.is_none();
    match name {
        "npm" => match sub {
            Some("ci" | "clean-install") => Some(&NPM),
            Some("install" | "i") if alone => Some(&NPM),
            _ => None,
        },
        "yarn" => match sub {
            None if args.clone().all(|a| a.starts_with("--") && !matches!(a, "--version" | "--help")) => Some(&YARN),
            Some("install") => Some(&YARN),
            _ => None,
        },
        "pnpm" => match sub {
            Some("install" | "i") if alone => Some(&PNPM),
            _ => None,
        },
        "poetry" => (sub == Some("install")).then_some(&POETRY),
        "uv" => (sub == Some("sync")).then_some(&UV),
        "pipenv" => matches!(sub, Some("install" | "sync")).then_some(&PIPENV),
        "bundle" | "bundler" => (sub == Some("install") || sub.is_none()).then_some(&BUNDLER),
        "composer" => (sub == Some("install")).then_some(&COMPOSER),
        "cargo" => matches!(sub, Some("build" | "fetch")).then_some(&CARGO),
        "go" => (sub == Some("mod") && second == Some("download")).then_some(&GO),
        _ => None,
    }
}

/// Where one ecosystem's manifest and lockfile arrive, per stage.
struct EcoIndex {
    /// The first instruction of each stage's body that copies the manifest.
    first_manifest: Vec<Option<usize>>,
    /// The instructions of each stage's body that may copy a lockfile, in order.
    locks: Vec<Vec<usize>>,
    /// Whether a stage the stage is built FROM (at any depth) copies the manifest, or a lockfile.
    inherited: Vec<(bool, bool)>,
}

impl EcoIndex {
    fn new(model: &Model, sources: &[Option<Sources>], eco: &Ecosystem) -> Self {
        let is_lock = |n: &String| eco.lockfiles.iter().any(|l| n == l || glob_match(n, l));
        let mut first_manifest = Vec::with_capacity(model.stages.len());
        let mut locks = Vec::with_capacity(model.stages.len());
        let mut inherited: Vec<(bool, bool)> = Vec::with_capacity(model.stages.len());
        for (s, stage) in model.stages.iter().enumerate() {
            let copies = || stage.body.clone().filter_map(|i| Some((i, sources.get(i)?.as_ref()?)));
            first_manifest.push(copies().find_map(|(i, src)| match src {
                Sources::Files(names) if names.iter().any(|n| n == eco.manifest) => Some(i),
                _ => None,
            }));
            locks.push(
                copies()
                    .filter(|(_, src)| match src {
                        Sources::Anything => true,
                        Sources::Files(names) => names.iter().any(is_lock),
                    })
                    .map(|(i, _)| i)
                    .collect::<Vec<usize>>(),
            );
            // Stages are built only on earlier ones.
            let from_parent = match stage.base {
                Base::Stage(p) if p < s => inherited.get(p).copied().map(|(m, l)| {
                    (
                        m || first_manifest.get(p).is_some_and(Option::is_some),
                        l || locks.get(p).is_some_and(|v: &Vec<usize>| !v.is_empty()),
                    )
                }),
                _ => None,
            };
            inherited.push(from_parent.unwrap_or((false, false)));
        }
        Self { first_manifest, locks, inherited }
    }

    /// Whether the manifest, and a lockfile, arrive before instruction `at` of `stage`.
    fn before(&self, stage: usize, at: usize) -> (bool, bool) {
        let (manifest, lock) = self.inherited.get(stage).copied().unwrap_or((false, false));
        let own_manifest = self.first_manifest.get(stage).copied().flatten().is_some_and(|i| i < at);
        let own_lock = self.locks.get(stage).and_then(|v| v.first()).is_some_and(|&i| i < at);
        (manifest || own_manifest, lock || own_lock)
    }

    /// The first instruction of `stage` after `at` that may copy a lockfile.
    fn lock_after(&self, stage: usize, at: usize) -> Option<usize> {
        let locks = self.locks.get(stage)?;
        locks.get(locks.partition_point(|&i| i <= at)).copied()
    }
}

/// What one COPY or ADD brings in from the context.
enum Sources {
    /// Files named exactly (basenames).
    Files(Vec<String>),
    /// Something that may hold any file (a directory, another stage, a variable).
    Anything,
}

fn copy_sources(inst: &Instruction) -> Option<Sources> {
    if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
        return None;
    }
    if inst.flag("from").is_some() {
        return Some(Sources::Anything);
    }
    let (_, sources) = inst.args.split_last()?;
    let mut names = Vec::new();
    for s in sources {
        let v = s.value.trim_matches(['"', '\'']);
        if v.starts_with("<<") || v.contains("://") {
            continue;
        }
        let base = v.trim_end_matches('/').rsplit('/').next().unwrap_or(v);
        let dir_like = v.ends_with('/') || base.is_empty() || base == "." || base == ".." || !base.contains('.');
        if dir_like || v.contains('$') || v.contains('[') || v.contains('{') {
            return Some(Sources::Anything);
        }
        names.push(base.to_string());
    }
    Some(Sources::Files(names))
}

/// `*` and `?` glob match of a basename.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

impl Rule for LockfileCopiedAfterInstall {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut found: Vec<(TextRange, String, &'static str, Option<u32>)> = Vec::new();
        // What each instruction copies, and per ecosystem where its files arrive: built once per file, so a
        // file of many installs and COPYs stays linear.
        let mut sources: Option<Vec<Option<Sources>>> = None;
        let mut indexes: HashMap<&'static str, EcoIndex> = HashMap::default();
        for run in cx.run_scripts().iter() {
            if run.onbuild {
                continue;
            }
            let Some(inst) = file.instructions.get(run.inst) else { continue };
            let bind_mount = inst.flags.iter().any(|f| {
                f.name.eq_ignore_ascii_case("mount") && f.value.as_deref().is_some_and(|v| v.contains("type=bind"))
            });
            if bind_mount {
                continue;
            }
            let Some(stage) = model.stage_of.get(run.inst).copied().flatten() else { continue };
            // Only a package install looks at the other instructions of the stage: skip the
            // (per-RUN, whole-stage) lists below for the RUNs that have none.
            if !run.commands().iter().any(|c| ecosystem(c).is_some()) {
                continue;
            }
            for c in run.commands() {
                let Some(eco) = ecosystem(c) else { continue };
                let index = indexes.entry(eco.lockfiles[0]).or_insert_with(|| {
                    let sources = sources.get_or_insert_with(|| file.instructions.iter().map(copy_sources).collect());
                    EcoIndex::new(model, sources, eco)
                });
                // COPYs before the RUN: the stage's, and all of those of the stages it is built FROM.
                let (manifest, lockfile) = index.before(stage, run.inst);
                if !manifest || lockfile {
                    continue;
                }
                let later =
                    index.lock_after(stage, run.inst).and_then(|i| file.instructions.get(i)).map(|i| i.start_line);
                let last = c.args().iter().find(|w| !w.text.starts_with('-'));
                let shown: Vec<&str> = std::iter::once(c.name()).chain(last.map(|w| w.text.as_str())).collect();
                found.push((c.span_to(last), shown.join(" "), eco.lockfiles[0], later));
            }
        }
        for (range, cmd, lockfile, later) in found {
            let when = later.map_or_else(
                || "no earlier COPY brings it in".to_string(),
                |line| format!("it is copied only on line {line}, after the install"),
            );
            cx.report(self, range, format!("`{cmd}` runs without `{lockfile}`: {when}"))
                .help(format!("copy `{lockfile}` together with the manifest, before the install"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("package*.json", "package-lock.json"));
        assert!(glob_match("*.lock", "yarn.lock"));
        assert!(glob_match("yarn.loc?", "yarn.lock"));
        assert!(!glob_match("package.json", "package-lock.json"));
    }
}
