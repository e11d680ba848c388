//! `BuildKit`'s word lexer (`frontend/dockerfile/shell/lex.go`): quotes, the
//! escape character and `$VAR` expansion, as `BuildKit` applies them to the
//! arguments of `FROM`, `USER`, `ENV`, `LABEL`, `COPY` and friends.
//!
//! Rules must see what `BuildKit` will see: `FROM ${BASE:-node}:${TAG}` is
//! `node:20` only after expansion, and `ENV A="x y"` sets `x y`. This module
//! reimplements the semantics of `ProcessWord` / `ProcessWords`:
//!
//! - the escape character (`\` or `` ` ``, from `# escape=`) makes the next
//!   character literal; at the very end of the input it is dropped;
//! - single quotes are literal; inside double quotes only `$`, `"` and the
//!   escape character can be escaped, and `$` still expands;
//! - `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`,
//!   `${VAR:?msg}`, `${VAR?msg}`, `${VAR#p}`, `${VAR##p}`, `${VAR%p}`,
//!   `${VAR%%p}`, `${VAR/p/r}` and `${VAR//p/r}`, where `w`, `msg`, `p` and
//!   `r` are words themselves (quotes and nested `$` work) and `p` is a glob
//!   with `*` and `?`;
//! - `$1`, `$@`, `$#` and the other special parameters are looked up like any
//!   other name (so they are normally unset).
//!
//! Where `BuildKit` stops with an error, this lexer records the first error in
//! [`Expanded::error`] and carries on with a best-effort value, so a linter can
//! report the problem and still lint the rest. It never panics, and nesting is
//! limited so hostile input cannot exhaust the stack.

use regex::{NoExpand, Regex};

/// Looks up a variable: `None` means unset, `Some("")` set but empty.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The deepest `${…}` / quote nesting processed before giving up.
const MAX_DEPTH: usize = 64;

/// The result of expanding a word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// The word with quotes removed and variables substituted.
    pub value: String,
    /// Names of variables the word used that had no value, deduplicated, in
    /// the order they were looked up.
    pub unset: Vec<String>,
    /// Why `BuildKit` would reject the word (unterminated quote or `${`, bad
    /// substitution, `${VAR:?msg}` with `VAR` unset); `value` is then a
    /// best-effort result.
    pub error: Option<String>,
}

/// Everything the lexer learns about one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lexed {
    /// The whole input, quotes removed and variables substituted (or kept
    /// literally when there was no lookup).
    pub value: String,
    /// The input split on unquoted whitespace, after substitution: whitespace
    /// that comes from a variable's value splits too, quoted text never does.
    pub words: Vec<String>,
    /// Names looked up while unset, deduplicated, in lookup order.
    pub unset: Vec<String>,
    /// The first error, as in [`Expanded::error`].
    pub error: Option<String>,
}

/// Runs the lexer. With `lookup`, variables are expanded; without it, every
/// `$…` expression is kept exactly as written and nothing counts as unset.
pub fn lex(input: &str, escape: char, lookup: Option<Lookup<'_>>) -> Lexed {
    if is_plain(input, escape) {
        return Lexed { value: input.to_owned(), words: plain_words(input), unset: Vec::new(), error: None };
    }
    lex_chars(input, escape, lookup)
}

/// Whether `input` has nothing for the lexer to do: no `$`, quote or escape character. Its value is then
/// itself and its words are its whitespace-separated pieces (most ENV values, LABELs and paths are).
fn is_plain(input: &str, escape: char) -> bool {
    !input.contains(['$', '\'', '"', escape])
}

/// The words of a plain input (see [`is_plain`]), as the lexer splits them.
fn plain_words(input: &str) -> Vec<String> {
    input.split_whitespace().map(str::to_owned).collect()
}

/// The lexer proper, one character at a time.
fn lex_chars(input: &str, escape: char, lookup: Option<Lookup<'_>>) -> Lexed {
    let mut lexer = Lexer {
        src: input.chars().collect(),
        pos: 0,
        escape,
        raw_escapes: false,
        lookup,
        unset: Vec::new(),
        error: None,
        depth: 0,
    };
    let (value, words, _) = lexer.process_until(None, false);
    Lexed { value, words, unset: lexer.unset, error: lexer.error }
}

