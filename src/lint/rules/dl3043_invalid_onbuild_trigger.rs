use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`.
    ///
    /// ## Why is this bad?
    /// BuildKit refuses these triggers ("isn't allowed as an ONBUILD trigger"):
    /// a trigger runs inside the child image's stage, which already has its
    /// `FROM`, cannot defer another level of triggers, and `MAINTAINER` is
    /// deprecated. The child image fails to build, far from the line at fault.
    ///
    /// ## Example
    /// ```dockerfile
    /// ONBUILD FROM alpine:3.20
    /// ONBUILD MAINTAINER ops@example.com
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ONBUILD LABEL maintainer="ops@example.com"
    /// ```
    ///
    /// ## References
    /// hadolint DL3043.
    pub struct InvalidOnbuildTrigger { code: "DL3043", name: "invalid-onbuild-trigger", tag: None, severity: Error, fix: None }
}

impl Rule for InvalidOnbuildTrigger {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let Some(sub) = inst.sub.as_deref().filter(|_| inst.keyword == Keyword::Onbuild) else {
            return;
        };
        let help = match sub.keyword {
            Keyword::Onbuild => "put the instruction under a single `ONBUILD`; triggers cannot be chained",
            Keyword::From => "remove it: a trigger runs in the child's stage, which has its own `FROM`",
            Keyword::Maintainer => "use `ONBUILD LABEL maintainer=\"…\"`, or a plain `LABEL` in this image",
            _ => return,
        };
        cx.report(self, sub.name_range, format!("`{}` is not allowed as an `ONBUILD` trigger", sub.keyword.as_str()))
            .help(help);
    }
}
