use super::commands::parse_args;
use super::run_fix::{has_cache_mount, insert_after, is_truthy};
use super::tool_options::PIP;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::Fix;

declare_rule! {
    /// ## What it does
    /// Finds `pip install` (also `pip3`, `python -m pip`) without
    /// `--no-cache-dir`. It stays quiet when `PIP_NO_CACHE_DIR` is set to a
    /// true value by an `ENV` of the stage (or a stage it builds on) or in the
    /// RUN itself, when the RUN has a cache (or tmpfs) mount on `.cache/pip`,
    /// and for `pipx` and `pipenv`, as hadolint does. `ONBUILD RUN` and
    /// exec-form RUN are checked too.
    ///
    /// ## Why is this bad?
    /// pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an
    /// image that cache is never used again, but it stays in the layer and can
    /// double the size of a Python image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `--no-cache-dir` after `install` and is safe: pip
    /// installs the same packages, it only neither reads nor writes its
    /// cache. No fix is offered when `install` is not written verbatim.
    ///
    /// ## References
    /// hadolint DL3042 (same code, severity and meaning).
    pub struct PipInstallWithCache { code: "DL3042", name: "pip-install-with-cache", tag: None, severity: Warning, fix: Safe }
}

const VAR: &str = "PIP_NO_CACHE_DIR";

impl Rule for PipInstallWithCache {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model, src) = (cx.file, cx.model, cx.src);
        for run in cx.run_scripts().iter() {
            // Only pip commands are reported: the checks below are for RUNs that have one (few do).
            if !run.commands().iter().any(|c| c.pip_args().is_some()) {
                continue;
            }
            let Some(inst) = file.instructions.get(run.inst) else { continue };
            if has_cache_mount(inst, ".cache/pip") {
                continue;
            }
            if run.scripts.iter().any(|s| sets_var(&s.text)) {
                continue;
            }
            // The stage's ENV, looked up once and only when a pip install needs it.
            let mut env_set = None;
            for c in run.commands() {
                let Some(args) = c.pip_args() else { continue };
                if c.name() == "uv" {
                    continue; // `uv pip` has its own `--no-cache`
                }
                let parsed = parse_args(args, PIP);
                let Some(sub) = parsed.operands.first().filter(|w| w.text == "install") else { continue };
                if parsed.has(&["no-cache-dir"]) || c.assignment(VAR).is_some_and(is_truthy) {
                    continue;
                }
                if *env_set.get_or_insert_with(|| model.scope_at(file, run.inst).get(VAR).is_some_and(|v| is_truthy(v)))
                {
                    break;
                }
                let diag = cx
                    .report(self, c.span_to(Some(sub)), "`pip install` keeps its download cache in the image")
                    .help("add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`, or use a cache mount on `/root/.cache/pip`)");
                if let Some(edit) = insert_after(src, c, sub, "--no-cache-dir") {
                    diag.fix(Fix::safe([edit]));
                }
            }
        }
    }
}

/// Whether a script sets `PIP_NO_CACHE_DIR` to a true value anywhere (hadolint
/// searches the RUN text the same way).
fn sets_var(script: &str) -> bool {
    script.match_indices("PIP_NO_CACHE_DIR=").any(|(at, m)| {
        let rest = script.get(at + m.len()..).unwrap_or_default();
        let value = rest.split([' ', '\t', '\n', ';', '&', '|']).next().unwrap_or_default();
        is_truthy(value)
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    fn hits(src: &str) -> Vec<String> {
        let src = format!("FROM python:3.12\n{src}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3042"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(hits("RUN pip install MySQL_python"), ["pip install"]);
        assert_eq!(hits("RUN pip3 install -r requirements.txt"), ["pip3 install"]);
        assert_eq!(hits("RUN python3 -m pip install x"), ["python3 -m pip install"]);
        assert_eq!(hits("ENV PIP_NO_CACHE_DIR=0\nRUN pip install x"), ["pip install"]);
        for quiet in [
            "RUN pip install --no-cache-dir x",
            "RUN pip --no-cache-dir install x",
            "ENV PIP_NO_CACHE_DIR=1\nRUN pip install x",
            "FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=true\nFROM base\nRUN pip install x",
            "RUN PIP_NO_CACHE_DIR=1 pip install x",
            "RUN export PIP_NO_CACHE_DIR=yes && pip install x",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install x",
            "RUN pipx install black",
            "RUN python -m pipenv install",
            "RUN pip download x",
            "RUN uv pip install x",
        ] {
            assert_eq!(hits(quiet), Vec::<String>::new(), "{quiet}");
        }
    }

    #[test]
    fn fix_inserts_after_install() {
        let src = "FROM python:3.12\nRUN pip install -U pip && python -m pip install -r req.txt\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3042"));
        let (fixed, n) = apply_safe_fixes(src, &diags);
        assert_eq!(n, 2);
        assert_eq!(
            fixed,
            "FROM python:3.12\nRUN pip install --no-cache-dir -U pip && python -m pip install --no-cache-dir -r req.txt\n"
        );
    }
}
