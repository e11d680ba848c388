use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `WORKDIR` instructions with a relative path. Paths that start with
    /// a variable (`$HOME`, `${APP_DIR}`), Windows drive paths (`C:\app`, `C:/app`)
    /// and quoted absolute paths are accepted.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` is resolved against the `WORKDIR` before it, which may
    /// be set in another stage or in the base image. The directory the following
    /// `RUN`, `COPY` and `CMD` use then depends on something the reader cannot see,
    /// and changes silently when the base image changes its own `WORKDIR`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19
    /// WORKDIR app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19
    /// WORKDIR /app
    /// ```
    ///
    /// ## References
    /// hadolint DL3000. BuildKit's `WorkdirRelativePath` check is narrower: it
    /// only reports a relative `WORKDIR` when no absolute one came before it in
    /// the stage.
    pub struct RelativeWorkdir { code: "DL3000", name: "relative-workdir", tag: None, severity: Error, fix: None }
}

impl Rule for RelativeWorkdir {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Workdir {
            return;
        }
        let Some(arg) = inst.args.first() else {
            return;
        };
        let path = arg.value.trim_matches(['"', '\'']);
        if path.is_empty() || is_absolute(path) {
            return;
        }
        let bare = path.trim_start_matches("./");
        let example = if bare.starts_with("..") || bare.is_empty() { "/app".to_string() } else { format!("/{bare}") };
        cx.report(self, arg.range, format!("`WORKDIR {path}` is a relative path"))
            .help(format!("use an absolute path such as `{example}`; a relative one depends on the WORKDIR before it"));
    }
}

/// `/…`, `\…`, `$VAR…` or a Windows drive (`C:`).
fn is_absolute(path: &str) -> bool {
    let mut chars = path.chars();
    let first = chars.next();
    matches!(first, Some('/' | '\\' | '$'))
        || (first.is_some_and(|c| c.is_ascii_alphabetic()) && chars.next() == Some(':'))
}

#[cfg(test)]
mod tests {
    use super::is_absolute;

    #[test]
    fn absolute_forms() {
        for p in ["/usr/local", "$HOME/x", "${APP}", "C:\\", "c:/app", "\\app"] {
            assert!(is_absolute(p), "{p}");
        }
        for p in ["app", "./app", "../x", "1:x", "app/$X"] {
            assert!(!is_absolute(p), "{p}");
        }
    }
}
