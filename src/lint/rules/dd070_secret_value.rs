use super::{Rule, declare_rule, secrets};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds secret values written into the Dockerfile: known token formats
    /// (AWS access keys, GitHub, GitLab, Slack, Stripe, Google, npm and `PyPI`
    /// tokens, private key blocks) anywhere in an instruction or heredoc, a
    /// literal value given to a secret-looking `ENV`/`ARG` name, and random-looking
    /// high-entropy values in `ENV`, `ARG` and `LABEL`.
    ///
    /// ## Why is this bad?
    /// A secret in a Dockerfile is in the repository history and in every image
    /// layer built from it, readable by anyone who can pull the image, even when
    /// a later step deletes it. It has to be rotated.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV DB_PASSWORD=hunter2-prod
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # read it at runtime from a mounted secret or the orchestrator's env
    /// ENV DB_PASSWORD_FILE=/run/secrets/db_password
    /// ```
    pub struct SecretValue { code: "DD070", name: "secret-value", tag: Some(Tag::NoSecrets), severity: Error, fix: None }
}

const HELP: &str = "remove it, rotate it, and inject it at build time with `RUN --mount=type=secret` or at runtime";

fn is_literal(value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']);
    !v.is_empty() && !v.starts_with('$') && !v.starts_with('/') && !v.contains("${")
}

impl Rule for SecretValue {
    fn check_file(&self, cx: &mut Context<'_>) {
        // One search over the file's text (instructions and heredocs) says whether any token can be there;
        // most files have none, and are then not searched instruction by instruction.
        let mut all = String::with_capacity(cx.src.len());
        for inst in &cx.file.instructions {
            let inst = inst.effective();
            all.push_str(&inst.text.text);
            all.push('\n');
            for doc in &inst.heredocs {
                all.push_str(&doc.content);
                all.push('\n');
            }
        }
        let tokens = secrets::may_hold_token(&all);
        for (i, inst) in cx.file.instructions.iter().enumerate() {
            self.check(inst, i, tokens, cx);
        }
    }
}

impl SecretValue {
    /// Checks one instruction; `tokens` says whether the file may hold a known token format.
    fn check(self, top: &Instruction, i: usize, tokens: bool, cx: &mut Context<'_>) {
        let inst = top.effective();
        // Known token formats anywhere in the instruction or its heredocs.
        let mut found = false;
        if tokens && let Some((what, s, e)) = secrets::find_token(&inst.text.text) {
            let range = inst.text.to_source_range(to_u32(s), to_u32(e));
            cx.report(&self, range, format!("{what} is written into the Dockerfile")).help(HELP);
            found = true;
        }
        if tokens {
            for doc in &inst.heredocs {
                if let Some((what, s, e)) = secrets::find_token(&doc.content) {
                    let range = TextRange::new(doc.body_range.start + to_u32(s), doc.body_range.start + to_u32(e));
                    cx.report(&self, range, format!("{what} is written into a heredoc")).help(HELP);
                    found = true;
                }
            }
        }
        if found {
            return;
        }
        match inst.keyword {
            Keyword::Env | Keyword::Label => {
                for p in inst.args.chunks(2) {
                    if let [k, v] = p {
                        self.check_pair(cx, inst.keyword, &k.value, &v.value, v.range);
                    }
                }
            }
            Keyword::Arg => {
                let decls = cx.model.effective_args_of(top, i);
                for d in decls.iter() {
                    if let (Some(v), Some(range)) = (&d.default, d.default_range) {
                        self.check_pair(cx, Keyword::Arg, &d.name, v, range);
                    }
                }
            }
            _ => {}
        }
    }

    /// Reports `name`, set to `value` by an instruction of kind `keyword`, when the value looks like a secret.
    fn check_pair(self, cx: &mut Context<'_>, keyword: Keyword, name: &str, value: &str, range: TextRange) {
        if keyword != Keyword::Label && secrets::is_secret_name(name) && is_literal(value) {
            cx.report(&self, range, format!("`{name}` is given a literal value in the Dockerfile")).help(HELP);
        } else if secrets::is_high_entropy(value) {
            cx.report(&self, range, format!("the value of `{name}` looks like a secret (long and random)"))
                .help(format!("{HELP}; if it is not a secret, ignore this line with `# drydock ignore=DD070`"));
        }
    }
}
