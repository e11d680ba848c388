use std::fmt::Write as _;

use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::model::Model;
use crate::lint::parser::{Dockerfile, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `CMD` and `ENTRYPOINT` written in shell form (`CMD node server.js`),
    /// including under `ONBUILD`. A shell-form `HEALTHCHECK CMD` is reported
    /// too, as hadolint 2.15.1 does, but without a fix: nothing signals a
    /// short-lived probe, yet it needs `/bin/sh` in the image, and the usual
    /// `|| exit 1` needs the shell on purpose (`["/bin/sh", "-c", "…"]`).
    ///
    /// ## Why is this bad?
    /// Shell form runs the command as `/bin/sh -c "…"`. The shell becomes PID 1,
    /// may not pass `SIGTERM` on to the program, and the container is killed
    /// after the stop timeout instead of shutting down cleanly. A shell-form
    /// `ENTRYPOINT` also ignores `CMD` and the arguments of `docker run`. Images
    /// without `/bin/sh` (distroless, scratch) cannot run it at all.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD node server.js
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// CMD ["node", "server.js"]
    /// ```
    ///
    /// ## Fix safety
    /// The fix writes the words as a JSON array (a leading `exec` is dropped).
    /// It is safe only for a `CMD` of plain words (letters, digits and
    /// `_ . / : = @ % + , -`) that does not start with a shell builtin, on a
    /// single line, in a stage with a POSIX shell, no `SHELL` instruction and no
    /// `ENTRYPOINT`: there `sh -c` runs the same program with the same
    /// arguments. An `ENTRYPOINT` set by the base image is not visible to a
    /// linter; it receives the words instead of `/bin/sh -c "…"`. The fix is
    /// unsafe for `ENTRYPOINT` (exec form receives `CMD` and `docker run`
    /// arguments that shell form ignores), under `ONBUILD`, and for quoted
    /// words. Commands that need the shell (variables, operators, redirections,
    /// globs) get no fix: write `["/bin/sh", "-c", "…"]` to keep the shell on
    /// purpose.
    ///
    /// ## References
    /// hadolint DL3025; BuildKit's `JSONArgsRecommended` check (which stays
    /// quiet in stages that set `SHELL`).
    pub struct ShellFormCmd { code: "DL3025", name: "shell-form-cmd", tag: None, severity: Warning, fix: Sometimes }
}

/// Shell builtins and keywords that are no program an exec-form command could run.
const BUILTINS: &[&str] = &[
    ".", ":", "alias", "bg", "break", "cd", "command", "continue", "declare", "eval", "exit", "export", "fg",
    "getopts", "hash", "jobs", "let", "local", "read", "readonly", "return", "set", "shift", "source", "times", "trap",
    "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait", "if", "for", "while", "until", "case", "!", "{",
];

impl Rule for ShellFormCmd {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model, src) = (cx.file, cx.model, cx.src);
        for (i, top) in file.instructions.iter().enumerate() {
            let onbuild = top.keyword == Keyword::Onbuild;
            let inst = top.effective();
            if inst.keyword == Keyword::Healthcheck {
                report_healthcheck(*self, inst, cx);
                continue;
            }
            if !matches!(inst.keyword, Keyword::Cmd | Keyword::Entrypoint) || inst.json {
                continue;
            }
            let Some(arg) = inst.args.first().filter(|a| !a.value.trim().is_empty()) else {
                continue;
            };
            let kw = inst.keyword.as_str();
            let fix = exec_words(&arg.value).map(|(words, plain)| {
                let safe = plain
                    && inst.keyword == Keyword::Cmd
                    && !onbuild
                    && !arg.range.slice(src).contains('\n')
                    && runs_like_exec(file, model, i);
                (json_array(&words), safe)
            });
            let diag = cx.report(
                self,
                inst.name_range,
                format!(
                    "shell-form `{kw}` runs under `/bin/sh -c`, which may keep signals such as SIGTERM from the process"
                ),
            );
            match fix {
                Some((json, safe)) => {
                    diag.help(format!("use the exec form: `{kw} {json}`"));
                    let edit = [Edit::replace(arg.range, json)];
                    diag.fix(if safe { Fix::safe(edit) } else { Fix::unsafe_(edit) });
                }
                None => {
                    diag.help(format!(
                        "use the exec form `{kw} [\"program\", \"arg\"]`, or `{kw} [\"/bin/sh\", \"-c\", \"…\"]` if it needs the shell"
                    ));
                }
            }
        }
    }
}

/// A shell-form `HEALTHCHECK CMD …`: reported, never fixed.
fn report_healthcheck(rule: ShellFormCmd, inst: &crate::lint::parser::Instruction, cx: &mut Context<'_>) {
    let is_cmd = inst.args.first().is_some_and(|a| a.value.eq_ignore_ascii_case("CMD"));
    if inst.json || !is_cmd || inst.args.get(1).is_none_or(|a| a.value.trim().is_empty()) {
        return;
    }
    cx.report(&rule, inst.name_range, "shell-form `HEALTHCHECK CMD` runs under `/bin/sh -c`, which the image must have")
        .help("use the exec form `HEALTHCHECK CMD [\"program\", \"arg\"]`, or `[\"/bin/sh\", \"-c\", \"…\"]` to keep the shell on purpose");
}

