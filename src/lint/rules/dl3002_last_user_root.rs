use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::{expand, is_root_user};
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a final stage whose last `USER` instruction switches to root
    /// (`root`, `0`, `0:0`, or a variable whose default is one of those).
    ///
    /// ## Why is this bad?
    /// A container that runs as root turns any vulnerability into a path to the
    /// host. Switching to root for installs is fine, but the image must switch
    /// back to an unprivileged user before it ends. The standard: "Running as
    /// root is never a valid default in a production image."
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// USER app
    /// RUN do-something
    /// USER root
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// USER root
    /// RUN apk add --no-cache ca-certificates
    /// USER app
    /// ```
    ///
    /// ## References
    /// hadolint DL3002. DD030 covers a final stage with no `USER` at all.
    pub struct LastUserRoot { code: "DL3002", name: "last-user-root", tag: Some(Tag::NonRoot), severity: Warning, fix: None }
}

impl Rule for LastUserRoot {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(stage) = cx.model.final_stage() else { return };
        let Some(i) =
            stage.body.clone().rev().find(|&i| cx.file.instructions.get(i).is_some_and(|x| x.keyword == Keyword::User))
        else {
            return;
        };
        let Some(arg) = cx.file.instructions.get(i).and_then(|x| x.args.first()) else { return };
        let scope = cx.model.scope_at(cx.file, i);
        let user = expand::expand(&arg.value, cx.model.escape, &|n| scope.get(n).cloned());
        if user.unset.is_empty() && is_root_user(&user.value) {
            cx.report(
                self,
                arg.range,
                format!("the final stage's last `USER` is `{}`, so the container runs as root", arg.value),
            )
            .help("end the stage with `USER <unprivileged user>`; do root-only setup before it");
        }
    }
}
