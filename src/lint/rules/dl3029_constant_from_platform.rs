use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `FROM --platform=<value>` where the value is a constant such as
    /// `linux/amd64`. Values that use a variable (`$BUILDPLATFORM`,
    /// `${TARGETPLATFORM}`, `$BUILDOS/$TARGETARCH`) are accepted, and so is a
    /// constant platform on a stage whose name carries its OS or architecture
    /// (`AS build-arm64`), the per-platform stage pattern Docker documents.
    ///
    /// ## Why is this bad?
    /// A constant platform ties the stage to one platform: a multi-platform
    /// build (`--platform linux/amd64,linux/arm64`) still builds it for that one,
    /// and on other machines it runs under emulation. The platform is better
    /// chosen at build time, or set to `$BUILDPLATFORM` for stages that only run
    /// build tools.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=linux/amd64 golang:1.22.5 AS build
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM golang:1.22.5 AS build
    /// ```
    ///
    /// ## References
    /// hadolint DL3029 (which accepts only values naming `BUILDPLATFORM` or
    /// `TARGETPLATFORM`); BuildKit's `FromPlatformFlagConstDisallowed` check,
    /// whose "constant" and stage-name exception this rule follows.
    pub struct ConstantFromPlatform { code: "DL3029", name: "constant-from-platform", tag: None, severity: Warning, fix: None }
}

impl Rule for ConstantFromPlatform {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if inst.keyword != Keyword::From {
            return;
        }
        let Some(flag) = inst.flag("platform") else {
            return;
        };
        let Some(value) = flag.value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        if value.contains('$') {
            return;
        }
        let stage = match inst.args.as_slice() {
            [_, kw, name, ..] if kw.value.eq_ignore_ascii_case("as") => name.value.to_ascii_lowercase(),
            _ => String::new(),
        };
        let lower = value.to_ascii_lowercase();
        let mut parts = lower.split('/');
        let (os, arch) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if !stage.is_empty() && ((!os.is_empty() && stage.contains(os)) || (!arch.is_empty() && stage.contains(arch))) {
            return;
        }
        cx.report(self, flag.range, format!("`--platform={value}` ties this stage to one platform"))
            .help("drop it and pick the platform with `docker build --platform`, or use `$BUILDPLATFORM` for build-tool stages");
    }
}
