use super::commands::run_at;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::shell;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds `cd` in `RUN` scripts, wherever it sits (after `&&`, in a
    /// subshell, in `sh -c`). `ONBUILD RUN` is checked too, and so are `RUN`s
    /// in stages whose shell is PowerShell or `cmd`, where `cd` lasts no longer.
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
        let file = cx.file;
        let runs = cx.run_scripts();
        // RUNs of stages with a non-POSIX shell have no parsed script; their
        // words are split as a shell would, which finds a leading `cd`.
        for (i, inst) in file.instructions.iter().enumerate() {
            if inst.keyword != Keyword::Run || inst.json || run_at(&runs, i).is_some() {
                continue;
            }
            let Some(arg) = inst.args.first() else { continue };
            if shell::parse_script(&arg.value).commands.iter().any(|c| c.name().eq_ignore_ascii_case("cd")) {
                cx.report(self, inst.name_range, "`cd` in `RUN` instead of `WORKDIR`")
                    .help("set the directory with `WORKDIR` before this `RUN`; a `cd` lasts for one `RUN` only");
            }
        }
        for run in runs.iter() {
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
