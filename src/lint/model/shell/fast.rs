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

/// One step of a script the fast path read, in source order. Lists are not
/// nested in one another: a compound command is its `Open`, the steps of its
/// parts, and its `Close`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Node {
    /// A new `&&`/`||` list starts.
    AndOr,
    /// A pipeline of an `&&`/`||` list starts: its position in the list,
    /// whether `||` comes before and after it, and how many commands it has.
    Pipeline { index: usize, after_or: bool, before_or: bool, len: usize },
    /// A simple command: `Tree::words[words]`, the first `assignments` of
    /// them before its name, and `Tree::redirects[redirects]`.
    Simple { words: std::ops::Range<usize>, assignments: usize, redirects: std::ops::Range<usize> },
    /// A compound command starts (an element of the current pipeline).
    Open { subshell: bool },
    /// The words of a `for … in` list, a `case` subject or `case` patterns.
    Words(std::ops::Range<usize>),
    /// The compound command ends, with its redirections.
    Close { redirects: std::ops::Range<usize> },
}

/// A script the fast path read: its steps, and the words and redirections
/// they refer to.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Tree {
    pub nodes: Vec<Node>,
    pub words: Vec<FastWord>,
    pub redirects: Vec<FastRedirect>,
}

/// Words that brush reads as reserved (or as a compound command) when they
/// name a command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "in", "select",
    "function", "!", "{", "}", "[[", "]]", "time", "coproc",
];

/// Reads `text`, or returns `None` when it holds anything the fast path does
/// not read exactly as the brush path would.
pub(super) fn parse(text: &str) -> Option<Tree> {
    let mut p = Parser::new(text, 0, false);
    let (_, stop) = p.list(&[], false, false)?;
    (stop == Stop::End && p.i == text.len()).then_some(p.out)
}

