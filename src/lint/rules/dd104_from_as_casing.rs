use super::dd106_inconsistent_instruction_casing::{in_majority_case, majority_lower, self_consistent};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `FROM … AS name` where the `AS` keyword is not in the letter case
    /// of `FROM`: `FROM image as name` or `from image AS name`. A mixed-case
    /// `From` is left to DD106, as in BuildKit.
    ///
    /// ## Why is this bad?
    /// Both spellings work, but `as` in an uppercase file (or `AS` in a
    /// lowercase one) is the kind of inconsistency that makes a file harder
    /// to scan.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22.5 as build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22.5 AS build
    /// ```
    ///
    /// ## Fix safety
    /// The fix rewrites `AS` in the case of `FROM` and is safe: BuildKit reads
    /// it in any case. When DD106 is enabled and will rewrite the `FROM`
    /// keyword itself, `AS` follows the case DD106 picks, so one `--fix` pass
    /// settles both.
    ///
    /// ## References
    /// BuildKit's `FromAsCasing` check.
    pub struct FromAsCasing { code: "DD104", name: "from-as-casing", tag: None, severity: Style, fix: Safe }
}

impl Rule for FromAsCasing {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if inst.keyword != Keyword::From || !self_consistent(&inst.name) {
            return;
        }
        let [_, kw, _, ..] = inst.args.as_slice() else { return };
        if !kw.value.eq_ignore_ascii_case("as") {
            return;
        }
        let from_lower = inst.name == inst.name.to_ascii_lowercase();
        let want_now = if from_lower { "as" } else { "AS" };
        if kw.value == want_now {
            return;
        }
        // The case `FROM` will have once DD106 (if enabled) has fixed it.
        let target = if cx.settings.is_enabled("DD106") {
            in_majority_case("as", majority_lower(cx.file))
        } else {
            want_now.to_string()
        };
        let verbatim = kw.range.slice(cx.src) == kw.value;
        let diag = cx
            .report(self, kw.range, format!("`{}` does not match the case of `{}`", kw.value, inst.name))
            .help(format!("write `{want_now}`"));
        if kw.value != target && verbatim {
            diag.fix(Fix::safe([Edit::replace(kw.range, target)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    #[test]
    fn as_follows_from() {
        let src = "FROM a:1 as x\nfrom b:1 AS y\nFROM c:1 AS z\nfrom d:1 as w\nFrom e:1 as v\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD104"));
        assert_eq!(diags.len(), 2);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert_eq!(fixed, "FROM a:1 AS x\nfrom b:1 as y\nFROM c:1 AS z\nfrom d:1 as w\nFrom e:1 as v\n");
    }

    #[test]
    fn with_dd106_one_pass_settles_both() {
        let src = "FROM a:1 AS x\nfrom b:1 AS y\nRUN true\n";
        let settings = Settings::default();
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &settings);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert!(fixed.starts_with("FROM a:1 AS x\nFROM b:1 AS y\n"), "{fixed}");
        let again = check(&LintInput::dockerfile("Dockerfile", &fixed), &settings);
        assert!(again.iter().all(|d| d.code != "DD104" && d.code != "DD106"), "{again:?}");
    }
}
