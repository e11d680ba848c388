//! A single-pass reader for the scripts most RUN instructions are: simple
//! commands joined by `&&`, `||`, `;`, `|`, `&` and newlines, with quoted
//! words, parameter expansions, `$( … )` and plain redirections, and the
//! compound commands `if`, `while`, `until`, `for … in`, `case`, `{ … }`,
//! `( … )` and `name() { … }` around them.
//!
//! It reads only what it understands exactly as brush-parser (and the
//! flattening of its tree in the parent module) would: for anything else
//! (backticks, arithmetic, heredocs, process substitutions, `$'…'`, `[[`,
//! `!` other than before a pipeline, `time`, other reserved words in command
//! position, syntax errors, …)
//! [`parse`] returns `None` and the caller takes the brush path. The tests in
//! `fast_tests.rs` hold the two paths to the same output.

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

/// Commands separated by `;` or newlines: `&&`/`||` lists.
pub(super) type List = Vec<AndOr>;
/// Pipelines joined by `&&` and `||`; the flag says "after `||`".
pub(super) type AndOr = Vec<(bool, Pipeline)>;
/// Commands joined by `|`.
pub(super) type Pipeline = Vec<Cmd>;

/// One element of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Cmd {
    Simple(FastCommand),
    Compound(Compound),
}

/// `if`, `while`, `until`, `for`, `{ … }` or `( … )`: its parts in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Compound {
    pub subshell: bool,
    pub parts: Vec<Part>,
    pub redirects: Vec<FastRedirect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Part {
    /// The words of a `for … in` list.
    Words(Vec<FastWord>),
    List(List),
}

/// A script the fast path read.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct FastScript {
    pub list: List,
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
    let mut p = Parser { b: text.as_bytes(), text, i: 0, in_subst: false, in_paren: 0, depth: 0 };
    let (list, stop) = p.list(&[], false, false)?;
    (stop == Stop::End && p.i == text.len()).then_some(FastScript { list })
}

/// Reads the inside of `$( … )` starting at `start`; returns the index of the
/// closing paren.
fn substitution(text: &str, start: usize) -> Option<usize> {
    let mut p = Parser { b: text.as_bytes(), text, i: start, in_subst: true, in_paren: 0, depth: 0 };
    let (_, stop) = p.list(&[], true, false)?;
    (stop == Stop::Paren).then_some(p.i)
}

/// What ended a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    End,
    Paren,
    /// A reserved word (`then`, `fi`, `done`, `}` …), not consumed.
    Word(&'static str),
    /// `;;`, `;&` or `;;&` (in a `case` item), consumed.
    CaseEnd,
}

/// Compound commands nested deeper than this are left to brush.
const MAX_COMPOUND: usize = 16;

