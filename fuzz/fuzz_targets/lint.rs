//! Fuzzes the whole engine: parse, model, every rule and the safe fixes.
#![no_main]

use drydock::lint::diagnostic::apply_safe_fixes;
use drydock::lint::{ContextIgnore, FileKind, LintInput, Settings, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let input = LintInput {
        path: "Dockerfile",
        source: src,
        kind: FileKind::Dockerfile,
        dockerignore: ContextIgnore::Present(".git\n!keep\n**/*.env"),
        target: None,
    };
    let diags = check(&input, &Settings::default());
    let (fixed, _) = apply_safe_fixes(src, &diags);
    let _ = check(&LintInput { source: &fixed, ..input }, &Settings::default());
});