/// The words of a command that needs no shell, and whether they were all plain
/// (unquoted). `None` when the command uses anything only a shell understands.
fn exec_words(command: &str) -> Option<(Vec<String>, bool)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut plain = true;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_ascii_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                plain = false;
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => word.push(ch),
                    }
                }
            }
            '"' => {
                plain = false;
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '$' | '`' | '\\' => return None,
                        ch => word.push(ch),
                    }
                }
            }
            c if c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c) => {
                word.push(c);
                in_word = true;
            }
            _ => return None,
        }
    }
    if in_word {
        words.push(word);
    }
    if words.first().is_some_and(|w| w == "exec") {
        words.remove(0);
    }
    let first = words.first()?;
    if first.is_empty() || first.contains('=') || BUILTINS.contains(&first.as_str()) {
        return None;
    }
    Some((words, plain))
}

/// Whether `sh -c "<words>"` in the stage of instruction `at` runs the same
/// process as the exec form: a POSIX shell, no `SHELL` and no `ENTRYPOINT` in
/// the stage or the stages it is built on.
fn runs_like_exec(file: &Dockerfile, model: &Model, at: usize) -> bool {
    let Some(Some(stage)) = model.stage_of.get(at).copied() else {
        return false;
    };
    model.chain(stage).into_iter().all(|s| {
        model.stages.get(s).is_some_and(|st| {
            st.posix_shell
                && st
                    .body
                    .clone()
                    .filter_map(|j| file.instructions.get(j))
                    .all(|inst| !matches!(inst.keyword, Keyword::Shell | Keyword::Entrypoint))
        })
    })
}

/// `["a", "b"]` with JSON string escaping.
fn json_array(words: &[String]) -> String {
    let items: Vec<String> = words.iter().map(|w| json_string(w)).collect();
    format!("[{}]", items.join(", "))
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{exec_words, json_array};
    use crate::lint::diagnostic::{Applicability, apply_safe_fixes};
    use crate::lint::{LintInput, Settings, check};

    fn lint(src: &str) -> Vec<crate::lint::Diagnostic> {
        check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3025"))
    }

    #[test]
    fn safe_fix_for_plain_cmd_is_idempotent() {
        let src = "FROM python:3.12.4-slim\nCMD exec gunicorn --bind=0.0.0.0:8000 app.wsgi:application\n";
        let (fixed, n) = apply_safe_fixes(src, &lint(src));
        assert_eq!(n, 1);
        assert_eq!(
            fixed,
            "FROM python:3.12.4-slim\nCMD [\"gunicorn\", \"--bind=0.0.0.0:8000\", \"app.wsgi:application\"]\n"
        );
        assert!(lint(&fixed).is_empty());
        assert_eq!(apply_safe_fixes(&fixed, &lint(&fixed)), (fixed.clone(), 0));
    }

    #[test]
    fn unsafe_or_no_fix_where_meaning_may_change() {
        let src = "FROM alpine:3.20\nENTRYPOINT /usr/bin/app serve\nCMD echo 'hi there'\nCMD npm start && sleep 1\nCMD cd /app\nONBUILD CMD make\n";
        let diags = lint(src);
        let kinds: Vec<Option<Applicability>> = diags.iter().map(|d| d.fix.as_ref().map(|f| f.applicability)).collect();
        assert_eq!(
            kinds,
            [Some(Applicability::Unsafe), Some(Applicability::Unsafe), None, None, Some(Applicability::Unsafe)]
        );
        assert_eq!(diags[1].fix.as_ref().map(|f| f.edits[0].content.as_str()), Some("[\"echo\", \"hi there\"]"));
        assert_eq!(apply_safe_fixes(src, &diags).1, 0);
    }

    #[test]
    fn cmd_beside_entrypoint_or_shell_is_unsafe() {
        for src in [
            "FROM alpine:3.20 AS base\nENTRYPOINT [\"tini\", \"--\"]\nFROM base\nCMD app\n",
            "FROM alpine:3.20\nSHELL [\"/bin/bash\", \"-c\"]\nCMD app\n",
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCMD app.exe\n",
        ] {
            let diags = lint(src);
            assert_eq!(diags.len(), 1, "{src}");
            assert_eq!(diags[0].fix.as_ref().map(|f| f.applicability), Some(Applicability::Unsafe), "{src}");
        }
    }

    #[test]
    fn words_and_escaping() {
        assert_eq!(exec_words("a  b"), Some((vec!["a".into(), "b".into()], true)));
        assert_eq!(exec_words("x \"a'b\" 'c\"d\\'"), Some((vec!["x".into(), "a'b".into(), "c\"d\\".into()], false)));
        for bad in ["a $B", "a | b", "a > f", "ls *.txt", "FOO=1 app", "x \"$Y\"", "a 'unterminated", "exec"] {
            assert_eq!(exec_words(bad), None, "{bad}");
        }
        assert_eq!(json_array(&["c\"d\\".into(), "\u{1}".into()]), "[\"c\\\"d\\\\\", \"\\u0001\"]");
    }
}
