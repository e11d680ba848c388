//! `.dockerignore` parser and matcher, faithful to what `docker build` does.
//!
//! `BuildKit` reads the file with `moby/patternmatcher/ignorefile.ReadAll` and
//! filters the build context with `patternmatcher.PatternMatcher`. Rules that ask
//! "is `.git` sent to the daemon?" or "does `COPY app.py` name an excluded file?"
//! must get `BuildKit`'s answer, quirks included, so this module follows both
//! steps rather than gitignore semantics:
//!
//! - Reading: a UTF-8 BOM is dropped, lines end at `\n` (a `\r` before it is
//!   dropped), a line is a comment only when its *first byte* is `#` (so
//!   `foo # note` is the pattern `foo # note`, recorded in
//!   [`IgnorePattern::inline_comment`]), surrounding whitespace is trimmed,
//!   `!` marks an exception, and the rest is `filepath.Clean`ed with a leading
//!   `/` removed.
//! - Compiling: every pattern is checked with Go's `filepath.Match` grammar
//!   (an error there fails the whole build in `BuildKit`; here it is recorded in
//!   [`IgnorePattern::error`] and the pattern never matches). Patterns without
//!   wildcards compare exactly, `dir/**` and `**/name` take patternmatcher's
//!   prefix and suffix shortcuts (so `**.txt` means "ends with `.txt`"), and the
//!   rest become the same Go regular expression patternmatcher builds, translated
//!   to the `regex` crate's dialect. That translation keeps `BuildKit`'s oddities:
//!   `[!a]` is the class of `!` and `a` (only `[^a]` negates) and `\d` is a digit.
//! - Matching: a path is excluded when the last pattern matching it, or any of
//!   its parent directories, is not an exception.

use crate::lint::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex::Regex;

mod glob;
use glob::{Glob, Piece};

use crate::lint::source::{TextRange, to_u32};

/// A parsed `.dockerignore`.
#[derive(Clone, Debug, Default)]
pub struct DockerIgnore {
    /// Patterns in file order; comments and blank lines are dropped.
    pub patterns: Vec<IgnorePattern>,
}

/// One pattern line.
#[derive(Clone, Debug)]
pub struct IgnorePattern {
    /// The line as written, trimmed, without the leading `!`.
    pub text: String,
    /// The pattern after `BuildKit`'s cleaning (`filepath.Clean`, leading `/` removed).
    pub pattern: String,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub negated: bool,
    /// Span of the pattern text on its line (the `!` included).
    pub range: TextRange,
    /// 1-based line.
    pub line: u32,
    /// Span of a `#` that looks like a comment but is part of the pattern: one
    /// preceded by whitespace (`foo # note`), or one opening an indented line
    /// (`  # note`). It runs to the end of the pattern.
    pub inline_comment: Option<TextRange>,
    /// Why `BuildKit` rejects the pattern; such a pattern never matches here.
    pub error: Option<String>,
    matcher: Matcher,
}

/// How a compiled pattern tests a path, after patternmatcher's `matchType`.
#[derive(Clone, Debug)]
enum Matcher {
    /// Never matches: the pattern is invalid or empty after cleaning.
    Never,
    /// No wildcard: the path equals the pattern.
    Exact(String),
    /// `name**`: the path starts with the bytes before `**`.
    Prefix(String),
    /// `**name`: the path ends with the bytes after `**`.
    Suffix(String),
    /// Only literals, `*`, `?` and `**`: matched directly.
    Glob(Glob),
    /// Anything else.
    Regex(Box<GlobRegex>),
}

/// A pattern's regular expression, built two ways. Most paths are ASCII, and for an ASCII path an
/// expression compiled without Unicode classes answers exactly as the Unicode one does, at a fraction of the
/// cost to build (`[^/]` is one byte range instead of a large UTF-8 automaton). The Unicode expression is
/// built only when a path that is not ASCII meets the pattern, or when the expression has no byte-only form
/// (`\pL`).
#[derive(Clone, Debug)]
struct GlobRegex {
    /// The translated source, for the Unicode build.
    source: Box<str>,
    /// The expression without Unicode classes, when it has one.
    ascii: Option<regex::bytes::Regex>,
    /// The Unicode expression, built on first need.
    unicode: OnceLock<Option<Regex>>,
}

impl GlobRegex {
    fn is_match(&self, path: &str) -> bool {
        match &self.ascii {
            Some(re) if path.is_ascii() => re.is_match(path.as_bytes()),
            _ => self
                .unicode
                .get_or_init(|| cached_regex(&self.source).ok())
                .as_ref()
                .is_some_and(|re| re.is_match(path)),
        }
    }
}

