use super::{Rule, declare_rule, secrets};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::Instruction;
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds URLs with an embedded password (`https://user:password@host/…`) in
    /// any instruction or heredoc. A password that is a variable reference
    /// (`$TOKEN`, `${TOKEN}`) is reported by DL3064 on its `ARG`/`ENV` instead.
    ///
    /// ## Why is this bad?
    /// The credential is in the repository and in the image history of every
    /// image built from the file.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN git clone https://ci:s3cr3t@git.example.com/team/lib.git
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=git_token,env=GIT_TOKEN \
    ///     git clone "https://ci:${GIT_TOKEN}@git.example.com/team/lib.git"
    /// ```
    pub struct UrlCredentials { code: "DD071", name: "url-credentials", tag: Some(Tag::NoSecrets), severity: Error, fix: None }
}

impl Rule for UrlCredentials {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if let Some((s, e)) = secrets::find_url_credential(&inst.text.text) {
            let range = inst.text.to_source_range(to_u32(s), to_u32(e));
            report(*self, cx, range);
        }
        for doc in &inst.effective().heredocs {
            if let Some((s, e)) = secrets::find_url_credential(&doc.content) {
                report(*self, cx, TextRange::new(doc.body_range.start + to_u32(s), doc.body_range.start + to_u32(e)));
            }
        }
    }
}

fn report(rule: UrlCredentials, cx: &mut Context<'_>, range: TextRange) {
    cx.report(&rule, range, "a URL carries a password")
        .help("remove and rotate it; pass it with `RUN --mount=type=secret,id=…,env=…` and reference the variable");
}
