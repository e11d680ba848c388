use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `EXPOSE` ports written with an IP address or a host port:
    /// `EXPOSE 127.0.0.1:80:80`, `EXPOSE 8080:80`.
    ///
    /// ## Why is this bad?
    /// `EXPOSE` only documents the container ports an image listens on. Which
    /// host port and address they are published on is decided at run time
    /// (`docker run -p`); BuildKit ignores the extra parts with a warning, so
    /// the Dockerfile promises a mapping that never happens.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 8080:80
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 80
    /// ```
    ///
    /// No fix is offered: which port was meant takes a reader.
    ///
    /// ## References
    /// BuildKit's `ExposeInvalidFormat` check.
    pub struct ExposeInvalidFormat { code: "DD108", name: "expose-invalid-format", tag: None, severity: Warning, fix: None }
}

impl Rule for ExposeInvalidFormat {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Expose {
            return;
        }
        for arg in &inst.args {
            let value = arg.value.trim_matches(['"', '\'']);
            if value.contains('$') {
                continue;
            }
            let Some((mapping, _)) = value.rsplit_once(':') else { continue };
            if mapping.is_empty() {
                continue;
            }
            cx.report(self, arg.range, format!("`EXPOSE {value}` names a host address or port"))
                .help("expose the container port only; publish it with `docker run -p` or your orchestrator");
        }
    }
}
