use super::commands;
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `cd` in `RUN` scripts, wherever it sits (after `&&`, in a
    /// subshell, in `sh -c`). `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// A `cd` lasts for one `RUN`: the next instruction starts again in the
    /// `WORKDIR`. Scripts that `cd` around are harder to follow, and the
    /// directory a later `COPY` or `CMD` uses is not the one the reader just
    /// saw. `WORKDIR` sets the directory for every following instruction and
    /// creates it when missing.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN cd /usr/src/app && npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// WORKDIR /usr/src/app
    /// RUN npm ci
    /// ```
    ///
    /// ## References
    /// hadolint DL3003 (same code and meaning); Trivy DS013.
    pub struct CdInsteadOfWorkdir { code: "DL3003", name: "cd-instead-of-workdir", tag: None, severity: Warning, fix: None }
}

impl Rule for CdInsteadOfWorkdir {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for run in commands::run_scripts(file, model) {
            for c in run.commands() {
                if c.name() != "cd" {
                    continue;
                }
                let dir = c.args().first().map_or("/app", |w| w.text.as_str());
                cx.report(self, c.span_to(c.args().first()), "`cd` in `RUN` instead of `WORKDIR`")
                    .help(format!("set the directory with `WORKDIR {dir}` before this `RUN`"));
            }
        }
    }
}
