use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::diagnostic::Severity;

declare_rule! {
    /// ## What it does
    /// Finds `.dockerignore` patterns that `BuildKit` rejects (Go's
    /// `filepath.Match` grammar: an unclosed `[`, a trailing `\`, a lone `!`)
    /// and patterns that can never match a file of the build context: paths
    /// that climb out of it (`../secrets`) and `.`, which names the context
    /// root (never excluded).
    ///
    /// ## Why is this bad?
    /// A pattern `BuildKit` rejects fails every build that uses the file
    /// (`error from sender: syntax error in pattern`). A pattern that escapes
    /// the context excludes nothing: the context is all the builder ever
    /// sees, so whatever the author meant to keep out is still sent.
    ///
    /// ## Example
    /// ```text
    /// [abc
    /// ../secrets
    /// .
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// \[abc
    /// secrets
    /// *
    /// ```
    pub struct DockerignorePatternNeverMatches { code: "DD201", name: "dockerignore-pattern-never-matches", tag: Some(Tag::Dockerignore), severity: Error, fix: None, target: DockerIgnore }
}

impl Rule for DockerignorePatternNeverMatches {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        for pat in &ignore.patterns {
            // A stray comment is DD200's finding, not a broken pattern.
            if pat.inline_comment.is_some() {
                continue;
            }
            if let Some(error) = &pat.error {
                cx.report(self, pat.range, format!("`{}` is not a valid pattern: BuildKit fails the build", pat.text))
                    .help(error.clone());
                continue;
            }
            let escapes = pat.pattern == ".." || pat.pattern.starts_with("../");
            if escapes || pat.pattern == "." {
                let (message, help) = if escapes {
                    (
                        format!("`{}` points outside the build context, so it never matches", pat.text),
                        "patterns are relative to the context root; remove the `..` or move the file out of the context",
                    )
                } else {
                    (
                        format!("`{}` names the context root, which is never excluded", pat.text),
                        "use `*` to exclude everything, then `!` the files the build needs",
                    )
                };
                cx.report(self, pat.range, message).help(help).severity = Severity::Warning;
            }
        }
    }
}
