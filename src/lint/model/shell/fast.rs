//! A single-pass reader for the scripts most RUN instructions are: simple
//! commands joined by `&&`, `||`, `;`, `|` and newlines, with quoted words,
//! parameter expansions and plain redirections.
//!
//! It reads only what it understands exactly as brush-parser (and the
//! flattening of its tree in the parent module) would: for anything else
//! (substitutions, subshells, groups, reserved words in command position,
//! heredocs, background `&`, syntax errors, …) [`parse`] returns `None` and
//! the caller takes the brush path. `tests::fast_path_matches_brush` holds
//! the two paths to the same output.

use super::RedirectOp;

/// A word: its bytes in the text, and its text with quotes removed when that
/// differs from what is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FastWord {
    pub start: usize,
    pub end: usize,
    /// `None` when the word's text is its raw text.
    pub text: Option<String>,
    /// The text inside each command substitution `$( … )` of the word, in order.
    pub subs: Vec<std::ops::Range<usize>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FastRedirect {
    pub fd: Option<i32>,
    pub op: RedirectOp,
    pub target: FastWord,
}

/// One simple command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct FastCommand {
    pub assignments: Vec<FastWord>,
    pub argv: Vec<FastWord>,
    pub redirects: Vec<FastRedirect>,
}

impl FastCommand {
    fn is_empty(&self) -> bool {
        self.assignments.is_empty() && self.argv.is_empty() && self.redirects.is_empty()
    }
}

/// How a command joins the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Join {
    /// It starts a new `&&`/`||` list.
    List,
    /// After `&&`.
    And,
    /// After `||`.
    Or,
    /// After `|`.
    Pipe,
}

/// A script the fast path read: its commands in source order, each with how
/// it joins the previous one.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct FastScript {
    pub commands: Vec<(Join, FastCommand)>,
}

/// Words that brush reads as reserved (or as a compound command) when they
/// name a command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "in", "select",
    "function", "!", "{", "}", "[[", "]]", "time", "coproc",
];

/// Reads `text`, or returns `None` when it holds anything the fast path does
/// not read exactly as the brush path would.
pub(super) fn parse(text: &str) -> Option<FastScript> {
    let (script, end) = parse_from(text, 0, false)?;
    (end == text.len()).then_some(script)
}

/// Reads the script starting at `start`, up to the end of `text`, or when
/// `inner` (the inside of a `$( … )`) up to its closing paren, whose index is
/// returned with the script.
fn parse_from(text: &str, start: usize, inner: bool) -> Option<(FastScript, usize)> {
    let b = text.as_bytes();
    let mut out = FastScript { commands: Vec::with_capacity(if inner { 1 } else { 8 }) };
    let mut cur = FastCommand::default();
    // How the command being read joins the previous one.
    let mut join = Join::List;
    // After `&&`, `||` or `|`: a command must follow (newlines may come first).
    let mut pending = false;
    let mut i = start;
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' => i += 1,
            b')' if inner => break,
            // A comment inside `$( … )` may hide its closing paren.
            b'#' if inner => return None,
            b'#' => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'\n' => {
                i += 1;
                if !cur.is_empty() {
                    out.commands.push((join, std::mem::take(&mut cur)));
                    join = Join::List;
                } else if !pending {
                    join = Join::List;
                }
            }
            b';' => {
                // `;;`, `;&` and `;;&` end `case` items.
                if cur.is_empty() || matches!(b.get(i + 1), Some(b';' | b'&')) {
                    return None;
                }
                out.commands.push((join, std::mem::take(&mut cur)));
                join = Join::List;
                i += 1;
            }
            b'&' | b'|' => {
                let next = b.get(i + 1).copied();
                if c == b'&' && next == Some(b'>') {
                    i = redirect(b, text, i, None, &mut cur)?;
                } else {
                    let (j, len) = match (c, next) {
                        (b'&', Some(b'&')) => (Join::And, 2),
                        (b'|', Some(b'|')) => (Join::Or, 2),
                        (b'|', Some(b'&')) | (b'&', _) => return None,
                        _ => (Join::Pipe, 1),
                    };
                    if cur.is_empty() {
                        return None;
                    }
                    out.commands.push((join, std::mem::take(&mut cur)));
                    join = j;
                    pending = true;
                    i += len;
                    continue;
                }
            }
            b'<' | b'>' => i = redirect(b, text, i, None, &mut cur)?,
            b'(' | b')' | b'\r' => return None,
            _ => {
                let (end, word_text, subs) = word(b, text, i)?;
                let raw = text.get(i..end)?;
                if matches!(b.get(end), Some(b'<' | b'>')) && raw.bytes().all(|c| c.is_ascii_digit()) {
                    let fd = raw.parse::<i32>().ok()?;
                    i = redirect(b, text, end, Some(fd), &mut cur)?;
                } else {
                    let w = FastWord { start: i, end, text: word_text, subs };
                    if cur.argv.is_empty() {
                    if RESERVED.contains(&raw) {
                        return None;
                    }
                    match assignment(raw) {
                        Some(true) => cur.assignments.push(w),
                        Some(false) => cur.argv.push(w),
                        None => return None,
                    }
                    } else {
                        cur.argv.push(w);
                    }
                    i = end;
                }
            }
        }
        if !cur.is_empty() {
            pending = false;
        }
    }
    if pending || (inner && b.get(i) != Some(&b')')) {
        return None;
    }
    if !cur.is_empty() {
        out.commands.push((join, cur));
    }
    Some((out, i))
}