/// Parses `src` the way `BuildKit` reads a `.dockerignore`. Never fails: invalid
/// patterns are kept with [`IgnorePattern::error`] set.
pub fn parse(src: &str) -> DockerIgnore {
    let mut patterns = Vec::new();
    let mut start = 0usize;
    for (idx, raw) in src.split_inclusive('\n').enumerate() {
        let line_start = start;
        start += raw.len();
        let mut body = raw.strip_suffix('\n').unwrap_or(raw);
        body = body.strip_suffix('\r').unwrap_or(body);
        let mut base = line_start;
        if idx == 0
            && let Some(rest) = body.strip_prefix('\u{FEFF}')
        {
            body = rest;
            base += '\u{FEFF}'.len_utf8();
        }
        if body.starts_with('#') {
            continue;
        }
        let trimmed = body.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lead = body.len() - body.trim_start().len();
        let begin = base + lead;
        patterns.push(pattern_from_line(trimmed, begin, lead > 0, to_u32(idx + 1)));
    }
    DockerIgnore { patterns }
}

/// Builds one pattern from a trimmed, non-empty line starting at byte `begin`.
fn pattern_from_line(trimmed: &str, begin: usize, indented: bool, line: u32) -> IgnorePattern {
    let (bang, rest) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    // ReadAll: clean, then drop one leading `/` (but keep a lone `/`).
    let mut cleaned = if rest.is_empty() { String::new() } else { clean(rest) };
    if cleaned.len() > 1 && cleaned.starts_with('/') {
        cleaned.remove(0);
    }
    let entry = if bang { format!("!{cleaned}") } else { cleaned };
    let (negated, pattern, matcher, error) = compile_entry(&entry);
    IgnorePattern {
        text: rest.to_owned(),
        pattern,
        negated,
        range: TextRange::from_usize(begin, begin + trimmed.len()),
        line,
        inline_comment: inline_comment(trimmed, begin, indented),
        error,
        matcher,
    }
}

/// Finds a `#` that a reader would take for a comment but `BuildKit` does not.
fn inline_comment(trimmed: &str, begin: usize, indented: bool) -> Option<TextRange> {
    let mut prev: Option<char> = None;
    for (i, c) in trimmed.char_indices() {
        if c == '#' && prev.map_or(indented, char::is_whitespace) {
            return Some(TextRange::from_usize(begin + i, begin + trimmed.len()));
        }
        prev = Some(c);
    }
    None
}

/// patternmatcher's `New` for one `ReadAll` entry: returns whether it is an
/// exception, the cleaned pattern, its matcher and the error that makes
/// `BuildKit` refuse it.
fn compile_entry(entry: &str) -> (bool, String, Matcher, Option<String>) {
    let trimmed = entry.trim();
    if trimmed.is_empty() {
        return (false, String::new(), Matcher::Never, None);
    }
    let cleaned = clean(trimmed);
    let (negated, pattern) = match cleaned.strip_prefix('!') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, cleaned),
    };
    if negated && pattern.is_empty() {
        let error = "`!` alone is not a pattern: name what to re-include after it".to_owned();
        return (true, pattern, Matcher::Never, Some(error));
    }
    if let Err(error) = check_syntax(&pattern) {
        return (negated, pattern, Matcher::Never, Some(error));
    }
    match compile(&pattern) {
        Ok(matcher) => (negated, pattern, matcher, None),
        Err(error) => (negated, pattern, Matcher::Never, Some(error)),
    }
}

/// Go's `path.Clean`: collapses `//`, drops `.` segments, resolves `..` against
/// the segment before it, and drops a trailing `/`. An empty result is `.`.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(seg),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// Checks `pattern` against Go's `filepath.Match` grammar, which patternmatcher
/// uses to reject a file before building anything.
fn check_syntax(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // The escaped character itself has no syntax to check.
                chars.next().ok_or_else(trailing_backslash)?;
            }
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut ranges = 0usize;
                loop {
                    if ranges > 0 && chars.peek() == Some(&']') {
                        chars.next();
                        break;
                    }
                    class_char(&mut chars)?;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        class_char(&mut chars)?;
                    }
                    ranges += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One character of a `filepath.Match` class (Go's `getEsc`), which must be
/// followed by more pattern.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<(), String> {
    let bad = || {
        Err("malformed `[...]` class: close it with `]`, put no bare `-` or `]` first, \
             or escape a literal `[` as `\\[`"
            .to_owned())
    };
    match chars.next() {
        None | Some('-' | ']') => return bad(),
        Some('\\') => {
            if chars.next().is_none() {
                return bad();
            }
        }
        Some(_) => {}
    }
    if chars.peek().is_none() {
        return bad();
    }
    Ok(())
}

/// patternmatcher's `compile`: picks the match kind and, when a regular
/// expression is needed, builds the same Go expression and translates it.
fn compile(pattern: &str) -> Result<Matcher, String> {
    compile_with(pattern, true)
}

