use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `RUN` commands that make no sense while an image is built:
    /// `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill` and
    /// `mount`, wherever they sit in the script (after `&&`, in a pipeline, in
    /// a subshell, behind `sudo`). `ONBUILD RUN` is checked too.
    ///
    /// ## Why is this bad?
    /// A build step runs once, without a terminal and without an init system:
    /// there is no service to start or stop, no process worth listing or
    /// killing, no editor session and nothing to mount for later. Such a
    /// command either does nothing useful or hides what was meant (starting a
    /// daemon belongs in `CMD`/`ENTRYPOINT`; fetching over `ssh` belongs in
    /// `RUN --mount=type=ssh` with a tool that uses it).
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get install -y nginx && service nginx start
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get install -y nginx
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// ## References
    /// hadolint DL3001 (same code, severity and command list).
    pub struct PointlessCommand { code: "DL3001", name: "pointless-command", tag: None, severity: Info, fix: None }
}

/// Commands that have no use during a build.
const POINTLESS: &[&str] = &["free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim"];

impl Rule for PointlessCommand {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let name = c.name();
                if !POINTLESS.contains(&name) {
                    continue;
                }
                cx.report(self, c.span_to(None), format!("`{name}` makes no sense while an image is built")).help(
                    match name {
                        "service" => "start long-running programs from `CMD` or `ENTRYPOINT`, not in a build step",
                        "ssh" => "fetch what you need with `RUN --mount=type=ssh` and `git`/`scp`, or copy it in",
                        _ => "remove the command: the build step runs once, without a terminal or running services",
                    },
                );
            }
        }
    }
}
