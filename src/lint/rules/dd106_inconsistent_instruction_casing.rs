use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Dockerfile, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds instruction keywords whose letter case differs from the rest of
    /// the file: mixed-case keywords (`Run`) and keywords in the minority case
    /// (`run` in a file of `RUN`s). The majority wins; a tie counts as
    /// uppercase, as in BuildKit. Instructions wrapped by `ONBUILD` are not
    /// counted.
    ///
    /// ## Why is this bad?
    /// Keywords are case-insensitive, so nothing breaks, but a file that mixes
    /// `RUN` and `run` reads as if written by several hands and makes
    /// searching for instructions harder.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// run apk add --no-cache curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// ## Fix safety
    /// The fix rewrites the keyword in the majority case and is safe: BuildKit
    /// reads keywords in any case.
    ///
    /// ## References
    /// BuildKit's `ConsistentInstructionCasing` check.
    pub struct InconsistentInstructionCasing { code: "DD106", name: "inconsistent-instruction-casing", tag: None, severity: Style, fix: Safe }
}

/// Whether a keyword is all lowercase or all uppercase.
pub(crate) fn self_consistent(name: &str) -> bool {
    is_lower(name) || !name.bytes().any(|b| b.is_ascii_lowercase())
}

/// No ASCII uppercase letter in `name`.
fn is_lower(name: &str) -> bool {
    !name.bytes().any(|b| b.is_ascii_uppercase())
}

/// Whether most self-consistent keywords of the file are lowercase (a tie is
/// uppercase, as in BuildKit).
pub(crate) fn majority_lower(file: &Dockerfile) -> bool {
    let (mut lower, mut upper) = (0usize, 0usize);
    for inst in file.instructions.iter().filter(|i| i.keyword != Keyword::Unknown && self_consistent(&i.name)) {
        if is_lower(&inst.name) {
            lower += 1;
        } else {
            upper += 1;
        }
    }
    lower > upper
}

/// The keyword as the rule wants it: `name` in the majority case.
pub(crate) fn in_majority_case(name: &str, lower: bool) -> String {
    if lower { name.to_ascii_lowercase() } else { name.to_ascii_uppercase() }
}

impl Rule for InconsistentInstructionCasing {
    // One pass over the file: the majority is counted once, not once per instruction.
    fn check_file(&self, cx: &mut Context<'_>) {
        let file = cx.file;
        let lower = majority_lower(file);
        let case = if lower { "lowercase" } else { "uppercase" };
        for inst in file.instructions.iter().filter(|i| i.keyword != Keyword::Unknown) {
            let in_case = if lower { is_lower(&inst.name) } else { !inst.name.bytes().any(|b| b.is_ascii_lowercase()) };
            if in_case {
                continue;
            }
            let want = in_majority_case(&inst.name, lower);
            cx.report(
                self,
                inst.name_range,
                format!("`{}` is not in the case of most instructions ({case})", inst.name),
            )
            .help(format!("write `{want}`"))
            .fix(Fix::safe([Edit::replace(inst.name_range, want)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    fn fix(src: &str) -> String {
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD106"));
        apply_safe_fixes(src, &diags).0
    }

    #[test]
    fn the_majority_wins() {
        assert_eq!(fix("FROM a:1\nrun x\nRUN y\nCopy a b\n"), "FROM a:1\nRUN x\nRUN y\nCOPY a b\n");
        assert_eq!(fix("from a:1\nrun x\nRUN y\n"), "from a:1\nrun x\nrun y\n");
        assert_eq!(fix("from a:1\nRUN y\n"), "FROM a:1\nRUN y\n");
        assert_eq!(fix("FROM a:1\nonbuild run x\nRUN y\n"), "FROM a:1\nONBUILD run x\nRUN y\n");
    }
}