/// [`compile`]; `allow_glob` false keeps the regular expression for patterns [`Glob`] could match (the
/// differential tests compare the two).
fn compile_with(pattern: &str, allow_glob: bool) -> Result<Matcher, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regexp,
    }
    // Go's text/scanner skips a BOM at the start of its input.
    let body = pattern.strip_prefix('\u{FEFF}').unwrap_or(pattern);
    let chars: Vec<char> = body.chars().collect();
    let mut go = String::from("^");
    // The same pattern as glob pieces, while it has no class or escape.
    let mut pieces = Vec::with_capacity(chars.len());
    let mut globbable = allow_glob;
    let mut kind = Kind::Exact;
    let mut pos = 0;
    let mut step = 0;
    while let Some(&ch) = chars.get(pos) {
        pos += 1;
        match ch {
            '*' if chars.get(pos) == Some(&'*') => {
                pos += 1;
                if chars.get(pos) == Some(&'/') {
                    pos += 1;
                }
                if pos >= chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        go.push_str(".*");
                        pieces.push(Piece::Any);
                        kind = Kind::Regexp;
                    }
                } else {
                    go.push_str("(.*/)?");
                    pieces.push(Piece::Dirs);
                    kind = Kind::Regexp;
                }
                if step == 0 {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                go.push_str("[^/]*");
                pieces.push(Piece::Star);
                kind = Kind::Regexp;
            }
            '?' => {
                go.push_str("[^/]");
                pieces.push(Piece::One);
                kind = Kind::Regexp;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                go.push('\\');
                go.push(ch);
                pieces.push(Piece::Char(ch));
            }
            '\\' => {
                globbable = false;
                go.push('\\');
                if let Some(&next) = chars.get(pos) {
                    pos += 1;
                    go.push(next);
                    kind = Kind::Regexp;
                }
            }
            '[' | ']' => {
                globbable = false;
                go.push(ch);
                kind = Kind::Regexp;
            }
            _ => {
                go.push(ch);
                // `^` is an anchor in the generated expression, so keep it there.
                globbable &= ch != '^';
                pieces.push(Piece::Char(ch));
            }
        }
        step += 1;
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact(pattern.to_owned()),
        Kind::Prefix => Matcher::Prefix(pattern.to_owned()),
        Kind::Suffix => Matcher::Suffix(pattern.to_owned()),
        Kind::Regexp if let Some(glob) = Some(pieces).filter(|_| globbable).and_then(Glob::new) => Matcher::Glob(glob),
        Kind::Regexp => {
            go.push('$');
            let source = go_to_rust(&go)?;
            let invalid = |e: regex::Error| {
                let first = e.to_string();
                let first = first.lines().last().unwrap_or("").trim().to_owned();
                format!(
                    "pattern is not a valid regular expression in BuildKit ({first}): escape the special character with `\\`"
                )
            };
            // An expression with a byte-only form is valid; one without is checked by building it.
            let ascii = cached_ascii_regex(&source).ok();
            let unicode = OnceLock::new();
            if ascii.is_none() {
                let _ = unicode.set(Some(cached_regex(&source).map_err(invalid)?));
            }
            Matcher::Regex(Box::new(GlobRegex { source: source.into_boxed_str(), ascii, unicode }))
        }
    })
}

/// Compiled expressions are kept for the whole process: a `Regex` costs
/// hundreds of thousands of instructions to build (`[^/]` is a large Unicode
/// class), and the same patterns (`**/*.log`, `*.md`) recur across the
/// `.dockerignore` files of a run. At most this many are kept.
const REGEX_CACHE_CAP: usize = 4096;

/// `Regex::new`, memoised per source (a clone shares the compiled program).
fn cached_regex(source: &str) -> Result<Regex, regex::Error> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    memoised(&CACHE, source, Regex::new)
}

/// `source` compiled for byte haystacks with Unicode classes off, memoised per source.
fn cached_ascii_regex(source: &str) -> Result<regex::bytes::Regex, regex::Error> {
    static CACHE: OnceLock<Mutex<HashMap<String, regex::bytes::Regex>>> = OnceLock::new();
    memoised(&CACHE, source, |s| regex::bytes::RegexBuilder::new(s).unicode(false).build())
}

fn memoised<R: Clone>(
    cache: &'static OnceLock<Mutex<HashMap<String, R>>>,
    source: &str,
    build: impl FnOnce(&str) -> Result<R, regex::Error>,
) -> Result<R, regex::Error> {
    let cache = cache.get_or_init(Mutex::default);
    if let Some(re) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(source) {
        return Ok(re.clone());
    }
    let re = build(source)?;
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if map.len() >= REGEX_CACHE_CAP {
        map.clear();
    }
    map.insert(source.to_owned(), re.clone());
    Ok(re)
}

/// The error for a pattern ending in an unpaired `\`.
fn trailing_backslash() -> String {
    "pattern ends with `\\`: remove it or escape it as `\\\\`".into()
}

/// The error for an escape Go's regexp rejects.
fn bad_escape(c: char) -> String {
    format!("`\\{c}` is not a valid escape in BuildKit: escape only punctuation")
}