/// Whether the word `raw` before a command name is an assignment (`Some(true)`),
/// not one (`Some(false)`), or a form the fast path leaves to brush (`None`:
/// `NAME+=x`, `NAME[i]=x`).
fn assignment(raw: &str) -> Option<bool> {
    let b = raw.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
        return Some(false);
    }
    let name = b.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    match b.get(name) {
        Some(b'=') => Some(true),
        Some(b'+' | b'[') => None,
        _ => Some(false),
    }
}

/// Reads a redirection whose operator starts at `i`; returns the index after
/// its target.
fn redirect(b: &[u8], text: &str, i: usize, fd: Option<i32>, cur: &mut FastCommand) -> Option<usize> {
    let at = |k: usize| b.get(i + k).copied();
    let (op, len) = match (at(0)?, at(1), at(2)) {
        (b'<', Some(b'<' | b'('), _) | (b'>', Some(b'('), _) => return None,
        (b'<', Some(b'>'), _) => (RedirectOp::ReadWrite, 2),
        (b'<', Some(b'&'), _) => (RedirectOp::DupInput, 2),
        (b'<', _, _) => (RedirectOp::Read, 1),
        (b'>', Some(b'>'), _) => (RedirectOp::Append, 2),
        (b'>', Some(b'&'), _) => (RedirectOp::DupOutput, 2),
        (b'>', Some(b'|'), _) => (RedirectOp::Clobber, 2),
        (b'>', _, _) => (RedirectOp::Write, 1),
        (b'&', Some(b'>'), Some(b'>')) => (RedirectOp::AppendOutputAndError, 3),
        (b'&', Some(b'>'), _) => (RedirectOp::OutputAndError, 2),
        _ => return None,
    };
    if fd.is_some() && matches!(op, RedirectOp::OutputAndError | RedirectOp::AppendOutputAndError) {
        return None;
    }
    let mut j = i + len;
    while matches!(b.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    match b.get(j) {
        None | Some(b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' | b'#') => return None,
        _ => {}
    }
    let (end, word_text, subs) = word(b, text, j)?;
    if matches!(op, RedirectOp::DupInput | RedirectOp::DupOutput) && !text.get(j..end)?.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    cur.redirects.push(FastRedirect { fd, op, target: FastWord { start: j, end, text: word_text, subs } });
    Some(end)
}

/// Reads the word starting at `start`: its end, and its text with quotes
/// removed when that differs from the raw text. `None` for forms left to brush.
fn word(b: &[u8], text: &str, start: usize) -> Option<(usize, Option<String>, Vec<std::ops::Range<usize>>)> {
    // The unquoted text, once it differs from the raw text.
    let mut out: Option<String> = None;
    let mut subs = Vec::new();
    let mut i = start;
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
            b'\r' | b'`' => return None,
            b'\\' => {
                let n = char_at(text, i + 1)?;
                if matches!(n, '\n' | '\r') || escaped_dollar_opens(b, i, n) {
                    return None;
                }
                let o = out.get_or_insert_with(|| copy(text, start, i));
                o.push(n);
                i += 1 + n.len_utf8();
            }
            b'\'' => {
                let close = i + 1 + b.get(i + 1..)?.iter().position(|&c| c == b'\'')?;
                let o = out.get_or_insert_with(|| copy(text, start, i));
                o.push_str(text.get(i + 1..close)?);
                i = close + 1;
            }
            b'"' => {
                let o = out.get_or_insert_with(|| copy(text, start, i));
                i = double_quoted(b, text, i + 1, o, &mut subs)?;
            }
            b'$' => {
                let end = dollar(b, text, i, &mut subs)?;
                if let Some(o) = &mut out {
                    o.push_str(text.get(i..end)?);
                }
                i = end;
            }
            _ => {
                let n = char_at(text, i)?;
                if let Some(o) = &mut out {
                    o.push(n);
                }
                i += n.len_utf8();
            }
        }
    }
    if i == start || (!subs.is_empty() && super::word_is_risky(text.get(start..i)?)) {
        return None;
    }
    Some((i, out, subs))
}