/// Expands one word, like `BuildKit`'s `ProcessWord`: quotes removed, escapes
/// applied, variables substituted through `lookup`.
pub fn expand(word: &str, escape: char, lookup: Lookup<'_>) -> Expanded {
    if is_plain(word, escape) {
        return Expanded { value: word.to_owned(), unset: Vec::new(), error: None };
    }
    let lexed = lex_chars(word, escape, Some(lookup));
    Expanded { value: lexed.value, unset: lexed.unset, error: lexed.error }
}

/// Splits on unquoted whitespace and removes quotes, like `ProcessWords`, but
/// keeps every `$…` expression literally (no lookup).
pub fn split_words(s: &str, escape: char) -> Vec<String> {
    lex(s, escape, None).words
}

/// [`split_words`] with variable expansion, exactly `ProcessWords`: a
/// variable's value is split on its whitespace unless it was quoted.
pub fn split_words_with(s: &str, escape: char, lookup: Lookup<'_>) -> Vec<String> {
    lex(s, escape, Some(lookup)).words
}

/// Removes the quotes and escapes of a single word without expanding
/// variables (`$X` stays `$X`); used for ENV and LABEL values. Because the
/// escape is removed, `\$X` also becomes `$X`.
pub fn unquote(s: &str, escape: char) -> String {
    if is_plain(s, escape) {
        return s.to_owned();
    }
    lex_chars(s, escape, None).value
}

/// Accumulates `ProcessWords` output: characters from unquoted text and from
/// variable values split on whitespace; quoted and escaped characters do not.
#[derive(Default)]
struct WordBuf {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl WordBuf {
    fn add_char(&mut self, ch: char) {
        if !ch.is_whitespace() {
            self.add_raw_char(ch);
        } else if self.in_word && !self.word.is_empty() {
            self.words.push(std::mem::take(&mut self.word));
            self.in_word = false;
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.word.push(ch);
        self.in_word = true;
    }

    fn add_str(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_str(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(self.word);
        }
        self.words
    }
}

struct Lexer<'l> {
    src: Vec<char>,
    pos: usize,
    escape: char,
    /// Keep escape characters in the output (inside `#`, `%` and `/`
    /// patterns, where the glob needs them).
    raw_escapes: bool,
    lookup: Option<Lookup<'l>>,
    unset: Vec<String>,
    error: Option<String>,
    depth: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += 1;
        Some(ch)
    }