/// Translates the Go (RE2) expression patternmatcher builds into the `regex`
/// crate's syntax, keeping Go's meaning: class contents are literal unless Go
/// gives them a meaning, and Perl classes are ASCII.
fn go_to_rust(go: &str) -> Result<String, String> {
    let cs: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        i += 1;
        match c {
            '\\' => i = escape_outside_class(&cs, i, &mut out)?,
            '[' => i = class(&cs, i, &mut out)?,
            '^' | '$' | '.' | '(' | ')' | '*' | '?' => out.push(c),
            _ => push_literal(&mut out, c),
        }
    }
    Ok(out)
}

/// Pushes `c` as a literal outside a class.
fn push_literal(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

/// Pushes `c` as a literal inside a class.
fn push_class_literal(out: &mut String, c: char) {
    if matches!(c, '[' | ']' | '\\' | '-' | '^' | '&' | '~') {
        out.push('\\');
    }
    out.push(c);
}

/// Go's ASCII Perl classes (`\d`, `\s`, `\w` and negations) as `regex` classes.
fn perl_class(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => r"[\t\n\x0C\r ]",
        'S' => r"[^\t\n\x0C\r ]",
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        _ => return None,
    })
}

/// Go's `\pX`/`\PX` with a one-letter general category (braces never survive
/// patternmatcher's escaping). `i` points at the `p`/`P`.
fn unicode_class(cs: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let Some(&p) = cs.get(i) else {
        return Err(bad_escape('p'));
    };
    match cs.get(i + 1) {
        Some(&name @ ('C' | 'L' | 'M' | 'N' | 'P' | 'S' | 'Z')) => {
            out.push('\\');
            out.push(p);
            out.push(name);
            Ok(i + 2)
        }
        _ => Err(format!("`\\{p}` needs a one-letter Unicode category in BuildKit: escape only punctuation")),
    }
}

/// Translates an escape outside a class; `i` points after the `\`.
fn escape_outside_class(cs: &[char], i: usize, out: &mut String) -> Result<usize, String> {
    let Some(&c) = cs.get(i) else {
        return Err(trailing_backslash());
    };
    match c {
        'A' => out.push_str(r"\A"),
        'z' => out.push_str(r"\z"),
        'b' => out.push_str(r"(?-u:\b)"),
        'B' => out.push_str(r"(?-u:\B)"),
        'Q' => {
            let mut j = i + 1;
            while let Some(&l) = cs.get(j) {
                if l == '\\' && cs.get(j + 1) == Some(&'E') {
                    return Ok(j + 2);
                }
                push_literal(out, l);
                j += 1;
            }
            return Ok(j);
        }
        'p' | 'P' => return unicode_class(cs, i, out),
        _ => {
            if let Some(class) = perl_class(c) {
                out.push_str(class);
            } else {
                let (lit, next) = escaped_char(cs, i)?;
                push_literal(out, lit);
                return Ok(next);
            }
        }
    }
    Ok(i + 1)
}

/// Go's `parseEscape`: the character an escape stands for; `i` points after
/// the `\`. Returns the character and the index after the escape.
fn escaped_char(cs: &[char], i: usize) -> Result<(char, usize), String> {
    let Some(&c) = cs.get(i) else {
        return Err(trailing_backslash());
    };
    let octal = |k: usize| cs.get(k).and_then(|d| d.to_digit(8));
    let lit = match c {
        '1'..='7' if octal(i + 1).is_none() => return Err(bad_escape(c)),
        '0'..='7' => {
            let mut value = c.to_digit(8).unwrap_or(0);
            let mut j = i + 1;
            while j < i + 3
                && let Some(d) = octal(j)
            {
                value = value * 8 + d;
                j += 1;
            }
            return char::from_u32(value).map(|ch| (ch, j)).ok_or_else(|| bad_escape(c));
        }
        'x' => {
            let hex = |k: usize| cs.get(k).and_then(|d| d.to_digit(16));
            return match (hex(i + 1), hex(i + 2)) {
                (Some(hi), Some(lo)) => char::from_u32(hi * 16 + lo).map(|ch| (ch, i + 3)).ok_or_else(|| bad_escape(c)),
                _ => Err(bad_escape(c)),
            };
        }
        'a' => '\x07',
        'f' => '\x0C',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0B',
        _ if c.is_ascii() && !c.is_ascii_alphanumeric() => c,
        _ => return Err(bad_escape(c)),
    };
    Ok((lit, i + 1))
}

/// One class member (Go's `parseClassChar`); `i` points at it.
fn class_member(cs: &[char], i: usize) -> Result<(char, usize), String> {
    match cs.get(i) {
        None => Err(unclosed_class()),
        Some('\\') => escaped_char(cs, i + 1),
        Some(&c) => Ok((c, i + 1)),
    }
}

/// The error for a class Go's regexp finds unclosed.
fn unclosed_class() -> String {
    "`[` opens a class that never closes in BuildKit's expression: escape it as `\\[`".into()
}

