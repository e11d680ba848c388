use crate::lint::HashMap;

use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::{ScopeCursor, expand};
use crate::lint::parser::Keyword;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds a variable in an instruction `BuildKit` expands (`COPY`, `ADD`,
    /// `WORKDIR`, `ENV`, `LABEL`, `USER`, `EXPOSE`, `VOLUME`, `STOPSIGNAL`)
    /// that nothing defines, when an `ARG` or `ENV` in scope has nearly the
    /// same name: the same letters in another case, or one letter apart
    /// (`$APP_HOMEE` with `ARG APP_HOME`). This is `BuildKit`'s
    /// `UndefinedVar` check, limited to the typos it would suggest a fix for:
    /// a linter cannot see the base image's environment, so other unknown
    /// names may well be defined there. Variables in `RUN` are ShellCheck's
    /// (SC2154).
    ///
    /// ## Why is this bad?
    /// An undefined variable expands to an empty string without an error:
    /// `COPY app ${APP_HOMEE}/` copies to `/`, and `WORKDIR $APPDIR` works
    /// in the root directory.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG APP_HOME=/srv/app
    /// WORKDIR ${APP_HOMEE}
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG APP_HOME=/srv/app
    /// WORKDIR ${APP_HOME}
    /// ```
    pub struct UndefinedVariable { code: "DD111", name: "undefined-variable", tag: None, severity: Warning, fix: None }
}

/// Whether `a` and `b` differ only in case or by one edit.
fn nearly(a: &str, b: &str) -> bool {
    if a == b || a.len() < 3 || b.len() < 3 {
        return false;
    }
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        // Bytes are characters: no copies, and most pairs differ in length by more than one.
        return a.len().abs_diff(b.len()) <= 1 && one_edit(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    one_edit(&a, &b)
}

/// Whether `a` and `b` (not equal) are one substitution, insertion, deletion or swap of neighbours apart.
fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let mut diffs = (0..short.len()).filter(|&i| short[i] != long[i]);
            match (diffs.next(), diffs.next(), diffs.next()) {
                (Some(_), None, _) => true,
                (Some(x), Some(y), None) => y == x + 1 && short[x] == long[y] && short[y] == long[x],
                _ => false,
            }
        }
        1 => {
            let i = (0..short.len()).find(|&i| short[i] != long[i]).unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

impl Rule for UndefinedVariable {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut found: Vec<(TextRange, String, String)> = Vec::new();
        // Instructions come in file order: the scope and the ARG names of the
        // stage so far are carried forward, not rebuilt for each instruction.
        let mut scopes = ScopeCursor::new(model, file);
        let mut stage_args: Option<(usize, usize)> = None;
        let mut arg_names: Vec<String> = Vec::new();
        for (i, inst) in file.instructions.iter().enumerate() {
            let words: Vec<(&str, TextRange)> = match inst.keyword {
                Keyword::Copy
                | Keyword::Add
                | Keyword::Workdir
                | Keyword::User
                | Keyword::Expose
                | Keyword::Volume
                | Keyword::Stopsignal => inst.args.iter().map(|a| (a.value.as_str(), a.range)).collect(),
                Keyword::Env | Keyword::Label => {
                    inst.args.chunks(2).filter_map(|c| c.get(1)).map(|a| (a.value.as_str(), a.range)).collect()
                }
                _ => continue,
            };
            if !words.iter().any(|(w, _)| w.contains('$')) || model.stage_of.get(i).copied().flatten().is_none() {
                continue;
            }
            let scope: &HashMap<String, String> = scopes.at(i);
            // ARGs declared without a default are defined too (by --build-arg):
            // those of this stage before `i`.
            if let Some(stage) = model.stage_of.get(i).copied().flatten().and_then(|s| model.stages.get(s)) {
                let from = match stage_args {
                    Some((s, next)) if s == stage.index && next <= i => next,
                    _ => {
                        arg_names.clear();
                        stage.body.start
                    }
                };
                for j in from..i.min(stage.body.end) {
                    arg_names.extend(model.args_of(j).iter().map(|d| d.name.clone()));
                }
                stage_args = Some((stage.index, i.min(stage.body.end).max(from)));
            }
            // The names in scope, then the ARG names (the order does not matter: close names are sorted).
            let names = || scope.keys().chain(arg_names.iter());
            for (word, range) in words {
                if !word.contains('$') {
                    continue;
                }
                let lookup =
                    |n: &str| scope.get(n).cloned().or_else(|| arg_names.iter().any(|d| d == n).then(String::new));
                for name in expand::expand(word, model.escape, &lookup).unset {
                    let mut close: Vec<&String> = names().filter(|d| nearly(&name, d)).collect();
                    close.sort();
                    if let Some(d) = close.first() {
                        found.push((range, name.clone(), (*d).clone()));
                    }
                }
            }
        }
        for (range, name, similar) in found {
            cx.report(self, range, format!("`{name}` is not defined (did you mean `{similar}`?)"))
                .help(format!("use `{similar}`, or declare `ARG {name}` before this line"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::nearly;

    #[test]
    fn near_names() {
        assert!(nearly("APP_HOMEE", "APP_HOME"));
        assert!(nearly("app_home", "APP_HOME"));
        assert!(nearly("APP_HOEM", "APP_HOME"));
        assert!(nearly("APP_HONE", "APP_HOME"));
        assert!(!nearly("APP_HOME", "APP_HOME"));
        assert!(!nearly("PORT", "HOST"));
        assert!(!nearly("A", "B"));
        // Characters, not bytes, outside ASCII.
        assert!(nearly("CAFÉ_DIR", "CAFE_DIR"));
        assert!(nearly("DIR_É", "DIR_ÉÉ"));
        assert!(!nearly("APP_HOME_DIR", "APP_HOME"));
        assert!(!nearly("ABCD", "BADC"));
    }
}