struct Parser<'t> {
    b: &'t [u8],
    text: &'t str,
    i: usize,
    /// Inside `$( … )`, where a comment may hide the closing paren.
    in_subst: bool,
    /// How many subshells `( … )` enclose the position; brush fails on a
    /// `case` inside one.
    in_paren: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// Skips a comment at the current position, if any.
    fn comment(&mut self) -> Option<()> {
        if self.peek() == Some(b'#') {
            if self.in_subst {
                return None;
            }
            while self.peek().is_some_and(|c| c != b'\n') {
                self.i += 1;
            }
        }
        Some(())
    }

    /// Skips blanks, comments and newlines.
    fn linebreaks(&mut self) -> Option<()> {
        loop {
            self.blanks();
            self.comment()?;
            if self.peek() == Some(b'\n') {
                self.i += 1;
            } else {
                return Some(());
            }
        }
    }

    /// The reserved word at the current position, if the next word is one.
    fn reserved_word(&self) -> Option<&'static str> {
        let rest = self.b.get(self.i..)?;
        // Every reserved word starts with one of these.
        if !matches!(
            rest.first()?,
            b'i' | b't' | b'e' | b'f' | b'd' | b'w' | b'u' | b'c' | b's' | b'!' | b'{' | b'}' | b'[' | b']'
        ) {
            return None;
        }
        let len = rest
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'))
            .unwrap_or(rest.len());
        let word = self.text.get(self.i..self.i + len)?;
        RESERVED.iter().find(|&&r| r == word).copied()
    }

    /// Consumes `;;`, `;&` or `;;&` when one is next.
    fn case_end(&mut self) -> bool {
        let rest = self.b.get(self.i..).unwrap_or_default();
        let len = if rest.starts_with(b";;&") {
            3
        } else if rest.starts_with(b";;") || rest.starts_with(b";&") {
            2
        } else {
            return false;
        };
        self.i += len;
        true
    }

    /// Reads `&&`/`||` lists up to the end, a `)` (when `paren`), one of the
    /// reserved words `until` in command position, or (when `case`) the end
    /// of a `case` item.
    fn list(&mut self, until: &[&'static str], paren: bool, case: bool) -> Option<(List, Stop)> {
        let mut list = List::new();
        loop {
            self.linebreaks()?;
            match self.peek() {
                None => return Some((list, Stop::End)),
                Some(b')') if paren => return Some((list, Stop::Paren)),
                Some(b';') if case && self.case_end() => return Some((list, Stop::CaseEnd)),
                _ => {}
            }
            if let Some(w) = self.reserved_word()
                && until.contains(&w)
            {
                return Some((list, Stop::Word(w)));
            }
            list.push(self.and_or()?);
            self.blanks();
            self.comment()?;
            match self.peek() {
                Some(b';') => {
                    // `;;`, `;&` and `;;&` end `case` items.
                    if matches!(self.b.get(self.i + 1), Some(b';' | b'&')) {
                        if case && self.case_end() {
                            return Some((list, Stop::CaseEnd));
                        }
                        return None;
                    }
                    self.i += 1;
                }
                // A command run in the background ends its list as `;` does.
                Some(b'&') if !matches!(self.b.get(self.i + 1), Some(b'&' | b'>')) => self.i += 1,
                Some(b'\n') => self.i += 1,
                None => {}
                Some(b')') if paren => {}
                _ => return None,
            }
        }
    }

    fn and_or(&mut self) -> Option<AndOr> {
        let mut out = AndOr::new();
        let mut after_or = false;
        loop {
            out.push((after_or, self.pipeline()?));
            self.blanks();
            match (self.peek(), self.b.get(self.i + 1)) {
                (Some(b'&'), Some(b'&')) => after_or = false,
                (Some(b'|'), Some(b'|')) => after_or = true,
                _ => return Some(out),
            }
            self.i += 2;
            self.linebreaks()?;
        }
    }

    fn pipeline(&mut self) -> Option<Pipeline> {
        let mut out = Pipeline::new();
        self.blanks();
        // `! cmd`: brush marks the pipeline negated, which the commands do not
        // show; a blank must follow, and a command (`!` twice, or `!` before a
        // separator, is left to brush).
        if self.reserved_word() == Some("!") {
            self.i += 1;
            if !matches!(self.peek(), Some(b' ' | b'\t')) {
                return None;
            }
            self.blanks();
            if matches!(self.peek(), None | Some(b'\n' | b';' | b'&' | b'|' | b')' | b'#'))
                || self.reserved_word() == Some("!")
            {
                return None;
            }
        }
        loop {
            out.push(self.command()?);
            self.blanks();
            match (self.peek(), self.b.get(self.i + 1)) {
                (Some(b'|'), Some(b'&')) => return None,
                (Some(b'|'), Some(b'|')) => return Some(out),
                (Some(b'|'), _) => {}
                _ => return Some(out),
            }
            self.i += 1;
            self.linebreaks()?;
        }
    }

    fn command(&mut self) -> Option<Cmd> {
        self.blanks();
        if self.peek() == Some(b'(') {
            // `((`, even with blanks between, may be read as arithmetic.
            if paren_follows(self.b, self.i + 1) {
                return None;
            }
            self.i += 1;
            self.in_paren += 1;
            let body = self.nested(&[], true)?;
            self.in_paren -= 1;
            if self.peek() != Some(b')') {
                return None;
            }
            self.i += 1;
            return self.compound(Compound { subshell: true, parts: vec![Part::List(body)], ..Compound::default() });
        }
        match self.reserved_word() {
            None => match self.function_header() {
                // `name() { … }`: brush's tree holds the body as a brace group.
                Some(after) => {
                    self.i = after;
                    self.linebreaks()?;
                    if self.reserved_word() != Some("{") {
                        return None;
                    }
                    self.i += 1;
                    let body = self.nested(&["}"], false)?;
                    self.keyword("}")?;
                    self.compound(Compound { parts: vec![Part::List(body)], ..Compound::default() })
                }
                None => self.simple().map(Cmd::Simple),
            },
            Some("{") => {
                self.i += 1;
                let body = self.nested(&["}"], false)?;
                self.keyword("}")?;
                self.compound(Compound { parts: vec![Part::List(body)], ..Compound::default() })
            }
            Some(w @ ("while" | "until")) => {
                self.i += w.len();
                let cond = self.nested(&["do"], false)?;
                self.keyword("do")?;
                let body = self.nested(&["done"], false)?;
                self.keyword("done")?;
                self.compound(Compound { parts: vec![Part::List(cond), Part::List(body)], ..Compound::default() })
            }
            Some("if") => {
                self.i += 2;
                let mut parts = Vec::with_capacity(2);
                loop {
                    parts.push(Part::List(self.nested(&["then"], false)?));
                    self.keyword("then")?;
                    let (body, stop) = self.nested_stop(&["elif", "else", "fi"])?;
                    parts.push(Part::List(body));
                    match stop {
                        "elif" => self.keyword("elif")?,
                        "else" => {
                            self.keyword("else")?;
                            parts.push(Part::List(self.nested(&["fi"], false)?));
                            self.keyword("fi")?;
                            break;
                        }
                        _ => {
                            self.keyword("fi")?;
                            break;
                        }
                    }
                }
                self.compound(Compound { parts, ..Compound::default() })
            }
            Some("for") => {
                self.i += 3;
                self.blanks();
                let name_len =
                    self.b.get(self.i..)?.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                if name_len == 0 || self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
                self.i += name_len;
                if !matches!(self.peek(), Some(b' ' | b'\t')) {
                    return None;
                }
                self.blanks();
                self.keyword("in")?;
                let mut words = Vec::new();
                loop {
                    self.blanks();
                    match self.peek() {
                        Some(b';' | b'\n') => {
                            self.i += 1;
                            break;
                        }
                        None | Some(b'#' | b'&' | b'|' | b'(' | b')' | b'<' | b'>') => return None,
                        _ => {}
                    }
                    let (end, text, subs) = word(self.b, self.text, self.i)?;
                    words.push(FastWord { start: self.i, end, text, subs });
                    self.i = end;
                }
                self.linebreaks()?;
                self.keyword("do")?;
                let body = self.nested(&["done"], false)?;
                self.keyword("done")?;
                self.compound(Compound { parts: vec![Part::Words(words), Part::List(body)], ..Compound::default() })
            }
            Some("case") if !self.in_subst && self.in_paren == 0 => {
                self.i += 4;
                self.blanks();
                let mut parts = Vec::new();
                let (end, text, subs) = word(self.b, self.text, self.i)?;
                parts.push(Part::Words(vec![FastWord { start: self.i, end, text, subs }]));
                self.i = end;
                if !matches!(self.peek(), Some(b' ' | b'\t')) {
                    return None;
                }
                self.keyword("in")?;
                self.depth += 1;
                if self.depth > MAX_COMPOUND {
                    return None;
                }
                loop {
                    self.linebreaks()?;
                    match self.reserved_word() {
                        Some("esac") => break,
                        Some(_) => return None,
                        None => {}
                    }
                    if self.peek() == Some(b'(') {
                        self.i += 1;
                        self.blanks();
                    }
                    let mut patterns = Vec::new();
                    loop {
                        match self.peek() {
                            None | Some(b'#' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>') => return None,
                            _ => {}
                        }
                        let (end, text, subs) = word(self.b, self.text, self.i)?;
                        patterns.push(FastWord { start: self.i, end, text, subs });
                        self.i = end;
                        self.blanks();
                        match self.peek() {
                            Some(b'|') => {
                                self.i += 1;
                                self.blanks();
                            }
                            Some(b')') => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                    parts.push(Part::Words(patterns));
                    let (body, stop) = self.list(&["esac"], false, true)?;
                    parts.push(Part::List(body));
                    match stop {
                        Stop::CaseEnd => {}
                        Stop::Word(_) => break,
                        _ => return None,
                    }
                }
                self.depth -= 1;
                self.keyword("esac")?;
                self.compound(Compound { parts, ..Compound::default() })
            }
            Some(_) => None,
        }
    }

    /// The index after `name()` when a function definition starts here.
    fn function_header(&self) -> Option<usize> {
        let rest = self.b.get(self.i..)?;
        if !rest.first()?.is_ascii_alphabetic() && rest.first() != Some(&b'_') {
            return None;
        }
        let mut j = rest.iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-')).count();
        let blanks =
            |j: usize| j + rest.get(j..).map_or(0, |r| r.iter().take_while(|c| matches!(c, b' ' | b'\t')).count());
        j = blanks(j);
        if rest.get(j) != Some(&b'(') {
            return None;
        }
        j = blanks(j + 1);
        (rest.get(j) == Some(&b')')).then_some(self.i + j + 1)
    }

    /// A non-empty list inside a compound command.
    fn nested(&mut self, until: &[&'static str], paren: bool) -> Option<List> {
        self.depth += 1;
        if self.depth > MAX_COMPOUND {
            return None;
        }
        let (list, stop) = self.list(until, paren, false)?;
        self.depth -= 1;
        let expected = match stop {
            Stop::End | Stop::CaseEnd => false,
            Stop::Paren => paren,
            Stop::Word(_) => true,
        };
        (expected && !list.is_empty()).then_some(list)
    }

    /// [`Self::nested`], with the reserved word that ended it.
    fn nested_stop(&mut self, until: &[&'static str]) -> Option<(List, &'static str)> {
        self.depth += 1;
        if self.depth > MAX_COMPOUND {
            return None;
        }
        let (list, stop) = self.list(until, false, false)?;
        self.depth -= 1;
        match stop {
            Stop::Word(w) if !list.is_empty() => Some((list, w)),
            _ => None,
        }
    }

    /// Consumes the reserved word `w`, which must be next.
    fn keyword(&mut self, w: &str) -> Option<()> {
        self.blanks();
        if self.reserved_word() != Some(w) {
            return None;
        }
        self.i += w.len();
        Some(())
    }

    /// The redirections after a compound command; then only an operator, a
    /// newline, a comment or the end may follow.
    fn compound(&mut self, mut c: Compound) -> Option<Cmd> {
        let mut cur = FastCommand::default();
        loop {
            self.blanks();
            match self.peek() {
                Some(b'<' | b'>') => self.i = redirect(self.b, self.text, self.i, None, &mut cur)?,
                Some(b'&') if self.b.get(self.i + 1) == Some(&b'>') => {
                    self.i = redirect(self.b, self.text, self.i, None, &mut cur)?;
                }
                None | Some(b';' | b'\n' | b'&' | b'|' | b')' | b'#') => break,
                Some(_) => return None,
            }
        }
        c.redirects = cur.redirects;
        Some(Cmd::Compound(c))
    }

    /// A simple command: assignments, words and redirections up to an
    /// operator, a newline, a comment, a `)` or the end.
    fn simple(&mut self) -> Option<FastCommand> {
        let mut cur = FastCommand::default();
        loop {
            self.blanks();
            let i = self.i;
            match self.peek() {
                None | Some(b';' | b'\n' | b'|' | b')' | b'#') => break,
                Some(b'&') if self.b.get(i + 1) != Some(&b'>') => break,
                Some(b'&' | b'<' | b'>') => self.i = redirect(self.b, self.text, i, None, &mut cur)?,
                Some(b'(' | b'\r') => return None,
                Some(_) => {
                    let (end, word_text, subs) = word(self.b, self.text, i)?;
                    let raw = self.text.get(i..end)?;
                    if matches!(self.b.get(end), Some(b'<' | b'>')) && raw.bytes().all(|c| c.is_ascii_digit()) {
                        let fd = raw.parse::<i32>().ok()?;
                        self.i = redirect(self.b, self.text, end, Some(fd), &mut cur)?;
                        continue;
                    }
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
                    self.i = end;
                }
            }
        }
        (!cur.is_empty()).then_some(cur)
    }
}

/// Whether a `(` follows `i`, after blanks.
fn paren_follows(b: &[u8], i: usize) -> bool {
    b.get(i..).and_then(|rest| rest.iter().find(|c| !matches!(c, b' ' | b'\t'))) == Some(&b'(')
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
    if matches!(op, RedirectOp::DupInput | RedirectOp::DupOutput)
        && !text.get(j..end)?.bytes().all(|c| c.is_ascii_digit())
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
            c if c.is_ascii() => {
                if let Some(o) = &mut out {
                    o.push(char::from(c));
                }
                i += 1;
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

/// Whether `\$` at `i` (escaping `n`) is followed by a single quote:
/// brush then reads `$'…'` as if the `$` were not escaped.
fn escaped_dollar_opens(b: &[u8], i: usize, n: char) -> bool {
    n == '$' && matches!(b.get(i + 2), Some(b'\''))
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
            c if c.is_ascii() => {
                out.push(char::from(c));
                i += 1;
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
/// `:-`, `#`, `%`, `/`, `[…]`, and plain `$NAME` or `${…}` (no quotes, escapes,
/// blanks, substitutions or shell operators: brush tokenizes some of those).
/// A `$` that starts no expansion is one literal character.
fn dollar(b: &[u8], text: &str, i: usize, subs: &mut Vec<std::ops::Range<usize>>) -> Option<usize> {
    match b.get(i + 1).copied() {
        Some(b'(') => {
            // `$((` is arithmetic (or a subshell): left to brush.
            if paren_follows(b, i + 2) {
                return None;
            }
            let close = substitution(text, i + 2)?;
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
                    // `$(` and the old arithmetic `$[` inside `${…}`: brush reads them its own way.
                    b'$' if matches!(b.get(j + 1), Some(b'(' | b'[')) => return None,
                    c if c.is_ascii_alphanumeric() => {}
                    b'_' | b':' | b'-' | b'=' | b'?' | b'+' | b'#' | b'%' | b'/' | b'*' | b'@' | b'.' | b',' | b'^'
                    | b'!' | b'~' | b'$' | b'[' | b']' => {}
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
