use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds a `#` comment written after a `.dockerignore` pattern
    /// (`node_modules # deps`), or a comment line that does not start in the
    /// first column (`  # build output`).
    ///
    /// ## Why is this bad?
    /// `BuildKit` treats a line as a comment only when its very first character
    /// is `#`. Anywhere else, `#` and everything after it are part of the
    /// pattern, so `node_modules # deps` excludes a file literally named
    /// `node_modules # deps` and `node_modules` itself goes into the build
    /// context. Nothing warns about it (hadolint issue #813).
    ///
    /// ## Example
    /// ```text
    /// node_modules # dependencies
    ///   # build output
    /// dist
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// # dependencies
    /// node_modules
    /// # build output
    /// dist
    /// ```
    ///
    /// ## Fix safety
    /// The fix deletes the trailing comment and the blanks before it, or, for an
    /// indented comment line, the indentation. It changes what the file
    /// excludes, on purpose: it is safe unless a file in the context really is
    /// named with a ` #` in it, which is why the finding names the pattern that
    /// will be left.
    pub struct DockerignoreInlineComment { code: "DD200", name: "dockerignore-inline-comment", tag: Some(Tag::Dockerignore), severity: Warning, fix: Safe, target: DockerIgnore }
}

impl Rule for DockerignoreInlineComment {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        let src = cx.src;
        for pat in &ignore.patterns {
            let Some(comment) = pat.inline_comment else { continue };
            let before = src.get(pat.range.start as usize..comment.start as usize).unwrap_or_default();
            let kept = before.trim_end();
            let kept_bare = kept.strip_prefix('!').map_or(kept, str::trim);
            if kept_bare.is_empty() {
                // The whole line is a comment that does not start in column 1
                // (or `! # …`): make it a real comment.
                let line_start = src.get(..pat.range.start as usize).map_or(0, |s| s.rfind('\n').map_or(0, |i| i + 1));
                let edit = Edit::replace(TextRange::new(to_u32(line_start), comment.start), "");
                let text = comment.slice(src);
                cx.report(self, comment, format!("`{text}` is a pattern, not a comment: `#` must start the line"))
                    .help("start the comment in the first column")
                    .fix(Fix::safe([edit]));
                continue;
            }
            let cut = TextRange::new(pat.range.start + to_u32(kept.len()), comment.end);
            cx.report(
                self,
                comment,
                format!("`{}` is part of the pattern, so `{kept}` is not excluded", comment.slice(src)),
            )
            .help(format!("move the comment to its own line above `{kept}`; `#` starts a comment only in column 1"))
            .fix(Fix::safe([Edit::delete(cut)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{FileKind, LintInput, Settings, check};

    fn fixed(src: &str) -> (usize, String) {
        let input = LintInput { kind: FileKind::DockerIgnore, ..LintInput::dockerfile(".dockerignore", src) };
        let diags = check(&input, &Settings::only("DD200"));
        let (out, _) = apply_safe_fixes(src, &diags);
        (diags.len(), out)
    }

    #[test]
    fn trailing_and_indented_comments_are_fixed() {
        assert_eq!(fixed("node_modules # deps\n"), (1, "node_modules\n".into()));
        assert_eq!(fixed("!keep.txt\t# why\r\n"), (1, "!keep.txt\r\n".into()));
        assert_eq!(fixed("a\n   # note\nb\n"), (1, "a\n# note\nb\n".into()));
        assert_eq!(fixed("# fine\nfoo#bar\nissue#1\n"), (0, "# fine\nfoo#bar\nissue#1\n".into()));
    }

    #[test]
    fn fix_is_idempotent() {
        let (_, once) = fixed("x # a # b\n  # c\n");
        assert_eq!(once, "x\n# c\n");
        assert_eq!(fixed(&once), (0, once.clone()));
    }
}