    fn fail(&mut self, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(message.into());
        }
    }

    fn source_since(&self, start: usize) -> String {
        self.src.get(start..self.pos).map(|s| s.iter().collect()).unwrap_or_default()
    }

    fn get(&mut self, name: &str) -> Option<String> {
        let lookup = self.lookup?;
        let value = lookup(name);
        if value.is_none() && !self.unset.iter().any(|n| n == name) {
            self.unset.push(name.to_string());
        }
        value
    }

    /// Processes text up to `stop` (consumed) or the end of input. Returns
    /// the text, its words, and whether `stop` was found (always true
    /// without a stop character).
    fn process_until(&mut self, stop: Option<char>, raw: bool) -> (String, Vec<String>, bool) {
        if self.depth >= MAX_DEPTH {
            self.fail("the word is nested too deeply; simplify it");
            self.pos = self.src.len();
            return (String::new(), Vec::new(), false);
        }
        self.depth += 1;
        let saved_raw = std::mem::replace(&mut self.raw_escapes, raw);
        let mut result = String::new();
        let mut words = WordBuf::default();
        let mut closed = stop.is_none();
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.pos += 1;
                closed = true;
                break;
            }
            match ch {
                '$' => {
                    let (text, literal) = self.dollar();
                    if literal {
                        words.add_raw_str(&text);
                    } else {
                        words.add_str(&text);
                    }
                    result.push_str(&text);
                }
                '\'' => {
                    let text = self.single_quoted();
                    words.add_raw_str(&text);
                    result.push_str(&text);
                }
                '"' => {
                    let text = self.double_quoted();
                    words.add_raw_str(&text);
                    result.push_str(&text);
                }
                _ => {
                    self.pos += 1;
                    if ch == self.escape {
                        if self.raw_escapes {
                            words.add_raw_char(ch);
                            result.push(ch);
                        }
                        // An escape at the very end is dropped.
                        let Some(next) = self.bump() else { break };
                        words.add_raw_char(next);
                        result.push(next);
                    } else {
                        words.add_char(ch);
                        result.push(ch);
                    }
                }
            }
        }
        self.raw_escapes = saved_raw;
        self.depth -= 1;
        (result, words.finish(), closed)
    }

    /// `'…'`: everything literal, no escapes.
    fn single_quoted(&mut self) -> String {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    self.fail("a single quote is not closed; add the closing `'`");
                    return out;
                }
                Some('\'') => return out,
                Some(ch) => out.push(ch),
            }
        }
    }

    /// `"…"`: `$` expands; the escape character escapes only `"`, `$` and
    /// itself and is literal before anything else.
    fn double_quoted(&mut self) -> String {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    self.fail("a double quote is not closed; add the closing `\"`");
                    return out;
                }
                Some('"') => {
                    self.pos += 1;
                    return out;
                }
                Some('$') => {
                    let (text, _) = self.dollar();
                    out.push_str(&text);
                }
                Some(mut ch) => {
                    self.pos += 1;
                    if ch == self.escape {
                        if self.raw_escapes {
                            out.push(ch);
                        }
                        match self.peek() {
                            // The dangling escape is dropped; the loop then
                            // reports the missing quote.
                            None => continue,
                            Some(next) if next == '"' || next == '$' || next == self.escape => {
                                ch = next;
                                self.pos += 1;
                            }
                            Some(_) => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    /// A name after `$`: letters, digits and `_`; or all digits
    /// (positional); or one special parameter character.
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_numeric() {
                while let Some(digit) = self.peek().filter(|c| c.is_numeric()) {
                    name.push(digit);
                    self.pos += 1;
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!') {
                self.pos += 1;
                return ch.to_string();
            }
            if !(ch.is_alphanumeric() || ch == '_') {
                break;
            }
            name.push(ch);
            self.pos += 1;
        }
        name
    }

    /// A `$` expression. Returns its value and whether it is literal source
    /// text (no lookup) rather than a variable's value.
    fn dollar(&mut self) -> (String, bool) {
        let start = self.pos;
        self.pos += 1;
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return ("$".into(), true);
            }
            if self.lookup.is_none() {
                return (self.source_since(start), true);
            }
            return (self.get(&name).unwrap_or_default(), false);
        }
        self.pos += 1;
        let value = self.braced(start);
        if self.lookup.is_none() {
            return (self.source_since(start), true);
        }
        (value, false)
    }

    /// The part of `${…}` after the `{`; `start` is the `$`.
    fn braced(&mut self, start: usize) -> String {
        match self.peek() {
            None => {
                self.fail(missing_brace(&self.source_since(start)));
                return String::new();
            }
            Some('{' | '}' | ':') => {
                self.bad_substitution(start);
                return String::new();
            }
            Some(_) => {}
        }
        let name = self.name();
        let Some(op) = self.bump() else {
            self.fail(missing_brace(&self.source_since(start)));
            return self.get(&name).unwrap_or_default();
        };
        match op {
            '}' => self.get(&name).unwrap_or_default(),
            ':' => match self.bump() {
                Some(op @ ('-' | '+' | '?' | '#' | '%')) => self.modifier(start, &name, op, true),
                Some('}') => {
                    self.fail(format!(
                        "bad substitution `{}`; write a modifier after `:` or remove the `:`",
                        self.source_since(start)
                    ));
                    self.get(&name).unwrap_or_default()
                }
                None => {
                    self.fail(missing_brace(&self.source_since(start)));
                    self.get(&name).unwrap_or_default()
                }
                Some(other) => self.unsupported(start, &format!(":{other}")),
            },
            '-' | '+' | '?' | '#' | '%' => self.modifier(start, &name, op, false),
            '/' => self.replace(start, &name),
            other => self.unsupported(start, &other.to_string()),
        }
    }

    /// `${{…`, `${}` or `${:…`: skip to the closing brace, if any.
    fn bad_substitution(&mut self, start: usize) {
        let rest = self.src.get(self.pos..).unwrap_or_default();
        match rest.iter().position(|c| *c == '}') {
            Some(i) => self.pos += i + 1,
            None => self.pos = self.src.len(),
        }
        self.fail(format!("bad substitution `{}`; write a variable name after `${{`", self.source_since(start)));
    }

    fn unsupported(&mut self, start: usize, op: &str) -> String {
        let _ = self.process_until(Some('}'), false);
        self.fail(format!(
            "unsupported modifier `{op}` in `{}`; use one of `-`, `+`, `?`, `#`, `%`, `/`",
            self.source_since(start)
        ));
        String::new()
    }

    /// `${NAME<op>word}` for `-`, `+`, `?`, `#` and `%` (with `:` when
    /// `colon`, which makes an empty value count as unset).
    fn modifier(&mut self, start: usize, name: &str, op: char, colon: bool) -> String {
        let value = if self.lookup.is_some() { self.get(name) } else { None };
        let (mut word, _, closed) = self.process_until(Some('}'), op == '#' || op == '%');
        if !closed {
            self.fail(missing_brace(&self.source_since(start)));
        }
        if self.lookup.is_none() {
            return String::new();
        }
        let empty_is_unset = |v: &Option<String>| v.is_none() || (colon && v.as_deref() == Some(""));
        match op {
            '-' => {
                if empty_is_unset(&value) {
                    word
                } else {
                    value.unwrap_or_default()
                }
            }
            '+' => {
                if empty_is_unset(&value) {
                    String::new()
                } else {
                    word
                }
            }
            '?' => {
                if empty_is_unset(&value) {
                    let message = if !word.is_empty() {
                        word
                    } else if value.is_none() {
                        "must be set; pass it with `--build-arg` or give the ARG a default".into()
                    } else {
                        "must not be empty; give it a value".into()
                    };
                    self.fail(format!("{name}: {message}"));
                    String::new()
                } else {
                    value.unwrap_or_default()
                }
            }
            _ => {
                let value = value.unwrap_or_default();
                let greedy = word.starts_with(op);
                if greedy {
                    word.remove(0);
                }
                let trimmed = Glob::parse(&word).and_then(|glob| {
                    if op == '%' { glob.trim_suffix(&value, greedy) } else { glob.trim_prefix(&value, greedy) }
                });
                trimmed.unwrap_or_else(|e| {
                    self.fail(e);
                    value
                })
            }
        }
    }

    /// `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`.
    fn replace(&mut self, start: usize, name: &str) -> String {
        let value = self.get(name).unwrap_or_default();
        let all = self.peek() == Some('/');
        if all {
            self.pos += 1;
        }
        let (pattern, _, closed) = self.process_until(Some('/'), true);
        if !closed {
            self.fail(format!(
                "`{}` has no `/` before the replacement; write `${{{name}/pattern/replacement}}`",
                self.source_since(start)
            ));
            return value;
        }
        let (replacement, _, closed) = self.process_until(Some('}'), true);
        if !closed {
            self.fail(missing_brace(&self.source_since(start)));
        }
        if self.lookup.is_none() {
            return String::new();
        }
        match Glob::parse(&pattern).and_then(|g| g.regex(false, true)) {
            Ok(re) if all => re.replace_all(&value, NoExpand(&replacement)).into_owned(),
            Ok(re) => re.replacen(&value, 1, NoExpand(&replacement)).into_owned(),
            Err(e) => {
                self.fail(e);
                value
            }
        }
    }
}

