use super::commands::parse_args;
use super::tool_options::{USERADD, USERMOD};
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds RUN commands that set an account password while the image is
    /// built: `chpasswd` (usually `echo 'user:pass' | chpasswd`), `passwd
    /// --stdin`, and `useradd`/`usermod` with `-p`/`--password`. Checkov's
    /// `CKV2_DOCKER_17` covers `chpasswd`.
    ///
    /// ## Why is this bad?
    /// The password, or its hash, ends up in `/etc/shadow` of a layer and
    /// usually in plain text in the Dockerfile and the image history. Every
    /// container from the image shares it, and anyone who pulls the image can
    /// read or crack it. Containers rarely need a login password at all.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN useradd -m app && echo 'app:secret' | chpasswd
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN useradd -m app
    /// USER app
    /// ```
    /// and, where a password is really needed, set it at run time from a secret.
    pub struct PasswordSetInImage { code: "DD353", name: "password-set-in-image", tag: Some(Tag::NoSecrets), severity: Error, fix: None }
}

impl Rule for PasswordSetInImage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let help = "do not bake passwords into images: run as a user without one, or set it at run time from a secret";
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                let name = c.name();
                let found = match name {
                    "chpasswd" => Some((c.span_to(None), "`chpasswd` sets a password inside the image".to_owned())),
                    "passwd" => c
                        .args()
                        .iter()
                        .find(|w| w.text == "--stdin")
                        .map(|w| (c.word_range(w), "`passwd --stdin` sets a password inside the image".to_owned())),
                    "useradd" | "usermod" | "adduser" => {
                        let parsed = parse_args(c.args(), if name == "usermod" { USERMOD } else { USERADD });
                        parsed
                            .opts
                            .iter()
                            .find(|o| {
                                (o.name == "p" || o.name == "password")
                                    && o.value.is_some_and(|v| !v.is_empty() && v != "*" && v != "!")
                            })
                            .map(|o| {
                                (
                                    c.word_range(o.word),
                                    format!("`{name} {}` sets a password inside the image", o.word.text),
                                )
                            })
                    }
                    _ => None,
                };
                if let Some((range, message)) = found {
                    cx.report(self, range, message).help(help);
                }
            }
        }
    }
}