/// Translates a Go class (Perl flags); `i` points after the `[`.
fn class(cs: &[char], mut i: usize, out: &mut String) -> Result<usize, String> {
    let mut items = String::new();
    let negated = cs.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = cs.get(i) else {
            return Err(unclosed_class());
        };
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        // POSIX `[:name:]`: Go looks for the nearest `:]` anywhere after it.
        if c == '[' && cs.get(i + 1) == Some(&':') && i + 2 < cs.len() {
            let close =
                (i + 2..cs.len().saturating_sub(1)).find(|&j| cs.get(j) == Some(&':') && cs.get(j + 1) == Some(&']'));
            if let Some(j) = close {
                let name: String = cs.get(i..j + 2).unwrap_or_default().iter().collect();
                if !is_posix_class(&name) {
                    return Err(format!("`{name}` is not a character class in BuildKit: escape the `[` as `\\[`"));
                }
                items.push_str(&name);
                i = j + 2;
                continue;
            }
        }
        if c == '\\' {
            match cs.get(i + 1) {
                Some('p' | 'P') => {
                    i = unicode_class(cs, i + 1, &mut items)?;
                    continue;
                }
                Some(&p) => {
                    if let Some(class) = perl_class(p) {
                        items.push_str(class);
                        i += 2;
                        continue;
                    }
                }
                None => {}
            }
        }
        let (lo, next) = class_member(cs, i)?;
        i = next;
        push_class_literal(&mut items, lo);
        if cs.get(i) == Some(&'-') && cs.get(i + 1).is_some_and(|&n| n != ']') {
            let (hi, next) = class_member(cs, i + 1)?;
            i = next;
            if hi < lo {
                return Err(format!("class range `{lo}-{hi}` runs backwards: write it as `{hi}-{lo}`"));
            }
            items.push('-');
            push_class_literal(&mut items, hi);
        }
    }
    out.push('[');
    if negated {
        out.push('^');
    }
    out.push_str(&items);
    out.push(']');
    Ok(i)
}

/// Whether `name` (with its brackets) is one of Go's POSIX classes.
fn is_posix_class(name: &str) -> bool {
    const NAMES: [&str; 14] = [
        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper",
        "word", "xdigit",
    ];
    name.strip_prefix("[:")
        .and_then(|n| n.strip_suffix(":]"))
        .map(|n| n.strip_prefix('^').unwrap_or(n))
        .is_some_and(|n| NAMES.contains(&n))
}

impl Matcher {
    /// patternmatcher's `Pattern.match` on one cleaned path.
    fn matches(&self, path: &str) -> bool {
        match self {
            Self::Never => false,
            Self::Exact(p) => path == p,
            Self::Prefix(p) => {
                let head = p.as_bytes().get(..p.len().saturating_sub(2)).unwrap_or(&[]);
                path.as_bytes().starts_with(head)
            }
            Self::Suffix(p) => {
                let tail = p.as_bytes().get(2..).unwrap_or(&[]);
                path.as_bytes().ends_with(tail)
                    || (tail.first() == Some(&b'/') && tail.get(1..) == Some(path.as_bytes()))
            }
            Self::Glob(glob) => glob.is_match(path),
            Self::Regex(re) => re.is_match(path),
        }
    }
}

/// A context path made comparable: cleaned, relative, and `None` for the
/// context root itself (`BuildKit` never excludes the root).
pub(crate) fn normalise(path: &str) -> Option<String> {
    let cleaned = clean(path);
    let relative = cleaned.trim_start_matches('/');
    (!relative.is_empty() && relative != ".").then(|| relative.to_owned())
}

/// The parent directories of a normalised path, outermost first (`a/b/c` →
/// `a`, `a/b`).
fn parents(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').filter_map(move |(i, _)| path.get(..i)).filter(|p| !p.is_empty())
}

impl IgnorePattern {
    /// Whether this pattern, on its own, matches `path` or one of its parent
    /// directories (the exception flag is ignored). `path` is as for
    /// [`DockerIgnore::excludes`].
    pub fn matches(&self, path: &str) -> bool {
        normalise(path).is_some_and(|p| self.matches_normalised(&p))
    }

    /// Whether this pattern matches `path` itself, not through one of its
    /// parent directories.
    pub fn matches_itself(&self, path: &str) -> bool {
        normalise(path).is_some_and(|p| self.matcher.matches(&p))
    }

    /// [`IgnorePattern::matches`] for a path already [`normalise`]d (callers testing one path against
    /// many patterns normalise it once).
    pub(crate) fn matches_normalised(&self, path: &str) -> bool {
        self.matcher.matches(path) || parents(path).any(|parent| self.matcher.matches(parent))
    }
}

impl DockerIgnore {
    /// Whether the context path `path` (slash-separated, relative to the
    /// context root; a leading `./` or `/` is ignored) is excluded from the
    /// build context.
    pub fn excludes(&self, path: &str) -> bool {
        self.last_match(path).is_some_and(|p| !p.negated)
    }

