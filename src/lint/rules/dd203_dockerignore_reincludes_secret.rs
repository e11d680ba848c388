use super::secrets::is_secret_file;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::dockerignore::{DockerIgnore, IgnorePattern};

declare_rule! {
    /// ## What it does
    /// Finds a `!` exception in `.dockerignore` that puts a secret file back
    /// into the build context after an earlier pattern excluded it: `.env`
    /// files, SSH and other private keys (`id_rsa`, `*.key`, `*.pem` keys),
    /// `.npmrc`, `.netrc`, `.pypirc`, `.git-credentials`, `.aws/credentials`,
    /// `credentials.json`. Both named files (`!.env.production`) and patterns
    /// that reach them (`!config/*`, `!**/*.pem`, `!.ssh`) count. The secret-file
    /// list is the one DD072 uses for `COPY`.
    ///
    /// ## Why is this bad?
    /// Whatever is in the build context can be copied into a layer, and layers
    /// keep their files forever. Excluding `.env*` and then re-including one
    /// of them (often by a broad `!config/*` meant for other files) sends the
    /// secret to the builder and, with a `COPY .`, into the image.
    ///
    /// ## Example
    /// ```text
    /// .env*
    /// !.env.production
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// .env*
    /// !.env.example
    /// ```
    /// and pass the real values with `RUN --mount=type=secret,id=env,target=/app/.env`.
    pub struct DockerignoreReincludesSecret { code: "DD203", name: "dockerignore-reincludes-secret", tag: Some(Tag::NoSecrets), severity: Error, fix: None, target: DockerIgnore }
}

/// Secret files a wildcard exception is tried against, relative to the
/// exception's literal directory.
const PROBES: &[&str] = &[
    ".env",
    ".env.local",
    ".env.production",
    "id_rsa",
    "id_ed25519",
    "server.key",
    "private.pem",
    ".npmrc",
    ".netrc",
    ".pypirc",
    ".git-credentials",
    "credentials.json",
    ".aws/credentials",
    ".ssh/id_rsa",
];

/// The pattern before `j` that excludes `path`, if the patterns before `j`
/// exclude it.
fn excluded_before<'i>(ignore: &'i DockerIgnore, j: usize, path: &str) -> Option<&'i IgnorePattern> {
    ignore.patterns.get(..j).and_then(|ps| ps.iter().rev().find(|p| p.matches(path))).filter(|p| !p.negated)
}

/// Directories that hold nothing but credentials.
const SECRET_DIRS: &[&str] = &[".ssh", ".aws", ".gnupg", ".docker"];

/// A secret path that exception `j` re-includes, if any.
fn reincluded_secret(ignore: &DockerIgnore, j: usize, pat: &IgnorePattern) -> Option<String> {
    const MAGIC: &[char] = &['*', '?', '[', ']', '\\'];
    let excluded = |path: &str| excluded_before(ignore, j, path).is_some();
    if !pat.pattern.contains(MAGIC) {
        if is_secret_file(&pat.pattern) && excluded(&pat.pattern) {
            return Some(pat.pattern.clone());
        }
        // `!.ssh`: a credentials directory as a whole.
        let base = pat.pattern.rsplit('/').next().unwrap_or(&pat.pattern);
        if SECRET_DIRS.contains(&base) {
            return PROBES
                .iter()
                .map(|p| format!("{}/{}", pat.pattern, p.rsplit('/').next().unwrap_or(p)))
                .find(|path| excluded(path));
        }
        return None;
    }
    // A wildcard: try secret files at the root and in the pattern's literal
    // leading directories that the wildcard itself matches (not through a
    // parent: `*` then `!src` is an allow-list, not a re-included key). It
    // counts only when an exclusion before it aims at secrets (it does not
    // also exclude a README beside them).
    let dir: Vec<&str> = pat.pattern.split('/').take_while(|s| !s.contains(MAGIC)).collect();
    let mut bases = vec![String::new()];
    for n in 1..=dir.len() {
        bases.push(format!("{}/", dir[..n].join("/")));
    }
    bases.iter().find_map(|base| {
        let benign = format!("{base}README.md");
        PROBES.iter().map(|p| format!("{base}{p}")).find(|path| {
            pat.matches_itself(path)
                && is_secret_file(path)
                && excluded(path)
                && ignore
                    .patterns
                    .get(..j)
                    .is_some_and(|ps| ps.iter().any(|e| !e.negated && e.matches(path) && !e.matches(&benign)))
        })
    })
}

impl Rule for DockerignoreReincludesSecret {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        for (j, pat) in ignore.patterns.iter().enumerate() {
            if !pat.negated || pat.error.is_some() || pat.inline_comment.is_some() {
                continue;
            }
            // Only the final outcome matters: a later line may exclude it again.
            let Some(secret) = reincluded_secret(ignore, j, pat) else { continue };
            if ignore.excludes(&secret) {
                continue;
            }
            let what =
                if secret == pat.pattern { format!("`{secret}`") } else { format!("secret files such as `{secret}`") };
            cx.report(self, pat.range, format!("`!{}` puts {what} back into the build context", pat.text))
                .help("narrow the exception to the files the build needs (`!.env.example`), and pass secrets with `RUN --mount=type=secret`");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{FileKind, LintInput, Settings, check};

    fn lines(src: &str) -> Vec<u32> {
        let input = LintInput { kind: FileKind::DockerIgnore, ..LintInput::dockerfile(".dockerignore", src) };
        let index = crate::lint::source::LineIndex::new(src);
        check(&input, &Settings::only("DD203")).iter().map(|d| index.line(d.range.start)).collect()
    }

    #[test]
    fn reincluded_secrets() {
        assert_eq!(lines(".env*\n!.env.production\n"), vec![2]);
        assert_eq!(lines(".env*\n!*\n"), vec![2]);
        assert_eq!(lines("**/*.pem\n!certs/**\n"), vec![2]);
        assert_eq!(lines(".ssh\n!.ssh\n"), vec![2]);
        assert_eq!(lines("*\n!src\n!.npmrc\n"), vec![3]);
    }

    #[test]
    fn harmless_exceptions() {
        // Example files, never-excluded files, and exceptions excluded again later.
        assert_eq!(lines(".env*\n!.env.example\n"), Vec::<u32>::new());
        assert_eq!(lines("*.log\n!.env\n"), Vec::<u32>::new());
        assert_eq!(lines(".env*\n!.env.local\n.env.local\n"), Vec::<u32>::new());
        assert_eq!(lines("config\n!config/*.yml\n"), Vec::<u32>::new());
        // An allow-list re-includes directories, not secrets.
        assert_eq!(lines("*\n!src\n!config/*\n"), Vec::<u32>::new());
    }
}
