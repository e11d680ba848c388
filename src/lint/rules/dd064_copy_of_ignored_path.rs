use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `COPY` and `ADD` sources that the build context's `.dockerignore`
    /// excludes, with BuildKit's matching: the last matching pattern wins and `!`
    /// exceptions re-include. Sources with glob characters, URLs, heredocs and
    /// `--from` copies are not checked.
    ///
    /// ## Why is this bad?
    /// An excluded source is not in the build context, so the build fails with
    /// "not found", or a glob silently copies nothing. Either the pattern is too
    /// broad or the `COPY` names the wrong path. BuildKit's own
    /// `CopyIgnoredFile` check skips every `.dockerignore` that has a `!`
    /// exception; this rule handles them.
    ///
    /// ## Example
    /// ```dockerfile
    /// # .dockerignore contains: config
    /// COPY config/app.yaml /etc/app/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # .dockerignore contains: config
    /// #                         !config/app.yaml
    /// COPY config/app.yaml /etc/app/
    /// ```
    pub struct CopyOfIgnoredPath { code: "DD064", name: "copy-of-ignored-path", tag: Some(Tag::Dockerignore), severity: Error, fix: None }
}

fn checkable(src: &str) -> Option<String> {
    let lower = src.to_ascii_lowercase();
    if src.is_empty()
        || src.starts_with("<<")
        || src.contains('$')
        || src.contains(['*', '?', '['])
        || lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("git@")
    {
        return None;
    }
    let trimmed = src.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
    (!trimmed.is_empty() && trimmed != ".").then(|| trimmed.to_string())
}

impl Rule for CopyOfIgnoredPath {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            return;
        }
        let Some(ignore) = cx.dockerignore else { return };
        for src in super::dd050_whole_context_copy::sources(inst) {
            let Some(path) = checkable(&src.value) else { continue };
            // `excludes` is this pattern's verdict: one lookup gives both.
            let Some(p) = ignore.last_match(&path).filter(|p| !p.negated) else { continue };
            let why = format!("pattern `{}` on line {} of `.dockerignore`", p.text, p.line);
            cx.report(self, src.range, format!("`{}` is excluded from the build context by {why}", src.value))
                .help(format!("narrow the pattern, or add `!{path}` after it to re-include the path"));
        }
    }
}
