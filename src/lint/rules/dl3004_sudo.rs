use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `sudo` in `RUN` scripts, wherever it sits. `ONBUILD RUN` is
    /// checked too.
    ///
    /// ## Why is this bad?
    /// `sudo` asks for a TTY and a password in some configurations, changes the
    /// environment (`PATH`, `HOME`) under the command, and forwards signals in
    /// ways that surprise. In a build it is not needed at all: switch with
    /// `USER root` for the steps that need it and back afterwards. At run time,
    /// a tool such as `gosu` or `su-exec` drops privileges without these
    /// problems.
    ///
    /// ## Example
    /// ```dockerfile
    /// USER app
    /// RUN sudo apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// USER root
    /// RUN apt-get install -y curl
    /// USER app
    /// ```
    ///
    /// ## References
    /// hadolint DL3004 (same code and meaning); Trivy DS010; Checkov `CKV2_DOCKER_1`.
    pub struct Sudo { code: "DL3004", name: "sudo", tag: None, severity: Error, fix: None }
}

impl Rule for Sudo {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.cmd.name() != "sudo" {
                    continue;
                }
                let range = c.cmd.argv.first().map_or_else(|| c.range(), |w| c.word_range(w));
                cx.report(self, range, "`sudo` in `RUN`")
                    .help("switch with `USER root` before the step (and back after it); use `gosu` to drop privileges at run time");
            }
        }
    }
}