fn missing_brace(expr: &str) -> String {
    format!("`{expr}` is not closed; add the closing `}}`")
}

/// A shell pattern: `*` (any run of characters), `?` (one character) and
/// literals. `\*`, `\?` and `\\` are literal; `\}` and `\/` are the plain
/// character. The backslash is the pattern escape whatever `# escape=` says.
#[derive(Debug)]
struct Glob(Vec<GlobTok>);

#[derive(Clone, Copy, Debug)]
enum GlobTok {
    Star,
    One,
    Lit(char),
}

impl Glob {
    fn parse(pattern: &str) -> Result<Self, String> {
        let mut toks = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(ch) = chars.next() {
            toks.push(match ch {
                '*' => GlobTok::Star,
                '?' => GlobTok::One,
                '\\' => match chars.peek().copied() {
                    Some('}' | '/') => continue,
                    Some(c @ ('*' | '?' | '\\')) => {
                        chars.next();
                        GlobTok::Lit(c)
                    }
                    other => {
                        let shown = other.map(String::from).unwrap_or_default();
                        return Err(format!(
                            "invalid escape `\\{shown}` in pattern `{pattern}`; only `\\*`, `\\?` \
                             and `\\\\` are allowed"
                        ));
                    }
                },
                c => GlobTok::Lit(c),
            });
        }
        Ok(Self(toks))
    }

