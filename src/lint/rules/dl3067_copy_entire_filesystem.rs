use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `COPY --from=<stage or image> / /`: a copy of another stage's whole
    /// filesystem onto the root of this one.
    ///
    /// ## Why is this bad?
    /// It brings everything the other stage holds (compilers, package caches,
    /// shells, build secrets left on disk) into this image and overwrites its
    /// `/etc`, which undoes the point of a multi-stage build. Copy only the
    /// artifacts the image needs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=build / /
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=build /out/app /app
    /// ```
    ///
    /// ## References
    /// hadolint DL3067, which likewise reports only the root-to-root copy.
    pub struct CopyEntireFilesystem { code: "DL3067", name: "copy-entire-filesystem", tag: None, severity: Warning, fix: None }
}

impl Rule for CopyEntireFilesystem {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Copy {
            return;
        }
        let Some(from) = inst.flag("from").and_then(|f| f.value.as_deref()) else {
            return;
        };
        let Some((dest, sources)) = inst.args.split_last() else {
            return;
        };
        let is_root = |v: &str| v.trim_matches(['"', '\'']) == "/";
        if !is_root(&dest.value) {
            return;
        }
        let Some(root) = sources.iter().find(|a| is_root(&a.value)) else {
            return;
        };
        cx.report(self, root.range, format!("this copies the whole filesystem of `{from}` over this image"))
            .help(format!("copy only what the image needs, e.g. `COPY --from={from} /out/app /usr/local/bin/app`"));
    }
}