/// Whether `\$` at `i` (escaping `n`) is followed by a quote or bracket:
/// brush then reads `$'…'`, `$(…)` and the like as if the `$` were not escaped.
fn escaped_dollar_opens(b: &[u8], i: usize, n: char) -> bool {
    n == '$' && matches!(b.get(i + 2), Some(b'\'' | b'"' | b'(' | b'{' | b'['))
}

fn copy(text: &str, start: usize, end: usize) -> String {
    let mut s = String::with_capacity(end - start + 16);
    s.push_str(text.get(start..end).unwrap_or(""));
    s
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Reads a double-quoted string whose inside starts at `i`, appending its text
/// to `out`; returns the index after the closing quote.
fn double_quoted(
    b: &[u8],
    text: &str,
    mut i: usize,
    out: &mut String,
    subs: &mut Vec<std::ops::Range<usize>>,
) -> Option<usize> {
    loop {
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'`' | b'\r' => return None,
            b'\\' => {
                let n = char_at(text, i + 1)?;
                if escaped_dollar_opens(b, i, n) {
                    return None;
                }
                match n {
                    '$' | '`' | '"' | '\\' => out.push(n),
                    '\n' | '\r' => return None,
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                i += 1 + n.len_utf8();
            }
            b'$' => {
                let end = dollar(b, text, i, subs)?;
                out.push_str(text.get(i..end)?);
                i = end;
            }
            _ => {
                let n = char_at(text, i)?;
                out.push(n);
                i += n.len_utf8();
            }
        }
    }
}

/// The end of the expansion starting with the `$` at `i`: `$( … )` holding a
/// script the fast path reads (its inside goes to `subs`), `$NAME`, `$1`, `$@`
/// and the like, or `${…}` holding only names, digits, operators such as
/// `:-`, `#`, `%`, `/`, and plain `$NAME` or `${…}` (no quotes, escapes,
/// blanks, substitutions or shell operators: brush tokenizes some of those).
/// A `$` that starts no expansion is one literal character.
fn dollar(b: &[u8], text: &str, i: usize, subs: &mut Vec<std::ops::Range<usize>>) -> Option<usize> {
    match b.get(i + 1).copied() {
        Some(b'(') => {
            // `$((` is arithmetic (or a subshell): left to brush.
            if b.get(i + 2) == Some(&b'(') {
                return None;
            }
            let (_, close) = parse_from(text, i + 2, true)?;
            subs.push(i + 2..close);
            Some(close + 1)
        }
        Some(b'[' | b'\'' | b'"' | b'`') => None,
        Some(b'{') => {
            let mut depth = 1usize;
            let mut j = i + 2;
            loop {
                match *b.get(j)? {
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    b'{' => depth += 1,
                    b'$' if b.get(j + 1) == Some(&b'(') => return None,
                    c if c.is_ascii_alphanumeric() => {}
                    b'_' | b':' | b'-' | b'=' | b'?' | b'+' | b'#' | b'%' | b'/' | b'*' | b'@' | b'.' | b',' | b'^'
                    | b'!' | b'~' | b'$' => {}
                    _ => return None,
                }
                j += 1;
            }
        }
        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
            let mut j = i + 2;
            while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                j += 1;
            }
            Some(j)
        }
        // brush reads `$$(`, `$${` and the like as `$` and a second expansion.
        Some(b'$') if matches!(b.get(i + 2), Some(b'\'' | b'"' | b'(' | b'{' | b'[')) => None,
        Some(c) if c.is_ascii_digit() || matches!(c, b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => Some(i + 2),
        _ => Some(i + 1),
    }
}
