use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::{Context, ContextIgnore};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Reports a Dockerfile whose build context has no `.dockerignore` (neither
    /// `.dockerignore` nor `<Dockerfile name>.dockerignore` beside it). The build
    /// context is the Dockerfile's directory unless `--context` says otherwise.
    /// It is reported on line 1.
    ///
    /// ## Why is this bad?
    /// Without a `.dockerignore` the whole context is sent to the builder and can
    /// end up in the image: the `.git` directory with the full history, `.env`
    /// files, test fixtures and local build output. The standard: "`.dockerignore`
    /// is not optional."
    ///
    /// ## Example
    /// ```text
    /// app/
    ///   Dockerfile
    ///   src/
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// app/
    ///   .dockerignore     # .git, .env*, node_modules, target, …
    ///   Dockerfile
    ///   src/
    /// ```
    pub struct MissingDockerignore { code: "DD060", name: "missing-dockerignore", tag: Some(Tag::Dockerignore), severity: Error, fix: None }
}

impl Rule for MissingDockerignore {
    fn check_file(&self, cx: &mut Context<'_>) {
        if matches!(cx.input.dockerignore, ContextIgnore::Missing) && !cx.file.instructions.is_empty() {
            cx.report(self, TextRange::empty(0), "the build context has no `.dockerignore`").help(
                "add a `.dockerignore` beside the Dockerfile that excludes at least `.git`, `.env*` and build output",
            );
        }
    }
}
