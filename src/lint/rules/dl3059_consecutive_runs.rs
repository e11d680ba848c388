use super::commands::run_at;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::shell::{Nesting, SimpleCommand};
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds a `RUN` that directly follows another `RUN` (comments between
    /// them do not count) with the same flags, when each of the two runs a
    /// single command. Scripts of several commands are left alone: keeping
    /// them apart is most likely deliberate, for example to cache an expensive
    /// step. (hadolint's source says "more than two commands", but it counts
    /// each command twice, so in effect it also reports only single commands.)
    ///
    /// ## Why is this bad?
    /// Each `RUN` makes a layer. Short steps in a row add layers, and files one
    /// step creates and the next deletes stay in the image. Joining them with
    /// `&&` makes one layer and keeps related commands together.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## References
    /// hadolint DL3059 (same code and meaning).
    pub struct ConsecutiveRuns { code: "DL3059", name: "consecutive-runs", tag: None, severity: Info, fix: None }
}

/// A `RUN`'s flags, in a form that compares equal when they mean the same.
fn flag_key(inst: &Instruction) -> Vec<String> {
    let mut flags: Vec<String> = inst
        .flags
        .iter()
        .map(|f| format!("{}={}", f.name.to_ascii_lowercase(), f.value.as_deref().unwrap_or_default()))
        .collect();
    flags.sort();
    flags
}

/// Commands written in a script: not those inside an `sh -c` string, and not
/// `[ … ]` tests (conditions, not commands, to hadolint).
fn written_commands<'c>(cmds: impl IntoIterator<Item = &'c SimpleCommand>) -> usize {
    cmds.into_iter().filter(|c| c.nested != Nesting::ShC && !matches!(c.name(), "[" | "[[")).count()
}

impl Rule for ConsecutiveRuns {
    fn check_file(&self, cx: &mut Context<'_>) {
        let file = cx.file;
        let (runs, split) = (cx.run_scripts(), cx.word_split_runs());
        // Commands of the RUN at `i`, counted only for a RUN next to another (the rest are never compared).
        // A RUN in a stage whose shell is not POSIX (PowerShell, cmd) has no parsed script: its commands are
        // counted as shell words split them, as hadolint does. (Both lists are by instruction, in order; the
        // split one is asked first, as it won when both were gathered into one map.)
        let count_of = |i: usize| {
            let by_split = split.binary_search_by_key(&i, |(j, _)| *j).ok().and_then(|k| split.get(k));
            by_split
                .map(|(_, script)| written_commands(&script.commands))
                .or_else(|| run_at(&runs, i).map(|s| written_commands(s.commands().iter().map(|c| c.cmd))))
                .unwrap_or(1)
        };
        // The previous RUN (flags, command count, line), when nothing else came between.
        let mut previous: Option<(Vec<String>, usize, u32)> = None;
        for (i, inst) in file.instructions.iter().enumerate() {
            if inst.keyword != Keyword::Run {
                previous = None;
                continue;
            }
            // A RUN with no RUN right before or after it is compared with none.
            let next_is_run = file.instructions.get(i + 1).is_some_and(|n| n.keyword == Keyword::Run);
            if previous.is_none() && !next_is_run {
                continue;
            }
            let flags = flag_key(inst);
            let count = count_of(i);
            if let Some((prev_flags, prev_count, line)) = &previous
                && *prev_flags == flags
                && count <= 1
                && *prev_count <= 1
            {
                cx.report(self, inst.name_range, format!("`RUN` right after the `RUN` on line {line}"))
                    .help("join the two with `&&` into one `RUN`: one layer, and related commands stay together");
            }
            previous = Some((flags, count, inst.start_line));
        }
    }
}
