use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds an `ENV` instruction that sets several variables and uses one of
    /// them in another value of the same instruction (`ENV A=1 B=$A/x`), when
    /// no earlier `ENV` or `ARG` in the file defined that variable.
    ///
    /// ## Why is this bad?
    /// All values of one `ENV` are expanded before any of its variables is
    /// set. `$A` in `B`'s value is therefore the old value of `A`, here empty:
    /// `B` becomes `/x`, not `1/x`.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV APP_HOME=/srv/app APP_BIN=$APP_HOME/bin
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ENV APP_HOME=/srv/app
    /// ENV APP_BIN=$APP_HOME/bin
    /// ```
    ///
    /// ## References
    /// hadolint DL3044 (same code and meaning).
    pub struct EnvSelfReference { code: "DL3044", name: "env-self-reference", tag: None, severity: Error, fix: None }
}

/// Whether `text` uses the variable `name` as `${name…}` or as `$name` not
/// followed by another name character.
fn references(text: &str, name: &str) -> bool {
    // Each use starts at a `$`: most values have none, and the others few. A name holding a `$` (or none)
    // could match overlapping itself, which the searches below, non-overlapping, would not count: those take
    // them.
    if name.is_empty() || name.contains('$') {
        return references_by_search(text, name);
    }
    memchr::memchr_iter(b'$', text.as_bytes()).any(|i| {
        let rest = text.get(i + 1..).unwrap_or_default();
        let braced = rest.strip_prefix('{').and_then(|r| r.strip_prefix(name));
        braced.is_some_and(|r| r.starts_with(['}', ':']))
            || rest.strip_prefix(name).is_some_and(|r| r.chars().next().is_none_or(|c| !is_name_char(c)))
    })
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// [`references`] by searching for `${name` and `$name` (the form it had first).
fn references_by_search(text: &str, name: &str) -> bool {
    let braced = format!("${{{name}");
    let bare = format!("${name}");
    text.match_indices(&braced)
        .any(|(i, m)| text.get(i + m.len()..).and_then(|r| r.chars().next()).is_some_and(|c| c == '}' || c == ':'))
        || text
            .match_indices(&bare)
            .any(|(i, m)| text.get(i + m.len()..).and_then(|r| r.chars().next()).is_none_or(|c| !is_name_char(c)))
}

impl Rule for EnvSelfReference {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        // Names set so far: looked up only for an ENV that can report (few), so a list is cheaper than a set.
        let mut defined: Vec<&str> = Vec::new();
        for (i, inst) in file.instructions.iter().enumerate() {
            match inst.keyword {
                Keyword::Arg => defined.extend(model.args_of(i).iter().map(|d| d.name.as_str())),
                Keyword::Env => {
                    let pairs: Vec<_> = inst.args.chunks(2).filter_map(|p| Some((p.first()?, p.get(1)?))).collect();
                    // A use is a `$` in another pair's value.
                    let may_use = pairs.len() > 1 && pairs.iter().any(|(_, v)| v.value.contains('$'));
                    for (k, (key, _)) in pairs.iter().enumerate().filter(|_| may_use) {
                        if defined.contains(&key.value.as_str()) {
                            continue;
                        }
                        let user = pairs
                            .iter()
                            .enumerate()
                            .find(|(j, (_, value))| *j != k && references(&value.value, &key.value));
                        if let Some((_, (other, value))) = user {
                            cx.report(
                                self,
                                value.range,
                                format!("`{}` uses `${}`, which this same `ENV` sets", other.value, key.value),
                            )
                            .help(format!(
                                "values of one `ENV` see the variables as they were before it: set `{}` in an earlier `ENV`",
                                key.value
                            ));
                        }
                    }
                    defined.extend(pairs.iter().map(|(k, _)| k.value.as_str()));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{references, references_by_search};

    proptest::proptest! {
        /// The `$`-by-`$` scan finds what the two searches find.
        #[test]
        fn scan_agrees_with_search(text in "([a-zA-Z_:}{$/-]|A|AB|\\$\\{A)*", name in "A|AB|B|A\\$|\\$|a_1|") {
            proptest::prop_assert_eq!(references(&text, &name), references_by_search(&text, &name));
        }
    }

    #[test]
    fn variable_references() {
        assert!(references("$A/x", "A"));
        assert!(references("${A}/x", "A"));
        assert!(references("${A:-1}", "A"));
        assert!(references("x$A", "A"));
        assert!(!references("$AB", "A"));
        assert!(!references("${AB}", "A"));
        assert!(!references("A", "A"));
    }
}
