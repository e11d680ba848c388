use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`).
    ///
    /// ## Why is this bad?
    /// Building each stage for the target platform is what BuildKit does
    /// anyway, so the flag says nothing, and a reader may wonder which special
    /// case it handles.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$TARGETPLATFORM debian:12.6-slim
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12.6-slim
    /// ```
    ///
    /// ## Fix safety
    /// The fix removes the flag (and the blanks after it) and is safe: the
    /// stage's platform stays the target platform. It is unsafe when the file
    /// gives `TARGETPLATFORM` a default with a global `ARG`, which the flag
    /// would use and the default platform would not.
    ///
    /// ## References
    /// hadolint DL3065 (same code, severity and meaning); BuildKit's
    /// `RedundantTargetPlatform` check.
    pub struct RedundantTargetPlatform { code: "DL3065", name: "redundant-target-platform", tag: None, severity: Warning, fix: Sometimes }
}

impl Rule for RedundantTargetPlatform {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if inst.keyword != Keyword::From {
            return;
        }
        let Some(flag) = inst.flag("platform") else { return };
        let Some(value) = flag.value.as_deref() else { return };
        if !matches!(value.trim(), "$TARGETPLATFORM" | "${TARGETPLATFORM}") {
            return;
        }
        let src = cx.src;
        let overridden = cx.model.global_args.iter().any(|a| a.name == "TARGETPLATFORM" && a.default.is_some());
        let blanks = src
            .get(flag.range.end as usize..)
            .map_or(0, |rest| rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let range = TextRange::from_usize(flag.range.start as usize, flag.range.end as usize + blanks);
        let edit = Edit::delete(range);
        cx.report(
            self,
            flag.range,
            format!("`--platform={value}` is redundant: stages build for the target platform by default"),
        )
        .help("remove the flag")
        .fix(if overridden { Fix::unsafe_([edit]) } else { Fix::safe([edit]) });
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{Applicability, LintInput, Settings, check};

    #[test]
    fn finds_and_removes_the_flag() {
        let src = "FROM --platform=$TARGETPLATFORM debian:12 AS a\nFROM --platform=${TARGETPLATFORM}  alpine:3.20\nFROM --platform=$BUILDPLATFORM golang:1.22\nFROM --platform=linux/amd64 x:1\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3065"));
        assert_eq!(diags.len(), 2);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert_eq!(
            fixed,
            "FROM debian:12 AS a\nFROM alpine:3.20\nFROM --platform=$BUILDPLATFORM golang:1.22\nFROM --platform=linux/amd64 x:1\n"
        );
    }

    #[test]
    fn unsafe_when_the_platform_arg_has_a_default() {
        let src = "ARG TARGETPLATFORM=linux/arm64\nFROM --platform=$TARGETPLATFORM debian:12\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3065"));
        assert_eq!(diags[0].fix.as_ref().map(|f| f.applicability), Some(Applicability::Unsafe));
    }
}
