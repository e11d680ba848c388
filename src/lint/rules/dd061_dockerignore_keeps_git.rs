use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Checks that a `.dockerignore` excludes the `.git` directory.
    ///
    /// ## Why is this bad?
    /// `.git` holds the full history of the repository, including files that
    /// were deleted and secrets that were committed once and removed. Sent into
    /// the build context it slows every build and, with a broad `COPY`, ends up in
    /// the image for anyone who pulls it.
    ///
    /// ## Example
    /// ```text
    /// node_modules
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// .git
    /// node_modules
    /// ```
    ///
    /// ## Fix safety
    /// The fix appends `.git` as the last pattern, so no later `!` exception can
    /// re-include it. Builds that need git metadata should pass it explicitly
    /// (a build arg with the commit), which is why the fix is safe.
    pub struct DockerignoreKeepsGit { code: "DD061", name: "dockerignore-keeps-git", tag: Some(Tag::Dockerignore), severity: Error, fix: Safe, target: DockerIgnore }
}

/// An edit that appends `line` to `src` as a new last line.
pub(crate) fn append_line(src: &str, line: &str) -> Edit {
    let end = to_u32(src.len());
    let sep = if src.is_empty() || src.ends_with('\n') { "" } else { "\n" };
    Edit::insert(end, format!("{sep}{line}\n"))
}

impl Rule for DockerignoreKeepsGit {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        if ignore.excludes(".git") && ignore.excludes(".git/config") {
            return;
        }
        let src = cx.src;
        cx.report(self, TextRange::empty(0), "`.dockerignore` does not exclude `.git`")
            .help("add `.git` so the repository history stays out of the build context")
            .fix(Fix::safe([append_line(src, ".git")]));
    }
}
