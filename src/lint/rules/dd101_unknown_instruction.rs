use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds instructions BuildKit does not know, such as a misspelt `COPPY` or
    /// a shell command that lost its `RUN`.
    ///
    /// ## Why is this bad?
    /// BuildKit's parser accepts any word as an instruction, but the build fails
    /// with "unknown instruction" when it reaches it. This is BuildKit's own error;
    /// drydock reports it before anyone waits for a build.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// COPPY app /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// COPY app /app
    /// ```
    pub struct UnknownInstruction { code: "DD101", name: "unknown-instruction", tag: None, severity: Error, fix: None }
}

impl Rule for UnknownInstruction {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let target = inst.sub.as_deref().unwrap_or(inst);
        if target.keyword != Keyword::Unknown || target.name.is_empty() {
            return;
        }
        let upper = target.name.to_ascii_uppercase();
        let diag = cx.report(self, target.name_range, format!("unknown instruction `{}`", target.name));
        if let Some(best) = closest(&upper) {
            diag.help(format!("did you mean `{best}`?"));
        } else {
            diag.help("instructions are FROM, RUN, COPY, ADD, ENV, ARG, … ; a shell command needs `RUN` in front");
        }
    }
}

/// The known keyword within edit distance 2 of `word`, if any.
fn closest(word: &str) -> Option<&'static str> {
    let len = word.chars().count();
    Keyword::KNOWN
        .iter()
        // The distance is at least the difference in length: most words are skipped without computing it.
        .filter(|k| len.abs_diff(k.as_str().len()) <= 2)
        .map(|k| (distance(word, k.as_str()), k.as_str()))
        .filter(|&(d, _)| d <= 2)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    // Two rows, swapped, instead of a new row per character.
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}
