use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `USER` instructions whose user is a name (`USER app`,
    /// `USER app:app`) instead of a numeric UID (`USER 10001`, `USER 10001:10001`).
    /// Values built from variables (`USER $UID`) are not judged: the value is
    /// known only at build time.
    ///
    /// ## Why is this bad?
    /// A name is resolved through the image's `/etc/passwd` when the container
    /// starts. Kubernetes' `runAsNonRoot` cannot verify a name and refuses to
    /// start the pod, and tools on the host (volume permissions, audit) see
    /// only numbers. A numeric UID means the same thing everywhere.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN useradd -u 10001 app
    /// USER app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN useradd -u 10001 app
    /// USER 10001:10001
    /// ```
    ///
    /// ## References
    /// hadolint DL3066 (same code and meaning).
    pub struct NonNumericUser { code: "DL3066", name: "non-numeric-user", tag: None, severity: Info, fix: None }
}

impl Rule for NonNumericUser {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if inst.keyword != Keyword::User {
            return;
        }
        let Some(arg) = inst.args.first() else { return };
        let value = arg.value.trim_matches(['"', '\'']);
        let user = value.split(':').next().unwrap_or_default();
        if value.contains(['$', '`']) || user.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        cx.report(self, arg.range, format!("`USER {value}` names the user instead of giving a numeric UID"))
            .help(format!("use the numeric UID (and GID) of `{user}`, e.g. `USER 10001:10001`"));
    }
}
