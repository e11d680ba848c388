use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

use super::secrets::is_secret_file;

declare_rule! {
    /// ## What it does
    /// Finds `COPY` and `ADD` of files that hold secrets: `.env` files (not
    /// `.env.example`/`.sample`/`.template`), SSH keys (`id_rsa`, `id_ed25519`, …),
    /// private keys (`*.key`, `*.p12`, `*.pfx`, `*.pem` that are not certificates),
    /// `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.aws/credentials`,
    /// `credentials.json` and docker's `config.json`.
    ///
    /// ## Why is this bad?
    /// A copied file stays in its layer forever, even when a later `RUN rm`
    /// deletes it, so anyone who pulls the image gets the secret. The standard
    /// names `.env` files among the secrets that must never enter an image.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .npmrc /root/.npmrc
    /// RUN npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// ```
    pub struct SecretFileCopied { code: "DD072", name: "secret-file-copied", tag: Some(Tag::NoSecrets), severity: Error, fix: None }
}

impl Rule for SecretFileCopied {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) || inst.flag("from").is_some() {
            return;
        }
        for src in super::dd050_whole_context_copy::sources(inst) {
            if is_secret_file(&src.value) {
                cx.report(self, src.range, format!("`{}` copies a secret file into the image", src.value))
                    .help("mount it for the one step that needs it: `RUN --mount=type=secret,id=…,target=…`");
            }
        }
    }
}