    /// The pattern that decides `path`: the last one matching it or one of its
    /// parent directories. `None` means no pattern applies and the path is
    /// sent to the builder.
    pub fn last_match(&self, path: &str) -> Option<&IgnorePattern> {
        let path = normalise(path)?;
        self.patterns.iter().rev().find(|p| p.matches_normalised(&path))
    }

    /// Whether pattern `idx` matches `path` or one of its parent directories;
    /// `false` when there is no such pattern.
    pub fn pattern_matches(&self, idx: usize, path: &str) -> bool {
        self.patterns.get(idx).is_some_and(|p| p.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(src: &str) -> Vec<(bool, String)> {
        parse(src).patterns.into_iter().map(|p| (p.negated, p.pattern)).collect()
    }

    /// (file, path, excluded)
    const CASES: &[(&str, &str, bool)] = &[
        // exact names and parents
        ("foo", "foo", true),
        ("foo", "foo/bar", true),
        ("foo", "foo/bar/baz.txt", true),
        ("foo", "foobar", false),
        ("foo", "x/foo", false),
        ("foo/bar", "foo/bar/baz", true),
        ("foo/bar", "foo", false),
        ("docs/", "docs/README.md", true),
        // `*` and `?`
        ("*.go", "main.go", true),
        ("*.go", "cmd/main.go", false),
        ("*", "anything", true),
        ("*", "dir/file", true),
        ("a*", "ab/c", true),
        ("a*/b", "a/c/b", false),
        ("a*/b", "abc/b", true),
        ("abc?def", "abcZdef", true),
        ("abc?def", "abcdef", false),
        ("a?b", "a/b", false),
        (".*", ".env", true),
        (".*", "env", false),
        ("abc.def", "abcxdef", false),
        // `**`
        ("**", "anything/at/all", true),
        ("**/*.go", "main.go", true),
        ("**/*.go", "a/b/c.go", true),
        ("**/*.go", "a/b/c.goo", false),
        ("a/**/b", "a/b", true),
        ("a/**/b", "a/x/y/b", true),
        ("a/**/b", "a/x/y/c", false),
        ("dir/**", "dir", false),
        ("dir/**", "dir/x/y", true),
        ("**/node_modules", "node_modules/x", true),
        ("**/node_modules", "web/node_modules/x/y", true),
        ("**/node_modules", "web/my_node_modules", false),
        ("**.txt", "a/b.txt", true),
        ("**file", "dir/xfile", true),
        ("**/**", "a/b", true),
        ("a**/*.txt", "a/dir/dir/file.txt", true),
        // classes
        ("a[b-d]e", "ace", true),
        ("a[b-d]e", "aae", false),
        ("a[^b-d]e", "aze", true),
        ("a[^b-d]e", "ace", false),
        ("a[!b]e", "a!e", true),
        ("a[!b]e", "ace", false),
        ("[\\]a]", "]", true),
        ("[x\\-]", "-", true),
        ("[[:digit:]]x", "7x", true),
        ("[[:digit:]]x", "ax", false),
        // escapes
        ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false),
        ("a\\\\", "a\\", true),
        ("\\#foo", "#foo", true),
        ("a\\db", "a5b", true),
        // regex metacharacters are literal
        ("a(b)c/def", "a(b)c/def", true),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
        ("dist/*.whl", "dist/p-2.4.0rc3+g0-py3-none-any.whl", true),
        // leading slash and cleaning
        ("/foo", "foo", true),
        ("/foo", "x/foo", false),
        ("foo//bar", "foo/bar", true),
        ("./foo", "foo", true),
        ("foo/../bar", "bar", true),
        ("foo/../bar", "foo", false),
        ("/../bar", "bar", true),
        ("../bar", "bar", false),
        ("foo/./bar/", "foo/bar/x", true),
        (".", "foo", false),
        ("/", "foo", false),
        // path normalisation
        ("foo", "./foo", true),
        ("foo", "/foo/x", true),
        ("*", ".", false),
        ("*", "", false),
        // negation, in order
        ("*.go\n!main.go", "main.go", false),
        ("*.go\n!main.go", "util.go", true),
        ("!main.go\n*.go", "main.go", true),
        ("docs\n!docs/README.md", "docs/README.md", false),
        ("docs\n!docs/README.md", "docs/other.md", true),
        ("**\n!src", "src/main.rs", false),
        ("**\n!src\nsrc/gen", "src/gen/x.rs", true),
        ("**\n!src\nsrc/gen\n!src/gen/keep", "src/gen/keep", false),
        ("!/foo\nfoo", "foo", true),
        ("foo\n! /foo", "foo", false),
        // comments, whitespace, line endings, BOM
        ("# foo\nfoo", "foo", true),
        ("#foo", "#foo", false),
        ("  #foo", "#foo", true),
        ("foo # bar", "foo", false),
        ("foo # bar", "foo # bar", true),
        ("  foo  \n\n\t\n", "foo", true),
        ("foo\r\nbar\r\n", "bar", true),
        ("\u{FEFF}foo", "foo", true),
        ("\u{FEFF}#foo\nbar", "#foo", false),
        // invalid patterns never match and do not stop later ones
        ("[", "[", false),
        ("a[\nb", "b", true),
        ("foo\\", "foo\\", false),
        ("!\nfoo", "foo", true),
    ];

    #[test]
    fn case_table() {
        let mut failures = Vec::new();
        for &(src, path, want) in CASES {
            let got = parse(src).excludes(path);
            if got != want {
                failures.push(format!("{src:?} vs {path:?}: got {got}, want {want}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(CASES.len() >= 40);
    }

    #[test]
    fn read_all_like_buildkit() {
        let src = "test1\n/test2\n/a/file/here\n\nlastfile\n# comment\n! /inverted/abs/path\n!\n! ";
        assert_eq!(
            pats(src),
            vec![
                (false, "test1".into()),
                (false, "test2".into()),
                (false, "a/file/here".into()),
                (false, "lastfile".into()),
                (true, "inverted/abs/path".into()),
                (true, String::new()),
                (true, String::new()),
            ]
        );
        let ig = parse(src);
        assert_eq!(ig.patterns[4].text, "/inverted/abs/path");
        assert!(ig.patterns[5].error.is_some());
        assert_eq!(ig.patterns[0].error, None);
    }

    #[test]
    fn cleaning_edge_cases() {
        assert_eq!(pats("/"), vec![(false, "/".into())]);
        assert_eq!(pats("."), vec![(false, ".".into())]);
        assert_eq!(pats("a/.."), vec![(false, ".".into())]);
        assert_eq!(pats("a/../../b"), vec![(false, "../b".into())]);
        assert_eq!(pats("//a//b//"), vec![(false, "a/b".into())]);
        assert_eq!(pats("**/"), vec![(false, "**".into())]);
        // `!/` cleans to `!` in patternmatcher and is refused there.
        let ig = parse("!/");
        assert!(ig.patterns[0].negated);
        assert!(ig.patterns[0].error.is_some());
    }

    #[test]
    fn spans_and_lines() {
        let src = "\u{FEFF}  !foo  \r\n# c\n\n  bar # baz\r\n";
        let ig = parse(src);
        assert_eq!(ig.patterns.len(), 2);
        let a = &ig.patterns[0];
        assert_eq!((a.line, a.range.slice(src)), (1, "!foo"));
        assert_eq!(a.range, TextRange::new(5, 9));
        assert_eq!((a.text.as_str(), a.negated), ("foo", true));
        assert_eq!(a.inline_comment, None);
        let b = &ig.patterns[1];
        assert_eq!((b.line, b.range.slice(src)), (4, "bar # baz"));
        assert_eq!(b.pattern, "bar # baz");
        assert_eq!(b.inline_comment.map(|r| r.slice(src)), Some("# baz"));
        let c = &parse("  # indented").patterns[0];
        assert_eq!(c.inline_comment, Some(TextRange::new(2, 12)));
        assert_eq!(parse("a\\ #b").patterns[0].inline_comment, Some(TextRange::new(3, 5)));
        assert_eq!(parse("a\\#b").patterns[0].inline_comment, None);
        // A lone `\r` is not a line break; the last line needs no newline.
        assert_eq!(pats("a\rb\nc"), vec![(false, "a\rb".into()), (false, "c".into())]);
    }

    #[test]
    fn syntax_errors_are_recorded() {
        for bad in ["[", "[^", "[^bc", "a[", "[]a]", "[-]", "[x-]", "[-x]", "[a-b-c]", "\\"] {
            let ig = parse(bad);
            assert!(ig.patterns[0].error.is_some(), "{bad:?} should be invalid");
            assert!(!ig.excludes("a"), "{bad:?} must not match");
        }
        for good in ["[\\]a]", "[\\-]", "[x\\-]", "a[!b]", "[a-ζ]*", "\\[x\\]"] {
            assert_eq!(parse(good).patterns[0].error, None, "{good:?} should be valid");
        }
        // Valid for filepath.Match but not for Go's regexp.
        for bad in ["a\\qb", "a\\1", "[z-a]x", "[[:nope:]]", "\\pX*"] {
            assert!(parse(bad).patterns[0].error.is_some(), "{bad:?} should be invalid");
        }
        let e = parse("[").patterns[0].error.clone().unwrap_or_default();
        assert!(e.chars().next().is_some_and(char::is_lowercase), "{e}");
        assert!(!e.ends_with('.'), "{e}");
    }

    #[test]
    fn buildkit_regex_quirks() {
        // `^` outside a class is an anchor in the generated expression.
        assert!(!parse("a^b*").excludes("a^bc"));
        // ... but a pattern without wildcards compares exactly.
        assert!(parse("a^b").excludes("a^b"));
        // `*` inside a class is rewritten by patternmatcher, so `[*]` is odd.
        assert!(!parse("[*]").excludes("*"));
        // Go's \d, \w and \s are ASCII.
        assert!(!parse("a\\db").excludes("a\u{0663}b"));
        assert!(parse("a\\wb").excludes("a_b"));
        // Octal and hex escapes.
        assert!(parse("a\\101").excludes("aA"));
        assert!(parse("a\\x41").excludes("aA"));
        // \Q...\E quotes what patternmatcher generated, not what was written.
        assert!(parse("\\Q*?\\E").excludes("[^/]*[^/]"));
        assert!(!parse("\\Q*?\\E").excludes("*?"));
        assert!(parse("\\pL*").excludes("ébc"));
        assert!(parse("a\\b*").patterns[0].error.is_none());
    }

    #[test]
    fn last_match_and_pattern_matches() {
        let ig = parse("*.md\n!README.md\ndocs\n.git");
        assert_eq!(ig.last_match("README.md").map(|p| p.line), Some(2));
        assert_eq!(ig.last_match("x.md").map(|p| p.line), Some(1));
        assert_eq!(ig.last_match("docs/README.md").map(|p| p.line), Some(3));
        assert_eq!(ig.last_match("src/main.rs").map(|p| p.line), None);
        assert!(ig.pattern_matches(3, ".git"));
        assert!(ig.pattern_matches(3, ".git/HEAD"));
        assert!(!ig.pattern_matches(3, ".github"));
        assert!(!ig.pattern_matches(9, ".git"));
        assert!(ig.patterns[1].matches("README.md"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC*", path in "\\PC*") {
            let ig = parse(&src);
            let _ = ig.excludes(&path);
            let _ = ig.last_match(&path);
            for i in 0..ig.patterns.len() {
                let _ = ig.pattern_matches(i, &path);
            }
        }

        #[test]
        fn never_panics_on_glob_soup(
            src in "[\\[\\]\\\\!#*?^/.a-c:\\- \r\n\u{FEFF}é{}()|$+]{0,40}",
            path in "[a-c/.*?\\[\\]é]{0,12}",
        ) {
            let ig = parse(&src);
            let _ = ig.excludes(&path);
            for p in &ig.patterns {
                let _ = p.matches(&path);
                let r = p.range;
                proptest::prop_assert!(src.get(r.start as usize..r.end as usize).is_some());
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The glob matcher answers as the regular expression patternmatcher would build.
        #[test]
        fn glob_matches_as_the_regex(pattern in "[ab/.*?^]{0,12}", path in "[ab/.\n]{0,12}") {
            let (Ok(direct), Ok(regex)) = (compile(&pattern), compile_with(&pattern, false)) else {
                return Ok(());
            };
            proptest::prop_assert_eq!(direct.matches(&path), regex.matches(&path), "{:?} {:?}", pattern, path);
        }
    }

    #[test]
    fn glob_and_regex_agree_on_hand_cases() {
        let paths = ["", "a", "a.md", "d/a.md", "a/b/c.md", "x", "a/x", "/x", "ax", "a\n/x", "é.md", "a/é/b", ".md"];
        let patterns = ["*.md", "**/*.md", "a/**", "a**b", "a/**/x", "?", "a?", "*/*", "**/x", "a*b**", "é*", "*/é/*"];
        for pattern in patterns {
            let (direct, regex) = (compile(pattern).unwrap(), compile_with(pattern, false).unwrap());
            for path in paths {
                assert_eq!(direct.matches(path), regex.matches(path), "{pattern:?} {path:?}");
            }
        }
        assert!(matches!(compile("*.md"), Ok(Matcher::Glob(_))));
        assert!(matches!(compile("[ab].md"), Ok(Matcher::Regex(_))));
        assert!(matches!(compile("a^b*"), Ok(Matcher::Regex(_))));
        // A class pattern answers a path that is not ASCII with the Unicode expression: one `[^a]` is one
        // character, not one byte.
        assert!(parse("[^a]").excludes("é"));
        assert!(parse("[^a]").excludes("b"));
        assert!(!parse("[^a]").excludes("a"));
        assert!(!parse("[^a]").excludes("éé"));
    }

    #[test]
    fn corpus_files_parse_and_match() {
        let root = std::path::Path::new("/work/shared/corpus/files");
        if !root.is_dir() {
            eprintln!("skipping: {} is absent", root.display());
            return;
        }
        let mut stack = vec![root.to_path_buf()];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.file_name().unwrap().to_string_lossy();
                if !name.ends_with(".dockerignore") {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let src = String::from_utf8_lossy(&bytes);
                let ig = parse(&src);
                for p in
                    [".git", ".git/HEAD", ".env", "node_modules/x/y.js", "src/main.go", "Dockerfile", "a/b/c/d.txt"]
                {
                    let _ = ig.excludes(p);
                    let _ = ig.last_match(p);
                }
                for p in &ig.patterns {
                    assert!(p.range.slice(&src).len() as u32 == p.range.len(), "{}", path.display());
                }
                seen += 1;
            }
        }
        assert!(seen > 0, "no .dockerignore found under {}", root.display());
    }
}
