use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::diagnostic::{Fix, Severity};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Checks that a `.dockerignore` excludes `.env` files and common secret
    /// files: private keys (`id_rsa`, `*.key`, `*.pem` keys), `.npmrc`, `.netrc`,
    /// `.aws/`, `.ssh/`. Missing `.env` is an error; missing others is a warning.
    ///
    /// ## Why is this bad?
    /// Whatever is in the build context can be copied into a layer by a broad
    /// `COPY`, and layers keep their files forever even when a later step deletes
    /// them. The standard lists `.env` files and sensitive files among what
    /// `.dockerignore` must exclude.
    ///
    /// ## Example
    /// ```text
    /// .git
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// .git
    /// .env*
    /// **/*.key
    /// **/id_rsa*
    /// .npmrc
    /// ```
    ///
    /// ## Fix safety
    /// The fix appends `**/.env` and `**/.env.*` as the last patterns, so no
    /// earlier `!` exception re-includes them. It is offered only when `.env` is
    /// not excluded; whether other key files belong in the context is a call the
    /// fix cannot make.
    pub struct DockerignoreKeepsSecrets { code: "DD062", name: "dockerignore-keeps-secrets", tag: Some(Tag::Dockerignore), severity: Error, fix: Sometimes, target: DockerIgnore }
}

/// Probe paths and the pattern to suggest for each.
const PROBES: &[(&str, &str)] = &[
    (".env", ".env*"),
    ("id_rsa", "**/id_rsa*"),
    ("id_ed25519", "**/id_ed25519*"),
    ("server.key", "**/*.key"),
    ("private.pem", "**/*.pem"),
    (".npmrc", ".npmrc"),
    (".netrc", ".netrc"),
    (".aws/credentials", ".aws"),
    (".ssh/id_rsa", ".ssh"),
];

impl Rule for DockerignoreKeepsSecrets {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        let missing: Vec<(&str, &str)> = PROBES.iter().copied().filter(|(p, _)| !ignore.excludes(p)).collect();
        if missing.is_empty() {
            return;
        }
        let env_missing = missing.iter().any(|(p, _)| *p == ".env");
        let names = missing.iter().map(|(p, _)| format!("`{p}`")).collect::<Vec<_>>().join(", ");
        let patterns = missing.iter().map(|(_, pat)| *pat).collect::<Vec<_>>().join(", ");
        let src = cx.src;
        let diag = cx
            .report(self, TextRange::empty(0), format!("`.dockerignore` does not exclude {names}"))
            .help(format!("add patterns such as {patterns}; inject secrets with `RUN --mount=type=secret` instead"));
        if env_missing {
            diag.fix(Fix::safe([super::dd061_dockerignore_keeps_git::append_line(src, "**/.env\n**/.env.*")]));
        } else {
            diag.severity = Severity::Warning;
        }
    }
}
