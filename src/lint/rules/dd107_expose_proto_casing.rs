use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds `EXPOSE` ports whose protocol is not lowercase: `80/TCP`,
    /// `53/Udp`.
    ///
    /// ## Why is this bad?
    /// BuildKit lowercases the protocol and warns about it; the image config
    /// says `80/tcp` whatever was written, so the uppercase spelling only
    /// misleads.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 8080/TCP
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 8080/tcp
    /// ```
    ///
    /// ## Fix safety
    /// The fix lowercases the protocol and is safe: BuildKit does the same
    /// when it builds. Ports built from variables are left alone.
    ///
    /// ## References
    /// BuildKit's `ExposeProtoCasing` check.
    pub struct ExposeProtoCasing { code: "DD107", name: "expose-proto-casing", tag: None, severity: Style, fix: Safe }
}

impl Rule for ExposeProtoCasing {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Expose {
            return;
        }
        for arg in &inst.args {
            if arg.value.contains('$') {
                continue;
            }
            let Some((_, proto)) = arg.value.split_once('/') else { continue };
            let lower = proto.to_ascii_lowercase();
            if proto == lower {
                continue;
            }
            let verbatim = arg.range.slice(cx.src) == arg.value;
            let diag = cx
                .report(self, arg.range, format!("protocol of `{}` is not lowercase", arg.value))
                .help(format!("write `/{lower}`"));
            if verbatim {
                let start = arg.range.end - to_u32(proto.len());
                diag.fix(Fix::safe([Edit::replace(TextRange::new(start, arg.range.end), lower)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    #[test]
    fn lowercases_protocols() {
        let src = "FROM a:1\nEXPOSE 80/TCP 53/Udp 443/tcp 8080 ${P}/TCP\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD107"));
        assert_eq!(diags.len(), 2);
        assert_eq!(apply_safe_fixes(src, &diags).0, "FROM a:1\nEXPOSE 80/tcp 53/udp 443/tcp 8080 ${P}/TCP\n");
    }
}
