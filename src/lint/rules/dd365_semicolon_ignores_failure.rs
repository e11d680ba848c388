use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds `;` between the commands of a shell-form `RUN` (`RUN a; b`),
    /// outside loops, conditionals, groups, subshells and quotes, when
    /// neither the script (`set -e`) nor the stage's `SHELL` (`-e`,
    /// `-o errexit`) makes the shell stop at the first failure.
    /// projectatomic's `dockerfile_lint` reported this as `no_ampersand_usage`.
    ///
    /// ## Why is this bad?
    /// A RUN fails only when its last command fails. After `;` the shell goes
    /// on regardless, so `RUN make; make install` builds an image from a
    /// failed `make`, and the error surfaces later, far from its cause.
    /// `&&` stops at the first failure.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN ./configure; make; make install
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN ./configure && make && make install
    /// ```
    ///
    /// ## Fix safety
    /// The fix writes `&&` for `;`: unsafe, because a command that used to
    /// fail harmlessly now fails the build (add `|| true` to it if that was
    /// intended).
    pub struct SemicolonIgnoresFailure { code: "DD365", name: "semicolon-ignores-failure", tag: None, severity: Info, fix: Unsafe }
}

const OPENERS: &[&str] = &["if", "case", "for", "while", "until", "select"];
const CLOSERS: &[&str] = &["fi", "esac", "done"];

/// Byte offsets of the `;` that separate top-level commands of `script`.
fn top_level_semicolons(script: &str) -> Vec<usize> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let mut depth: i32 = 0;
    let mut keywords: i32 = 0;
    // Whether the current top-level list runs a command (not only assignments),
    // and whether it is an `&&`/`||` guard whose failure is expected: it
    // starts with a test or exits (`[ -n "$X" ] && exit 0; …`).
    let mut runs_command = false;
    let mut and_or = false;
    let mut guard = false;
    let mut command_position = true;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\\' => {
                i += 2;
                command_position = false;
                continue;
            }
            b'\'' => {
                i = script[i + 1..].find('\'').map_or(bytes.len(), |j| i + 1 + j + 1);
                command_position = false;
                continue;
            }
            b'"' | b'`' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != c {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
                command_position = false;
                continue;
            }
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                i = script[i..].find('\n').map_or(bytes.len(), |j| i + j);
                continue;
            }
            b'(' | b'{' => {
                // A subshell or group in command position is a command; `$(`
                // and `${` are not in command position.
                runs_command |= command_position && depth == 0 && (i == 0 || bytes[i - 1] != b'$');
                depth += 1;
                command_position = true;
            }
            // A `case` pattern's `)` has no `(`: never go below zero.
            b')' | b'}' => depth = (depth - 1).max(0),
            b';' => {
                if bytes.get(i + 1) == Some(&b';') {
                    i += 2;
                    command_position = true;
                    continue;
                }
                if depth == 0 && keywords == 0 {
                    if runs_command && !(and_or && guard) && !script[i + 1..].trim().is_empty() {
                        out.push(i);
                    }
                    runs_command = false;
                    and_or = false;
                    guard = false;
                }
                command_position = true;
            }
            b'&' | b'|' => {
                if depth == 0 && keywords == 0 && bytes.get(i + 1) == Some(&c) {
                    and_or = true;
                }
                command_position = true;
            }
            b'\n' => {
                command_position = true;
                runs_command = false;
                and_or = false;
                guard = false;
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                let mut end = i;
                while end < bytes.len() {
                    let b = bytes[end];
                    if b == b'\\' {
                        end += 2;
                        continue;
                    }
                    if b.is_ascii_whitespace() || matches!(b, b';' | b'&' | b'|' | b'(' | b')' | b'\'' | b'"' | b'`') {
                        break;
                    }
                    end += 1;
                }
                let end = end.min(bytes.len());
                let word = script.get(i..end).unwrap_or_default();
                let assignment = word
                    .split_once('=')
                    .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'));
                if command_position && !assignment && depth == 0 {
                    if keywords == 0 {
                        guard |= (!runs_command && matches!(word, "[" | "[[" | "test")) || word == "exit";
                    }
                    runs_command = true;
                }
                if command_position {
                    if OPENERS.contains(&word) {
                        keywords += 1;
                    } else if CLOSERS.contains(&word) {
                        keywords = (keywords - 1).max(0);
                    }
                }
                command_position = matches!(word, "then" | "do" | "else" | "elif" | "!" | "in")
                    || (command_position && word.contains('=') && !word.starts_with('='));
                i = end.max(i + 1);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// `set -e`, `set -eux`, `set -o errexit` anywhere in the script.
fn sets_errexit(script: &str) -> bool {
    // The words are split on single separators (two in a row make an empty word): `set` must be a whole
    // word, followed by one separator and an errexit flag. Found from each `set` (few scripts have one)
    // rather than by splitting the whole script.
    static SET: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("set"));
    let bytes = script.as_bytes();
    let is_sep = |b: u8| b.is_ascii_whitespace() || b == b';' || b == b'&';
    let set_flag = SET.find_iter(bytes).any(|at| {
        let whole = at.checked_sub(1).and_then(|p| bytes.get(p)).is_none_or(|&b| is_sep(b));
        let flag_at = at + "set".len() + 1;
        whole
            && bytes.get(at + "set".len()).is_some_and(|&b| is_sep(b))
            && bytes.get(flag_at..).is_some_and(|rest| {
                let end = rest.iter().position(|&b| is_sep(b)).unwrap_or(rest.len());
                script.get(flag_at..flag_at + end).is_some_and(is_errexit_flag)
            })
    });
    set_flag || script.contains("-o errexit")
}

