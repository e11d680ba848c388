use super::labels::label_keys;
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Instruction;

declare_rule! {
    /// ## What it does
    /// Finds `LABEL` keys that break Docker's key format: a key must start
    /// with a lowercase letter, end with a lowercase letter or digit, hold only
    /// lowercase letters, digits, `.`, `-` and `_`, have no `..` or `--`, and stay
    /// out of the namespaces Docker reserves (`com.docker.`, `io.docker.`,
    /// `org.dockerproject.`). Keys built from variables are not judged.
    ///
    /// ## Why is this bad?
    /// Tools that read labels (registries, scanners, orchestrators) expect
    /// reverse-DNS keys such as `org.opencontainers.image.source`. A key in
    /// another case or with other characters is easy to misspell and is not
    /// found by tools that look for the canonical one; the reserved namespaces
    /// belong to Docker itself.
    ///
    /// ## Example
    /// ```dockerfile
    /// LABEL Version="1.2.0" com.docker.extension=x
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL org.opencontainers.image.version="1.2.0"
    /// ```
    ///
    /// ## References
    /// hadolint DL3048 (same code and meaning).
    pub struct InvalidLabelKey { code: "DL3048", name: "invalid-label-key", tag: None, severity: Style, fix: None }
}

/// What is wrong with a label key, if anything.
fn problem(key: &str) -> Option<&'static str> {
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_');
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("does not start with a lowercase letter");
    }
    if !key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("does not end with a lowercase letter or digit");
    }
    if !key.chars().all(valid) {
        return Some("holds characters other than lowercase letters, digits, `.`, `-` and `_`");
    }
    if key.contains("..") || key.contains("--") {
        return Some("has two separators in a row");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."].iter().any(|ns| key.starts_with(ns)) {
        return Some("is in a namespace Docker reserves");
    }
    None
}

impl Rule for InvalidLabelKey {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        for (key, key_range) in label_keys(inst, cx.model.escape) {
            if key.contains('$') {
                continue;
            }
            let Some(why) = problem(&key) else { continue };
            cx.report(self, key_range, format!("label key `{key}` {why}"))
                .help("use a lowercase reverse-DNS key such as `org.opencontainers.image.version`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn keys() {
        for k in ["maintainer", "org.opencontainers.image.source", "a1", "x-y.z", "build_id"] {
            assert_eq!(problem(k), None, "{k}");
        }
        for k in ["Version", "1abc", "abc.", "a_", "a b", "a..b", "a--b", "com.docker.x", "io.docker.y"] {
            assert!(problem(k).is_some(), "{k}");
        }
    }
}
