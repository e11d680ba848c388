use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `ln` commands in `RUN` scripts that name `/bin/sh`, the usual way
    /// to make `/bin/sh` point at another shell (`ln -sf /bin/bash /bin/sh`).
    ///
    /// ## Why is this bad?
    /// Replacing `/bin/sh` changes the shell of every program in the image that
    /// runs `sh`, not only of the following `RUN` instructions, and breaks
    /// scripts that rely on the original shell. The `SHELL` instruction changes
    /// the shell `RUN` uses and nothing else.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN ln -sf /bin/bash /bin/sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// ```
    ///
    /// ## References
    /// hadolint DL4005 (same code and meaning).
    pub struct LnBinSh { code: "DL4005", name: "ln-bin-sh", tag: None, severity: Warning, fix: None }
}

impl Rule for LnBinSh {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "ln" {
                    continue;
                }
                let Some(target) = c.args().iter().find(|w| w.text == "/bin/sh") else { continue };
                cx.report(self, c.span_to(Some(target)), "`ln` replaces `/bin/sh` for every program in the image")
                    .help("use the `SHELL` instruction to change the shell `RUN` uses, e.g. `SHELL [\"/bin/bash\", \"-c\"]`");
            }
        }
    }
}