/// [`sets_errexit`] by splitting the whole script into words (the form it had first).
#[cfg(test)]
fn sets_errexit_by_split(script: &str) -> bool {
    let set_flag = || {
        let mut prev = "";
        script.split(|c: char| c.is_ascii_whitespace() || c == ';' || c == '&').any(|w| {
            let found = prev == "set" && is_errexit_flag(w);
            prev = w;
            found
        })
    };
    (script.contains("set") && set_flag()) || script.contains("-o errexit")
}

fn is_errexit_flag(word: &str) -> bool {
    word.strip_prefix('-').is_some_and(|f| !f.starts_with('-') && f.contains('e'))
}

/// Whether the last `SHELL` before instruction `at` in its stage turns on `-e`.
/// `last_shell` is the latest SHELL instruction before `at` in the file.
fn shell_errexit(cx: &Context<'_>, at: usize, last_shell: Option<usize>) -> bool {
    let Some(stage) = cx.model.stage_of.get(at).copied().flatten().and_then(|s| cx.model.stages.get(s)) else {
        return false;
    };
    last_shell
        .filter(|&i| i >= stage.body.start && i < at)
        .and_then(|i| cx.file.instructions.get(i))
        .is_some_and(|sh| sh.args.iter().any(|a| is_errexit_flag(&a.value) || a.value == "errexit"))
}

fn check(inst: &Instruction) -> Vec<TextRange> {
    if inst.json || !inst.heredocs.is_empty() {
        return Vec::new();
    }
    let Some(cmd) = inst.args.first() else { return Vec::new() };
    // Only a `;` can be at fault.
    if !cmd.value.contains(';') || sets_errexit(&cmd.value) {
        return Vec::new();
    }
    let text = &inst.text;
    let cmd_start = text.text.trim_end().len().saturating_sub(cmd.value.len());
    top_level_semicolons(&cmd.value)
        .into_iter()
        .map(|at| text.to_source_range(to_u32(cmd_start + at), to_u32(cmd_start + at + 1)))
        .collect()
}

impl Rule for SemicolonIgnoresFailure {
    fn check_file(&self, cx: &mut Context<'_>) {
        let mut found = Vec::new();
        // Instructions are visited in order: the latest SHELL so far need not be searched for.
        let mut last_shell = None;
        for (i, inst) in cx.file.instructions.iter().enumerate() {
            let run = match (inst.keyword, inst.sub.as_deref()) {
                (Keyword::Run, _) => inst,
                (Keyword::Onbuild, Some(sub)) if sub.keyword == Keyword::Run => sub,
                (Keyword::Shell, _) => {
                    last_shell = Some(i);
                    continue;
                }
                _ => continue,
            };
            let posix = cx.model.stage_of.get(i).copied().flatten().and_then(|s| cx.model.stages.get(s));
            if posix.is_some_and(|s| !s.posix_shell) || shell_errexit(cx, i, last_shell) {
                continue;
            }
            if inst.keyword == Keyword::Onbuild {
                // The ONBUILD's joined text starts at ONBUILD; map through it.
                let Some(cmd) = run.args.first() else { continue };
                if run.json || !run.heredocs.is_empty() || sets_errexit(&cmd.value) {
                    continue;
                }
                let text = &inst.text;
                let cmd_start = text.text.trim_end().len().saturating_sub(cmd.value.len());
                found.extend(
                    top_level_semicolons(&cmd.value)
                        .into_iter()
                        .map(|at| text.to_source_range(to_u32(cmd_start + at), to_u32(cmd_start + at + 1))),
                );
            } else {
                found.extend(check(run));
            }
        }
        for range in found {
            let fixable = range.slice(cx.src) == ";";
            let diag = cx
                .report(self, range, "`;` runs the next command even when this one failed")
                .help("join the commands with `&&`, or start the script with `set -e`");
            if fixable {
                diag.fix(Fix::unsafe_([Edit::replace(range, " &&")]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{sets_errexit, top_level_semicolons};

    proptest::proptest! {
        /// Finding `set` and its flag agrees with splitting the script into words.
        #[test]
        fn errexit_search_agrees_with_the_split(script in "((set|sets|-e|-eux|-o|errexit|--e|x|\u{e9}|[ \t\n;&]{1,2}))*") {
            proptest::prop_assert_eq!(super::sets_errexit(&script), super::sets_errexit_by_split(&script));
        }
    }

    fn count(s: &str) -> usize {
        top_level_semicolons(s).len()
    }

    #[test]
    fn only_top_level_separators() {
        assert_eq!(count("a; b; c"), 2);
        assert_eq!(count("a && b"), 0);
        assert_eq!(count("a;"), 0);
        assert_eq!(count("for f in *; do echo $f; done"), 0);
        assert_eq!(count("for f in *; do echo $f; done; ls"), 1);
        assert_eq!(count("if [ -f x ]; then rm x; fi"), 0);
        assert_eq!(count("echo 'a;b' \"c;d\" e\\;f"), 0);
        assert_eq!(count("find . -exec rm {} \\;"), 0);
        assert_eq!(count("(cd x; make) && { a; b; }"), 0);
        assert_eq!(count("x=$(a; b) && echo done; ls"), 1);
        assert_eq!(count("case $x in a) b;; c) d;; esac"), 0);
        assert_eq!(count("echo done; ls"), 1);
        assert_eq!(count("case $x in a) b;; c) d;; esac; ls"), 1);
        assert_eq!(count("[ \"$X\" = true ] && exit 0; wget x"), 0);
        assert_eq!(count("A=$(uname -m); B=1; curl $A"), 0);
        assert_eq!(count("wget x; chmod +x x; ./x"), 2);
    }

    #[test]
    fn errexit() {
        assert!(sets_errexit("set -eux; a; b"));
        assert!(sets_errexit("set -o errexit; a"));
        assert!(!sets_errexit("set -x; a"));
    }
}
