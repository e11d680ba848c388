use super::{Rule, declare_rule, secrets};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `ARG` and `ENV` names that look like they carry a secret
    /// (`PASSWORD`, `TOKEN`, `API_KEY`, `SECRET`, `AUTH`, …). Names that point at
    /// a secret instead of holding it (`PASSWORD_FILE`, `TOKEN_URL`, `GPG_KEY`,
    /// `*_ID`) are not reported.
    ///
    /// ## Why is this bad?
    /// `ENV` values are stored in the image config and `ARG` values in the build
    /// history: anyone who can pull the image can read them with
    /// `docker history` or `docker inspect`, even when a later step unsets them.
    /// The standard: secrets must never enter image layers.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
    ///     echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    /// ```
    ///
    /// ## References
    /// hadolint DL3064; BuildKit's `SecretsUsedInArgOrEnv`; Trivy DS031.
    pub struct SecretNameInArgOrEnv { code: "DL3064", name: "secret-name-in-arg-or-env", tag: Some(Tag::NoSecrets), severity: Warning, fix: None }
}

impl Rule for SecretNameInArgOrEnv {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        match inst.keyword {
            Keyword::Arg => {
                // A declaration's name is the argument up to its `=` (as `arg_decls` reads it).
                for arg in &inst.args {
                    let name = arg.value.split_once('=').map_or(arg.value.as_str(), |(name, _)| name);
                    if secrets::is_secret_name(name) {
                        report(*self, cx, "ARG", name, arg.range);
                    }
                }
            }
            Keyword::Env => {
                for pair in inst.args.chunks(2) {
                    if let Some(k) = pair.first()
                        && secrets::is_secret_name(&k.value)
                    {
                        report(*self, cx, "ENV", &k.value, k.range);
                    }
                }
            }
            _ => {}
        }
    }
}

fn report(rule: SecretNameInArgOrEnv, cx: &mut Context<'_>, kw: &str, name: &str, range: crate::lint::TextRange) {
    cx.report(&rule, range, format!("`{kw} {name}` looks like a secret, and {kw} values stay in the image"))
        .help("pass secrets with `RUN --mount=type=secret,id=…` (or `env=` to expose one to a single RUN)");
}
