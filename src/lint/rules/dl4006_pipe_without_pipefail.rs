use super::commands::run_at;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::shell::Script;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds shell-form `RUN` scripts with a pipe (`a | b`) in stages whose
    /// `SHELL` does not set `-o pipefail`. A script that runs `set -o pipefail`
    /// (or `set -euo pipefail`) before its first pipe is accepted, and so are
    /// stages with a non-POSIX shell (PowerShell, `cmd`).
    ///
    /// ## Why is this bad?
    /// A pipeline's exit status is that of its last command. In
    /// `curl -fsSL https://example.com/key | gpg --dearmor -o key.gpg`, a failed
    /// download still lets the step succeed, and the build goes on with a broken
    /// key. With `pipefail`, any failing command fails the step.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSL https://example.com/key | gpg --dearmor -o /usr/share/keyrings/example.gpg
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// RUN curl -fsSL https://example.com/key | gpg --dearmor -o /usr/share/keyrings/example.gpg
    /// ```
    ///
    /// On Alpine, whose `/bin/sh` is `BusyBox` `ash`, use `SHELL ["/bin/ash", "-o", "pipefail", "-c"]`.
    ///
    /// ## References
    /// hadolint DL4006 (same code and meaning; hadolint does not look at `set -o pipefail`).
    pub struct PipeWithoutPipefail { code: "DL4006", name: "pipe-without-pipefail", tag: None, severity: Warning, fix: None }
}

/// Shells that are not POSIX: `SHELL` with one of them turns the rule off.
const NON_POSIX: &[&str] = &["pwsh", "powershell", "cmd"];

/// Whether a `SHELL` instruction turns the rule off for what follows: a
/// non-POSIX shell, or bash/zsh/ash with `-o pipefail`.
fn shell_is_safe(inst: &Instruction) -> bool {
    let words: Vec<&str> = inst.args.iter().map(|a| a.value.as_str()).collect();
    let Some(exe) = words.first() else { return false };
    let base = exe.rsplit(['/', '\\']).next().unwrap_or(exe).to_ascii_lowercase();
    let base = base.trim_end_matches(".exe");
    if NON_POSIX.contains(&base) {
        return true;
    }
    matches!(base, "bash" | "zsh" | "ash")
        && words.iter().any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('o'))
        && words.contains(&"pipefail")
}

/// Whether `set -o pipefail` runs before the command at `before`.
fn sets_pipefail_before(script: &Script, before: usize) -> bool {
    script.commands.iter().take(before).any(|c| {
        c.name() == "set"
            && c.argv.iter().any(|w| w.text.starts_with('-') && w.text.contains('o'))
            && c.argv.iter().any(|w| w.text == "pipefail")
    })
}

impl Rule for PipeWithoutPipefail {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let scripts = cx.run_scripts();
        for stage in &model.stages {
            let mut safe = false;
            for i in stage.body.clone() {
                let Some(inst) = file.instructions.get(i) else { continue };
                match inst.keyword {
                    Keyword::Shell => safe = shell_is_safe(inst),
                    Keyword::Run if !safe && !inst.json => {
                        let Some(run) = run_at(&scripts, i).filter(|r| !r.onbuild) else { continue };
                        let pipe = run.scripts.iter().find_map(|s| {
                            let first = s.script.pipelines.iter().filter_map(|p| p.first().copied()).min()?;
                            (!sets_pipefail_before(&s.script, first)).then_some((s, first))
                        });
                        let Some((script, first)) = pipe else { continue };
                        let Some(cmd) = script.script.commands.get(first) else { continue };
                        cx.report(self, script.source_range(cmd.range), "pipe in `RUN` without `pipefail`: only the last command's failure fails the step")
                            .help("add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before this `RUN` (`/bin/ash` on Alpine), or start the script with `set -o pipefail`");
                    }
                    _ => {}
                }
            }
        }
    }
}