    fn regex(&self, anchored: bool, greedy: bool) -> Result<Regex, String> {
        let mut re = String::with_capacity(self.0.len() + 1);
        if anchored {
            re.push('^');
        }
        for tok in &self.0 {
            match tok {
                GlobTok::Star => re.push_str(if greedy { ".*" } else { ".*?" }),
                GlobTok::One => re.push('.'),
                GlobTok::Lit(c) => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
            }
        }
        Regex::new(&re).map_err(|e| format!("the pattern is too complex ({e}); simplify it"))
    }

    /// Removes the shortest (or, when `greedy`, longest) matching prefix.
    fn trim_prefix(&self, value: &str, greedy: bool) -> Result<String, String> {
        let re = self.regex(true, greedy)?;
        Ok(match re.find(value) {
            Some(m) => value.get(m.end()..).unwrap_or_default().to_string(),
            None => value.to_string(),
        })
    }

    /// Removes the shortest (or longest) matching suffix, by matching the
    /// reversed pattern against the reversed value.
    fn trim_suffix(&self, value: &str, greedy: bool) -> Result<String, String> {
        let reversed = Self(self.0.iter().rev().copied().collect());
        let value: String = value.chars().rev().collect();
        let trimmed = reversed.trim_prefix(&value, greedy)?;
        Ok(trimmed.chars().rev().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// Expands with `\` and the given variables; asserts no error.
    fn ex(word: &str, vars: &[(&str, &str)]) -> String {
        let e = expand(word, '\\', &env(vars));
        assert_eq!(e.error, None, "{word}");
        e.value
    }

    fn ex_full(word: &str, vars: &[(&str, &str)]) -> Expanded {
        expand(word, '\\', &env(vars))
    }

    fn err(word: &str, vars: &[(&str, &str)]) -> (String, String) {
        let e = ex_full(word, vars);
        (e.value, e.error.unwrap_or_else(|| panic!("{word} should fail")))
    }

    fn words(s: &str, vars: &[(&str, &str)]) -> Vec<String> {
        split_words_with(s, '\\', &env(vars))
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(ex("node:20-alpine", &[]), "node:20-alpine");
    }

    #[test]
    fn dollar_var_and_braces() {
        let vars = [("BASE", "node"), ("TAG", "20")];
        assert_eq!(ex("$BASE:$TAG", &vars), "node:20");
        assert_eq!(ex("${BASE}x${TAG}", &vars), "nodex20");
        assert_eq!(ex("$BASE-x", &vars), "node-x");
    }

    #[test]
    fn unset_is_empty_and_recorded_in_order_once() {
        let e = ex_full("$B${A}$B${C:-x}", &[]);
        assert_eq!(e.value, "x");
        assert_eq!(e.unset, ["B", "A", "C"]);
        assert_eq!(e.error, None);
    }

    #[test]
    fn set_but_empty_is_not_unset() {
        let e = ex_full("a${E}b", &[("E", "")]);
        assert_eq!((e.value.as_str(), e.unset.len()), ("ab", 0));
    }

    #[test]
    fn lone_dollar_is_literal() {
        assert_eq!(ex("a$ $", &[]), "a$ $");
        assert_eq!(ex("$.x", &[]), "$.x");
    }

    #[test]
    fn positional_and_special_parameters_are_names() {
        let e = ex_full("$12a$@", &[("12", "p")]);
        assert_eq!(e.value, "pa");
        assert_eq!(e.unset, ["@"]);
    }

    #[test]
    fn default_with_colon_treats_empty_as_unset() {
        let vars = [("FOO", "xxx"), ("BAR", "")];
        assert_eq!(ex("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", &vars), "xxx bbb ccc");
    }

    #[test]
    fn default_without_colon_keeps_empty() {
        let vars = [("FOO", "xxx"), ("BAR", "")];
        assert_eq!(ex("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", &vars), "xxx  ccc");
    }

    #[test]
    fn alternative_with_and_without_colon() {
        let vars = [("FOO", "xxx"), ("BAR", "")];
        assert_eq!(ex("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", &vars), "aaa  ");
        assert_eq!(ex("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", &vars), "aaa bbb ");
    }

    #[test]
    fn nested_words_in_modifiers() {
        let vars = [("V", "7"), ("OS", "linux")];
        assert_eq!(ex("x${V:+-${V}}", &vars), "x-7");
        assert_eq!(ex("${REG:-${OS}.io}/a", &vars), "linux.io/a");
        assert_eq!(ex("${A:-\"two words\"}", &vars), "two words");
        assert_eq!(ex("${A:-'$V'}", &vars), "$V");
    }

    #[test]
    fn required_unset_records_error_with_message() {
        let (value, error) = err("a${VAR:?message here$ARG}b", &[("ARG", "x")]);
        assert_eq!(value, "ab");
        assert_eq!(error, "VAR: message herex");
        let (_, error) = err("${VAR?}", &[]);
        assert_eq!(error, "VAR: must be set; pass it with `--build-arg` or give the ARG a default");
    }

    #[test]
    fn required_empty_only_fails_with_colon() {
        assert_eq!(ex("${VAR?msg}", &[("VAR", "")]), "");
        assert_eq!(ex("${VAR:?msg}", &[("VAR", "plain")]), "plain");
        let (_, error) = err("${VAR:?}", &[("VAR", "")]);
        assert_eq!(error, "VAR: must not be empty; give it a value");
    }

    #[test]
    fn trim_prefix_shortest_and_longest() {
        let vars = [("FOO", "xxyy")];
        assert_eq!(ex("${FOO#*x*y}", &vars), "y");
        assert_eq!(ex("${FOO#x}", &vars), "xyy");
        assert_eq!(ex("${FOO#*}", &vars), "xxyy");
        assert_eq!(ex("${FOO##*x}", &vars), "yy");
        assert_eq!(ex("${FOO#}", &vars), "xxyy");
        assert_eq!(ex("${FOO#z}", &vars), "xxyy");
    }

    #[test]
    fn trim_suffix_shortest_and_longest() {
        let vars = [("F", "app.tar.gz")];
        assert_eq!(ex("${F%.*}", &vars), "app.tar");
        assert_eq!(ex("${F%%.*}", &vars), "app");
        assert_eq!(ex("${F%}", &vars), "app.tar.gz");
        assert_eq!(ex("${F%x}", &vars), "app.tar.gz");
    }

    #[test]
    fn trim_with_escaped_glob_characters() {
        assert_eq!(ex("${FOO%%\\**}", &[("FOO", "xx**")]), "xx");
        assert_eq!(ex("${FOO#?\\?}", &[("FOO", "???y")]), "?y");
        assert_eq!(ex("${FOO%%\\**\\*}", &[("FOO", "a***yy*")]), "a");
        assert_eq!(ex("${FOO#()[]{\\}^$.\\*\\?|\\\\}", &[("FOO", "()[]{}^$.*?|\\x")]), "x");
    }

    #[test]
    fn trim_with_question_mark_and_variable_pattern() {
        assert_eq!(ex("${V#?}", &[("V", "v1.2")]), "1.2");
        assert_eq!(ex("${FOO#$BAR}", &[("FOO", "xxyy"), ("BAR", "x")]), "xyy");
        assert_eq!(ex("${V:#v}", &[("V", "v1")]), "1");
    }

    #[test]
    fn invalid_pattern_escape_is_an_error() {
        let (value, error) = err("${V#\\x}", &[("V", "abc")]);
        assert_eq!(value, "abc");
        assert_eq!(error, "invalid escape `\\x` in pattern `\\x`; only `\\*`, `\\?` and `\\\\` are allowed");
    }

    #[test]
    fn replace_first_and_all() {
        let vars = [("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")];
        assert_eq!(ex("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", &vars), "/tmp/bar.txt - /bar.txt");
        assert_eq!(ex("${V/a/b}", &[("V", "aaa")]), "baa");
        assert_eq!(ex("${V//a/b}", &[("V", "aaa")]), "bbb");
    }

    #[test]
    fn replace_with_globs() {
        let vars = [("FOO", "/a/foo/b/c.txt"), ("N", "/?/"), ("R", "/")];
        assert_eq!(ex("${FOO/$N/$R} - ${FOO//$N/$R}", &vars), "/foo/b/c.txt - /foo/c.txt");
        let vars = [("FOO", "/foo*/*/*.txt"), ("N", "\\*/")];
        assert_eq!(ex("${FOO/$N/.} - ${FOO//$N/.}", &vars), "/foo.*/*.txt - /foo..*.txt");
        assert_eq!(ex("${V//*/x}", &[("V", "abc")]), "x");
    }

    #[test]
    fn replace_escaped_separator_keeps_escape_in_replacement() {
        assert_eq!(ex("${FOO//\\//\\/}", &[("FOO", "/tmp/foo.txt")]), "\\/tmp\\/foo.txt");
    }

    #[test]
    fn replace_edge_cases() {
        assert_eq!(ex("${FOO/$BAR/ww}", &[("FOO", "xxyy"), ("BAR", "")]), "wwxxyy");
        assert_eq!(ex("${FOO///}", &[("FOO", "xxyy")]), "xxyy");
        let e = ex_full("${FOO///}", &[]);
        assert_eq!((e.value.as_str(), e.unset.as_slice()), ("", &["FOO".to_string()][..]));
        let (value, error) = err("${FOO//ww}", &[("FOO", "xxyy")]);
        assert_eq!(value, "xxyy");
        assert_eq!(error, "`${FOO//ww}` has no `/` before the replacement; write `${FOO/pattern/replacement}`");
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(ex("'$A \\x \"'", &[("A", "no")]), "$A \\x \"");
    }

    #[test]
    fn double_quotes_expand_and_escape_only_some_chars() {
        let vars = [("A", "v")];
        assert_eq!(ex("\"$A ${A}\"", &vars), "v v");
        assert_eq!(ex("\"\\$A \\\" \\\\ \\x\"", &vars), "$A \" \\ \\x");
        assert_eq!(ex("\"it's\"", &vars), "it's");
    }

    #[test]
    fn backslash_escapes_outside_quotes() {
        assert_eq!(ex("\\$A\\ b\\\\", &[("A", "no")]), "$A b\\");
        assert_eq!(ex("a\\", &[]), "a");
    }

    #[test]
    fn backtick_escape() {
        let lookup = env(&[("A", "v")]);
        let e = expand("`$A C:\\dir \"`\"x`\"\"", '`', &lookup);
        assert_eq!(e.value, "$A C:\\dir \"x\"");
        assert_eq!(e.error, None);
        assert_eq!(expand("\"a\\\"", '`', &lookup).value, "a\\");
    }

    #[test]
    fn unterminated_double_quote() {
        let (value, error) = err("\"abc $A", &[("A", "v")]);
        assert_eq!(value, "abc v");
        assert_eq!(error, "a double quote is not closed; add the closing `\"`");
    }

    #[test]
    fn unterminated_single_quote() {
        let (value, error) = err("x'abc", &[]);
        assert_eq!(value, "xabc");
        assert_eq!(error, "a single quote is not closed; add the closing `'`");
    }

    #[test]
    fn unterminated_braces() {
        let (value, error) = err("a${A", &[("A", "v")]);
        assert_eq!(value, "av");
        assert_eq!(error, "`${A` is not closed; add the closing `}`");
        let (value, error) = err("${A:-def", &[]);
        assert_eq!(value, "def");
        assert_eq!(error, "`${A:-def` is not closed; add the closing `}`");
        assert_eq!(err("${", &[]).1, "`${` is not closed; add the closing `}`");
    }

    #[test]
    fn bad_substitutions() {
        let (value, error) = err("a${}b", &[]);
        assert_eq!(value, "ab");
        assert_eq!(error, "bad substitution `${}`; write a variable name after `${`");
        assert_eq!(err("${:x}", &[]).1, "bad substitution `${:x}`; write a variable name after `${`");
        assert_eq!(err("${{x}", &[]).1, "bad substitution `${{x}`; write a variable name after `${`");
        assert_eq!(
            err("${A:}", &[("A", "v")]),
            ("v".into(), "bad substitution `${A:}`; write a modifier after `:` or remove the `:`".into())
        );
    }

    #[test]
    fn unsupported_modifiers() {
        let (value, error) = err("${FOO=aaa}x", &[("FOO", "v")]);
        assert_eq!(value, "x");
        assert_eq!(error, "unsupported modifier `=` in `${FOO=aaa}`; use one of `-`, `+`, `?`, `#`, `%`, `/`");
        assert!(err("${FOO:=aaa}", &[]).1.starts_with("unsupported modifier `:=`"));
    }

    #[test]
    fn first_error_wins() {
        let e = ex_full("${A:?first} \"open", &[]);
        assert_eq!(e.error.as_deref(), Some("A: first"));
    }

    #[test]
    fn split_words_removes_quotes() {
        assert_eq!(split_words("a  'b c' \"d e\"f\tg", '\\'), ["a", "b c", "d ef", "g"]);
        assert_eq!(split_words("  ", '\\'), Vec::<String>::new());
        assert_eq!(split_words("a\\ b c", '\\'), ["a b", "c"]);
    }

    #[test]
    fn split_words_keeps_variables_literally() {
        assert_eq!(split_words("$A ${B:-x y} \"$C\"", '\\'), ["$A", "${B:-x y}", "$C"]);
    }

    #[test]
    fn split_words_with_splits_unquoted_values() {
        let vars = [("A", "1 2"), ("E", "")];
        assert_eq!(words("x$A \"$A\" y", &vars), ["x1", "2", "1 2", "y"]);
        assert_eq!(words("$E a", &vars), ["a"]);
        assert_eq!(words("\"\" a", &vars), ["a"]);
    }

    #[test]
    fn unquote_keeps_variables() {
        assert_eq!(unquote("\"hello $NAME\"", '\\'), "hello $NAME");
        assert_eq!(unquote("'a b'c\\ d", '\\'), "a bc d");
        assert_eq!(unquote("${X:-\"q\"}", '\\'), "${X:-\"q\"}");
        assert_eq!(unquote("${X:?}", '\\'), "${X:?}");
        assert_eq!(unquote("\\$X", '\\'), "$X");
    }

    #[test]
    fn unquote_reports_malformed_input_via_lex() {
        let l = lex("\"abc", '\\', None);
        assert_eq!(l.value, "abc");
        assert_eq!(l.error.as_deref(), Some("a double quote is not closed; add the closing `\"`"));
        assert!(l.unset.is_empty());
    }

    #[test]
    fn deep_nesting_is_cut_off_without_panicking() {
        let word = "${A:-".repeat(10_000);
        let e = ex_full(&word, &[]);
        assert_eq!(e.error.as_deref(), Some("the word is nested too deeply; simplify it"));
    }

    #[test]
    fn unicode_values_and_names() {
        assert_eq!(ex("${K}!", &[("K", "한국어")]), "한국어!");
        assert_eq!(ex("${K%어}", &[("K", "한국어")]), "한국");
        assert_eq!(ex("$é", &[("é", "e")]), "e");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn lookup(name: &str) -> Option<String> {
            match name.len() % 3 {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("{name} *?\\/}}")),
            }
        }

        proptest! {
            #[test]
            fn never_panics_on_arbitrary_strings(s in any::<String>(), backtick in any::<bool>()) {
                let escape = if backtick { '`' } else { '\\' };
                let _ = expand(&s, escape, &lookup);
                let _ = split_words(&s, escape);
                let _ = split_words_with(&s, escape, &lookup);
                let _ = unquote(&s, escape);
            }

            #[test]
            fn never_panics_on_shell_like_strings(s in r#"[$\{\}:\-+?#%/*'"\\` aAbB0]{0,40}"#, backtick in any::<bool>()) {
                let escape = if backtick { '`' } else { '\\' };
                let e = expand(&s, escape, &lookup);
                let words = split_words_with(&s, escape, &lookup);
                prop_assert!(words.iter().all(|w| !w.is_empty()));
                let _ = (e, unquote(&s, escape), split_words(&s, escape));
            }

            #[test]
            fn plain_path_matches_the_lexer(
                s in "[a-zA-Z0-9_./:=\\-\t\n\r \u{a0}\u{2003}\u{3000}é$'\"`\\\\]{0,40}",
                backtick in any::<bool>(),
            ) {
                let escape = if backtick { '`' } else { '\\' };
                // Every entry point gives what the character lexer gives, whether or not the input is plain.
                let full = lex_chars(&s, escape, Some(&lookup));
                prop_assert_eq!(lex(&s, escape, Some(&lookup)), full.clone());
                let e = expand(&s, escape, &lookup);
                prop_assert_eq!((e.value, e.unset, e.error), (full.value, full.unset, full.error));
                let bare = lex_chars(&s, escape, None);
                prop_assert_eq!(unquote(&s, escape), bare.value);
                prop_assert_eq!(split_words(&s, escape), bare.words);
            }

            #[test]
            fn text_without_specials_is_unchanged(s in "[a-zA-Z0-9_./:-]{0,40}") {
                let e = expand(&s, '\\', &lookup);
                prop_assert_eq!(&e.value, &s);
                prop_assert_eq!(unquote(&s, '\\'), s);
            }
        }
    }
}
