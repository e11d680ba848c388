use super::commands::{ends_with_ci, is_dynamic, list, parse_args};
use super::tool_options::PIP;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `pip install` commands (also `pip3`, `python -m pip` and `uv pip`)
    /// that name packages without a version specifier (`==`, `~=`, `>=`, `<`,
    /// `!=` …). Installs from requirement files (`-r`/`--requirement`), with a
    /// constraints file (`-c`/`--constraint`) or of the current project (`.`)
    /// are left alone, as are local wheels and sdists (`.whl`, `.tar.gz`),
    /// paths and URLs, VCS requirements pinned to a revision
    /// (`git+https://…/repo.git@v1.2`), option values (`--index-url URL`,
    /// `-e PATH`) and words built from variables. `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// An unpinned package installs whatever is newest on the index at build
    /// time, so rebuilding the same Dockerfile can produce a different image,
    /// or one that no longer works. The standard asks for dependency versions
    /// to be locked at build time (`requirements.txt` with pinned versions).
    /// Whether a requirement file is hashed is DD040's business.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask gunicorn
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask==3.0.3 gunicorn==23.0.0
    /// ```
    ///
    /// ## References
    /// hadolint DL3013 (same code and meaning; a VCS URL counts as pinned here
    /// only when the `@revision` follows the repository path, not a user name).
    pub struct UnpinnedPipPackage { code: "DL3013", name: "unpinned-pip-package", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// Version-control schemes pip understands.
const VCS: &[&str] = &["git+", "git://", "hg+", "svn+", "svn://", "bzr+"];

/// Version specifiers of PEP 440 (`===` and `==` included through `=`).
const SPECIFIERS: &[&str] = &["==", ">=", "<=", ">", "<", "!=", "~="];

/// A requirement that is pinned, local, or unknown to a linter.
fn acceptable(req: &str) -> bool {
    // PEP 508 direct reference: `name @ url`.
    let req = req.rsplit(" @ ").next().unwrap_or(req).trim();
    if is_dynamic(req) || SPECIFIERS.iter().any(|s| req.contains(s)) {
        return true;
    }
    let lower = req.to_ascii_lowercase();
    if VCS.iter().any(|v| lower.starts_with(v)) {
        // `git+https://host/org/repo.git@v1.2#egg=x`: the revision follows the
        // last path segment (an `@` before it is a user name).
        let last = req.split('#').next().unwrap_or(req).rsplit('/').next().unwrap_or(req);
        return last.contains('@');
    }
    [".whl", ".tar.gz", ".tgz", ".zip"].iter().any(|e| ends_with_ci(req, e))
        || req.contains('/')
        || req.starts_with('.')
}

impl Rule for UnpinnedPipPackage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let Some(args) = c.pip_args() else { continue };
                let p = parse_args(args, PIP);
                let Some((sub, reqs)) = p.operands.split_first() else { continue };
                if sub.text != "install" || p.has(&["r", "requirement", "c", "constraint"]) {
                    continue;
                }
                let unpinned: Vec<_> = reqs.iter().filter(|w| !acceptable(&w.text)).collect();
                let Some(first) = unpinned.first() else { continue };
                let names: Vec<&str> = unpinned.iter().map(|w| w.text.as_str()).collect();
                cx.report(self, c.word_range(first), format!("`pip install` of {} without a version pin", list(&names)))
                    .help(format!(
                        "pin each package as `name==version`, e.g. `{}==<version>`, or install from a pinned requirements file",
                        first.text
                    ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{LintInput, Settings, check};

    fn hits(run: &str) -> Vec<String> {
        let src = format!("FROM python:3.12\n{run}\n");
        let diags = check(&LintInput::dockerfile("Dockerfile", &src), &Settings::only("DL3013"));
        diags.iter().map(|d| d.range.slice(&src).to_string()).collect()
    }

    #[test]
    fn fires() {
        for (run, word) in [
            ("RUN pip2 install MySQL_python", "MySQL_python"),
            ("RUN pip3 install MySQL_python", "MySQL_python"),
            ("ONBUILD RUN pip install MySQL_python", "MySQL_python"),
            ("RUN python -m pip install example", "example"),
            ("RUN python3 -m pip install --index-url url example", "example"),
            (
                "RUN pip install git+https://github.com/rtfd/read-ext.git#egg=read-ext",
                "git+https://github.com/rtfd/read-ext.git#egg=read-ext",
            ),
            ("RUN pip install git+ssh://git@github.com/org/repo.git", "git+ssh://git@github.com/org/repo.git"),
            ("RUN pip install --upgrade pip setuptools==70.0.0", "pip"),
            ("RUN uv pip install --system httpx", "httpx"),
            ("RUN pip install 'uvicorn[standard]'", "'uvicorn[standard]'"),
        ] {
            assert_eq!(hits(run), [word], "{run}");
        }
    }

    #[test]
    fn quiet() {
        for run in [
            "RUN pip3 install MySQL_python==1.2.2",
            "RUN pip3 install mypkg.whl && pip3 install mypkg.tar.gz",
            "RUN pip install -r requirements.txt && pip install --requirement requirements.txt",
            "RUN pip install . && pip install -e . && pip install '.[dev]'",
            "RUN pip install MySQL_python~=1.2.2 'alabaster>=0.7' 'alabaster<0.7' 'alabaster!=0.7' x===1",
            "RUN pip install --ignore-installed --build /opt/y --prefix /opt/y --root /o --target /t --trusted-host h y==1.20.0",
            "RUN pip install git+https://github.com/rtfd/r-ext.git@0.6-alpha#egg=r-ext",
            "RUN pip install MySQL_python==1.2.2 --user --disable-pip-version-check --no-cache-dir",
            "RUN pip install --index-url https://user:pass@eg.com/foo --extra-index-url https://ex-eg.io/foo foobar==1.0.0",
            "RUN pip install pykafka --constraint http://foo.bar.baz && pip install pykafka -c c.txt",
            "RUN pip install \"$PKG\" \"name @ https://example.com/name-1.0.tar.gz\" https://example.com/x.zip",
            "RUN pip download flask && pip uninstall -y flask && python setup.py install",
        ] {
            assert_eq!(hits(run), Vec::<String>::new(), "{run}");
        }
    }

    #[test]
    fn message_lists_packages() {
        let src = "FROM python:3.12\nRUN pip install flask==3 gunicorn celery\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3013"));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "`pip install` of `gunicorn` and `celery` without a version pin");
    }
}
