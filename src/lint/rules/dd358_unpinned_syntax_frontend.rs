use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Checks that a `# syntax=` parser directive pins the frontend image by
    /// digest (`docker/dockerfile:1@sha256:…`).
    ///
    /// ## Why is this bad?
    /// The `# syntax=` image is the program that turns the Dockerfile into a
    /// build: `BuildKit` pulls it and runs it before anything else. A tag such
    /// as `docker/dockerfile:1` moves with every release, so the same
    /// Dockerfile can build differently from one day to the next, and whoever
    /// controls the tag controls the build. It is an unpinned `FROM` that no
    /// other linter looks at.
    ///
    /// ## Example
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1
    /// FROM alpine:3.20@sha256:…
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1.10@sha256:…
    /// FROM alpine:3.20@sha256:…
    /// ```
    pub struct UnpinnedSyntaxFrontend { code: "DD358", name: "unpinned-syntax-frontend", tag: Some(Tag::PinnedBase), severity: Warning, fix: None }
}

impl Rule for UnpinnedSyntaxFrontend {
    fn check_file(&self, cx: &mut Context<'_>) {
        for d in cx.file.directives.iter().filter(|d| d.name == "syntax") {
            if d.value.is_empty() || d.value.contains("@sha256:") {
                continue;
            }
            cx.report(self, d.range, format!("the `# syntax={}` frontend is not pinned by digest", d.value)).help(
                format!(
                    "pin it: `# syntax={}@sha256:<digest>` (`docker buildx imagetools inspect {}` shows the digest)",
                    d.value, d.value
                ),
            );
        }
    }
}