/// Reads the inside of `$( … )` starting at `start`; returns the index of the
/// closing paren.
fn substitution(text: &str, start: usize) -> Option<usize> {
    let mut p = Parser::new(text, start, true);
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
    out: Tree,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, i: usize, in_subst: bool) -> Self {
        Self { b: text.as_bytes(), text, i, in_subst, in_paren: 0, depth: 0, out: Tree::default() }
    }

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
    /// of a `case` item. Returns how many lists it read, and what ended them.
    fn list(&mut self, until: &[&'static str], paren: bool, case: bool) -> Option<(usize, Stop)> {
        let mut n = 0;
        loop {
            self.linebreaks()?;
            match self.peek() {
                None => return Some((n, Stop::End)),
                Some(b')') if paren => return Some((n, Stop::Paren)),
                Some(b';') if case && self.case_end() => return Some((n, Stop::CaseEnd)),
                _ => {}
            }
            if let Some(w) = self.reserved_word()
                && until.contains(&w)
            {
                return Some((n, Stop::Word(w)));
            }
            self.and_or()?;
            n += 1;
            self.blanks();
            self.comment()?;
            match self.peek() {
                Some(b';') => {
                    // `;;`, `;&` and `;;&` end `case` items.
                    if matches!(self.b.get(self.i + 1), Some(b';' | b'&')) {
                        if case && self.case_end() {
                            return Some((n, Stop::CaseEnd));
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

    fn and_or(&mut self) -> Option<()> {
        self.out.nodes.push(Node::AndOr);
        let mut after_or = false;
        let mut index = 0;
        loop {
            let at = self.out.nodes.len();
            self.out.nodes.push(Node::Pipeline { index, after_or, before_or: false, len: 0 });
            let len = self.pipeline()?;
            self.blanks();
            let next_or = match (self.peek(), self.b.get(self.i + 1)) {
                (Some(b'&'), Some(b'&')) => Some(false),
                (Some(b'|'), Some(b'|')) => Some(true),
                _ => None,
            };
            if let Some(Node::Pipeline { before_or, len: l, .. }) = self.out.nodes.get_mut(at) {
                *before_or = next_or == Some(true);
                *l = len;
            }
            let Some(next_or) = next_or else {
                return Some(());
            };
            after_or = next_or;
            index += 1;
            self.i += 2;
            self.linebreaks()?;
        }
    }

    /// Reads a pipeline; returns how many commands it has.
    fn pipeline(&mut self) -> Option<usize> {
        let mut len = 0;
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
            self.command()?;
            len += 1;
            self.blanks();
            match (self.peek(), self.b.get(self.i + 1)) {
                (Some(b'|'), Some(b'&')) => return None,
                (Some(b'|'), Some(b'|')) => return Some(len),
                (Some(b'|'), _) => {}
                _ => return Some(len),
            }
            self.i += 1;
            self.linebreaks()?;
        }
    }

    /// Pushes the `Open` of a compound command; returns where it is, for [`Self::close`].
    fn open(&mut self, subshell: bool) -> usize {
        self.out.nodes.push(Node::Open { subshell });
        self.out.nodes.len() - 1
    }

    fn command(&mut self) -> Option<()> {
        self.blanks();
        if self.peek() == Some(b'(') {
            // `((`, even with blanks between, may be read as arithmetic.
            if paren_follows(self.b, self.i + 1) {
                return None;
            }
            self.i += 1;
            self.in_paren += 1;
            self.open(true);
            self.nested(&[], true)?;
            self.in_paren -= 1;
            if self.peek() != Some(b')') {
                return None;
            }
            self.i += 1;
            return self.compound();
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
                    self.open(false);
                    self.nested(&["}"], false)?;
                    self.keyword("}")?;
                    self.compound()
                }
                None => self.simple(),
            },
            Some("{") => {
                self.i += 1;
                self.open(false);
                self.nested(&["}"], false)?;
                self.keyword("}")?;
                self.compound()
            }
            Some(w @ ("while" | "until")) => {
                self.i += w.len();
                self.open(false);
                self.nested(&["do"], false)?;
                self.keyword("do")?;
                self.nested(&["done"], false)?;
                self.keyword("done")?;
                self.compound()
            }
            Some("if") => {
                self.i += 2;
                self.open(false);
                loop {
                    self.nested(&["then"], false)?;
                    self.keyword("then")?;
                    let stop = self.nested_stop(&["elif", "else", "fi"])?;
                    match stop {
                        "elif" => self.keyword("elif")?,
                        "else" => {
                            self.keyword("else")?;
                            self.nested(&["fi"], false)?;
                            self.keyword("fi")?;
                            break;
                        }
                        _ => {
                            self.keyword("fi")?;
                            break;
                        }
                    }
                }
                self.compound()
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
                self.open(false);
                let first = self.out.words.len();
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
                    self.out.words.push(FastWord { start: self.i, end, text, subs });
                    self.i = end;
                }
                self.out.nodes.push(Node::Words(first..self.out.words.len()));
                self.linebreaks()?;
                self.keyword("do")?;
                self.nested(&["done"], false)?;
                self.keyword("done")?;
                self.compound()
            }
            Some("case") if !self.in_subst && self.in_paren == 0 => {
                self.i += 4;
                self.blanks();
                self.open(false);
                let (end, text, subs) = word(self.b, self.text, self.i)?;
                let first = self.out.words.len();
                self.out.words.push(FastWord { start: self.i, end, text, subs });
                self.out.nodes.push(Node::Words(first..first + 1));
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
                    let first = self.out.words.len();
                    loop {
                        match self.peek() {
                            None | Some(b'#' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>') => return None,
                            _ => {}
                        }
                        let (end, text, subs) = word(self.b, self.text, self.i)?;
                        self.out.words.push(FastWord { start: self.i, end, text, subs });
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
                    self.out.nodes.push(Node::Words(first..self.out.words.len()));
                    let (_, stop) = self.list(&["esac"], false, true)?;
                    match stop {
                        Stop::CaseEnd => {}
                        Stop::Word(_) => break,
                        _ => return None,
                    }
                }
                self.depth -= 1;
                self.keyword("esac")?;
                self.compound()
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
    fn nested(&mut self, until: &[&'static str], paren: bool) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_COMPOUND {
            return None;
        }
        let (n, stop) = self.list(until, paren, false)?;
        self.depth -= 1;
        let expected = match stop {
            Stop::End | Stop::CaseEnd => false,
            Stop::Paren => paren,
            Stop::Word(_) => true,
        };
        (expected && n > 0).then_some(())
    }

    /// [`Self::nested`], with the reserved word that ended it.
    fn nested_stop(&mut self, until: &[&'static str]) -> Option<&'static str> {
        self.depth += 1;
        if self.depth > MAX_COMPOUND {
            return None;
        }
        let (n, stop) = self.list(until, false, false)?;
        self.depth -= 1;
        match stop {
            Stop::Word(w) if n > 0 => Some(w),
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

    /// The redirections after a compound command, then its `Close`; then only
    /// an operator, a newline, a comment or the end may follow.
    fn compound(&mut self) -> Option<()> {
        let first = self.out.redirects.len();
        loop {
            self.blanks();
            match self.peek() {
                Some(b'<' | b'>') => self.i = redirect(self.b, self.text, self.i, None, &mut self.out.redirects)?,
                Some(b'&') if self.b.get(self.i + 1) == Some(&b'>') => {
                    self.i = redirect(self.b, self.text, self.i, None, &mut self.out.redirects)?;
                }
                None | Some(b';' | b'\n' | b'&' | b'|' | b')' | b'#') => break,
                Some(_) => return None,
            }
        }
        self.out.nodes.push(Node::Close { redirects: first..self.out.redirects.len() });
        Some(())
    }

    /// A simple command: assignments, words and redirections up to an
    /// operator, a newline, a comment, a `)` or the end.
    fn simple(&mut self) -> Option<()> {
        let first = self.out.words.len();
        let first_redirect = self.out.redirects.len();
        let mut assignments = 0;
        loop {
            self.blanks();
            let i = self.i;
            match self.peek() {
                None | Some(b';' | b'\n' | b'|' | b')' | b'#') => break,
                Some(b'&') if self.b.get(i + 1) != Some(&b'>') => break,
                Some(b'&' | b'<' | b'>') => self.i = redirect(self.b, self.text, i, None, &mut self.out.redirects)?,
                Some(b'(' | b'\r') => return None,
                Some(_) => {
                    let (end, word_text, subs) = word(self.b, self.text, i)?;
                    let raw = self.text.get(i..end)?;
                    if matches!(self.b.get(end), Some(b'<' | b'>')) && raw.bytes().all(|c| c.is_ascii_digit()) {
                        let fd = raw.parse::<i32>().ok()?;
                        self.i = redirect(self.b, self.text, end, Some(fd), &mut self.out.redirects)?;
                        continue;
                    }
                    // Assignments come before the command name only.
                    if self.out.words.len() - first == assignments {
                        if RESERVED.contains(&raw) {
                            return None;
                        }
                        match assignment(raw) {
                            Some(true) => assignments += 1,
                            Some(false) => {}
                            None => return None,
                        }
                    }
                    self.out.words.push(FastWord { start: i, end, text: word_text, subs });
                    self.i = end;
                }
            }
        }
        let words = first..self.out.words.len();
        let redirects = first_redirect..self.out.redirects.len();
        if words.is_empty() && redirects.is_empty() {
            return None;
        }
        self.out.nodes.push(Node::Simple { words, assignments, redirects });
        Some(())
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
fn redirect(b: &[u8], text: &str, i: usize, fd: Option<i32>, out: &mut Vec<FastRedirect>) -> Option<usize> {
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
    out.push(FastRedirect { fd, op, target: FastWord { start: j, end, text: word_text, subs } });
    Some(end)
}

/// Reads the word starting at `start`: its end, and its text with quotes
/// removed when that differs from the raw text. `None` for forms left to brush.
fn word(b: &[u8], text: &str, start: usize) -> Option<(usize, Option<String>, Vec<std::ops::Range<usize>>)> {
    // The unquoted text, once it differs from the raw text.
    let mut out: Option<String> = None;
    let mut subs = Vec::new();
    let mut i = start;
    loop {
        // A run of bytes that stand for themselves, copied at once.
        let run = i;
        while b.get(i).is_some_and(|&c| !WORD_SPECIAL[usize::from(c)]) {
            i += 1;
        }
        if let Some(o) = &mut out {
            o.push_str(text.get(run..i)?);
        }
        let Some(&special) = b.get(i) else { break };
        match special {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
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
            // `\r` and backticks.
            _ => return None,
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
        // A run of bytes that stand for themselves, copied at once.
        let run = i;
        while b.get(i).is_some_and(|&c| !QUOTED_SPECIAL[usize::from(c)]) {
            i += 1;
        }
        out.push_str(text.get(run..i)?);
        match *b.get(i)? {
            b'"' => return Some(i + 1),
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
            // Backticks and `\r`.
            _ => return None,
        }
    }
}

/// Bytes [`word`] looks at one by one: blanks, operators, quotes, escapes,
/// `$`, backticks and CR. Every other byte (non-ASCII ones included) stands for
/// itself.
static WORD_SPECIAL: [bool; 256] = special(b" \t\n;&|()<>\r`\\'\"$");

/// Bytes [`double_quoted`] looks at one by one.
static QUOTED_SPECIAL: [bool; 256] = special(b"\"`\r\\$");

const fn special(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = true;
        k += 1;
    }
    table
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
