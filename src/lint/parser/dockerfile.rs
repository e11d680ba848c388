//! The Dockerfile parser: a port of BuildKit's `frontend/dockerfile/parser`
//! (`parser.go`, `line_parsers.go`, `split_command.go`) that also keeps byte spans.
//!
//! BuildKit works in two stages and so do we:
//! 1. **Lines.** Physical lines are read with their endings; a BOM is stripped;
//!    parser directives (`syntax`, `escape`, `check`) are recognised only at the
//!    very top; comment lines are dropped, also inside continuations; lines ending
//!    in the escape character are joined (the escape and trailing blanks removed);
//!    empty continuation lines are skipped with a warning; after RUN, COPY and ADD
//!    (also under ONBUILD) heredoc bodies are collected up to their terminators.
//! 2. **Arguments.** The joined line is split into keyword, `--flags` and the rest,
//!    which the keyword's line parser turns into arguments exactly as BuildKit's
//!    `Node.Next` list: JSON (exec) form with shell-form fallback, `k=v` pairs, ARG
//!    names, whitespace-split words, or the plain string.
//!
//! Where BuildKit aborts on the first error, we report a `DL1000` error and go on,
//! so one bad line does not hide every other finding. The joined line keeps a map
//! back to source bytes ([`JoinedText`]), so every argument and flag has an exact
//! span even across continuation lines.

use super::ast::{Arg, Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, JoinedText, Keyword, Segments};
use crate::lint::diagnostic::{Edit, Fix, Severity};
use crate::lint::source::{TextRange, to_u32};

/// Code under which parse errors are reported (hadolint's parse-error code).
pub const PARSE_ERROR: &str = "DL1000";
/// Code under which empty continuation lines are reported.
pub const EMPTY_CONTINUATION: &str = "DD100";

/// A problem found while parsing: an error (`DL1000`) or a warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseIssue {
    /// Rule code this issue is reported under.
    pub code: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub range: TextRange,
    /// What to do about it.
    pub help: Option<String>,
    /// A mechanical fix, if there is one (DD100 removes the empty lines).
    pub fix: Option<Fix>,
}

/// Parses `src`. Never panics; problems come back as [`ParseIssue`]s.
pub fn parse(src: &str) -> (Dockerfile, Vec<ParseIssue>) {
    let mut p = Parser::new(src);
    p.run();
    (p.file, p.issues)
}

/// One physical line: its start offset, its text including the terminator,
/// and its content without it (worked out once, as most lines need both).
#[derive(Clone, Copy)]
struct RawLine<'a> {
    start: usize,
    text: &'a str,
    content: &'a str,
}

impl<'a> RawLine<'a> {
    fn new(start: usize, text: &'a str) -> Self {
        Self { start, text, content: trim_line_end(text) }
    }

    /// The line without trailing `\r`/`\n` characters (Go's `TrimRight(s, "\r\n")`).
    fn content(&self) -> &'a str {
        self.content
    }
}

/// Go's `TrimRight(s, "\r\n")`. Both are ASCII, so the cut is a char boundary.
fn trim_line_end(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut len = bytes.len();
    while len > 0 && matches!(bytes[len - 1], b'\r' | b'\n') {
        len -= 1;
    }
    text.get(..len).unwrap_or(text)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    /// Where each physical line ends (past its `\n`), found by one `memchr`
    /// sweep up front; line `n` (1-based) ends at `line_ends[n - 1]`.
    line_ends: Vec<usize>,
    line_no: u32,
    file: Dockerfile,
    issues: Vec<ParseIssue>,
    directives_done: bool,
    /// The pieces of the logical line being read, kept between instructions
    /// so the joined text is allocated once, at its final size.
    pieces: Vec<(&'a str, usize)>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        let bom = src.starts_with('\u{feff}');
        Self {
            src,
            pos: if bom { 3 } else { 0 },
            line_ends: Vec::new(),
            line_no: 0,
            file: Dockerfile { escape: '\\', bom, ..Dockerfile::default() },
            issues: Vec::new(),
            directives_done: false,
            pieces: Vec::new(),
        }
    }

    fn next_line(&mut self) -> Option<RawLine<'a>> {
        let end = *self.line_ends.get(self.line_no as usize)?;
        let line = RawLine::new(self.pos, self.src.get(self.pos..end)?);
        self.pos = end;
        self.line_no += 1;
        Some(line)
    }

    fn error(&mut self, message: impl Into<String>, range: TextRange) {
        self.issues.push(ParseIssue {
            code: PARSE_ERROR,
            severity: Severity::Error,
            message: message.into(),
            range,
            help: Some("BuildKit refuses this file; fix the syntax before anything else".into()),
            fix: None,
        });
    }

    fn run(&mut self) {
        let (line_ends, instructions, comments) = scan_lines(self.src, self.pos);
        self.line_ends = line_ends;
        self.file.instructions.reserve(instructions);
        self.file.comments.reserve(comments);
        while let Some(line) = self.next_line() {
            let content = line.content();
            let lead = leading_space_len(content);
            let trimmed = &content[lead..];
            if self.directive(trimmed, &line, lead) {
                continue;
            }
            if trimmed.starts_with('#') {
                self.comment(&line, lead);
                continue;
            }
            let (piece, mut eol) = trim_continuation(trimmed, self.file.escape);
            if eol && piece.is_empty() {
                continue;
            }
            let start_line = self.line_no;
            let mut pieces = std::mem::take(&mut self.pieces);
            pieces.clear();
            pieces.push((piece, line.start + lead));
            let mut last = line;
            let mut empty_continuation = None;
            let mut empty_lines = Vec::new();
            while !eol {
                let Some(next) = self.next_line() else { break };
                last = next;
                let content = next.content();
                let lead = leading_space_len(content);
                if content[lead..].starts_with('#') {
                    self.comment(&next, lead);
                    continue;
                }
                if lead == content.len() {
                    empty_continuation.get_or_insert(self.line_no);
                    empty_lines.push(Edit::delete(TextRange::from_usize(next.start, next.start + next.text.len())));
                    continue;
                }
                let (piece, end) = trim_continuation(content, self.file.escape);
                eol = end;
                pieces.push((piece, next.start));
            }
            let joined = join(&pieces);
            self.pieces = pieces;
            let keyword_start = line.start + lead;
            let mut inst = self.instruction(joined, start_line);
            let mut end = last.start + last.content().len();
            if inst.effective().keyword.takes_heredocs() && !inst.effective().json {
                let heredocs = self.heredocs(&inst.text.text, keyword_start, &mut end);
                inst.heredocs = heredocs;
            }
            inst.end_line = self.line_no;
            inst.range = TextRange::from_usize(keyword_start, end);
            if let Some(line) = empty_continuation {
                self.issues.push(ParseIssue {
                    code: EMPTY_CONTINUATION,
                    severity: Severity::Warning,
                    message: format!("empty continuation line {line} inside `{}`", inst.keyword_label()),
                    range: inst.name_range,
                    help: Some("remove the empty line; BuildKit will reject it in a future release".into()),
                    fix: Some(Fix::safe(empty_lines)),
                });
            }
            self.file.instructions.push(inst);
        }
        if self.file.instructions.is_empty() {
            let end = to_u32(self.src.len());
            self.error("file with no instructions", TextRange::new(0, end));
        }
    }

    /// Handles a parser directive at the top of the file. Returns whether the
    /// line was one.
    fn directive(&mut self, trimmed: &str, line: &RawLine<'_>, lead: usize) -> bool {
        if self.directives_done {
            return false;
        }
        let Some((name, value)) = split_directive(trimmed) else {
            self.directives_done = true;
            return false;
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.directives_done = true;
            return false;
        }
        let range = TextRange::from_usize(line.start + lead, line.start + line.content().len());
        if self.file.directives.iter().any(|d| d.name == name) {
            self.error(format!("only one `{name}` parser directive can be used"), range);
            return true;
        }
        if name == "escape" {
            match value {
                "\\" => self.file.escape = '\\',
                "`" => self.file.escape = '`',
                other => {
                    self.error(format!("invalid escape token `{other}`: use ` or \\"), range);
                }
            }
        }
        self.file.directives.push(Directive { name, value: value.to_string(), range, line: self.line_no });
        true
    }

    fn comment(&mut self, line: &RawLine<'_>, lead: usize) {
        let content = line.content();
        let text = content.get(lead..).unwrap_or_default();
        let text = trim_space(text.get(text.bytes().take_while(|&b| b == b'#').count()..).unwrap_or_default());
        let text = text.to_string();
        let range = TextRange::from_usize(line.start + lead, line.start + content.len());
        self.file.comments.push(Comment { text, range, line: self.line_no });
    }

    /// Builds an instruction from its joined line (BuildKit's `newNodeFromLine`).
    fn instruction(&mut self, text: JoinedText, start_line: u32) -> Instruction {
        let mut errors = Vec::new();
        let mut inst = parse_node(&text.text, 0, self.file.escape, &text, &mut errors);
        for (message, range) in errors {
            self.error(message, range);
        }
        set_lines(&mut inst, start_line);
        inst.text = text;
        inst
    }

    /// Collects the heredoc bodies named on `line` from the following lines.
    fn heredocs(&mut self, line: &str, keyword_start: usize, end: &mut usize) -> Vec<Heredoc> {
        let mut docs = Vec::new();
        for spec in heredoc_specs(line) {
            let body_start = self.pos;
            let body_start_line = self.line_no + 1;
            let mut content = String::new();
            let mut terminated = false;
            let mut body_end = body_start;
            while let Some(next) = self.next_line() {
                let mut candidate = next.content();
                if spec.strip_tabs {
                    candidate = candidate.trim_start_matches('\t');
                }
                *end = next.start + next.content().len();
                if candidate == spec.name {
                    terminated = true;
                    break;
                }
                content.push_str(next.text);
                body_end = next.start + next.text.len();
            }
            if !terminated {
                let range = TextRange::from_usize(keyword_start, self.src.len());
                self.error(format!("unterminated heredoc: no line `{}` closes it", spec.name), range);
            }
            docs.push(Heredoc {
                name: spec.name,
                strip_tabs: spec.strip_tabs,
                quoted: spec.quoted,
                content,
                body_range: TextRange::from_usize(body_start, body_end),
                terminated,
                body_start_line,
            });
            if !terminated {
                break;
            }
        }
        docs
    }
}

impl Instruction {
    fn keyword_label(&self) -> String {
        if self.keyword == Keyword::Unknown { self.name.to_ascii_uppercase() } else { self.keyword.as_str().into() }
    }
}

impl Heredoc {
    /// The body as the command sees it: leading tabs stripped for `<<-`.
    pub fn body(&self) -> String {
        if !self.strip_tabs {
            return self.content.clone();
        }
        let mut out = String::with_capacity(self.content.len());
        for line in self.content.split_inclusive('\n') {
            out.push_str(line.trim_start_matches('\t'));
        }
        out
    }
}

/// Splits `src[from..]` into physical lines in one `memchr` sweep (the ends,
/// past each `\n`, plus the end of the file after an unterminated last line)
/// and, from each line's first bytes, works out capacity hints for the
/// instruction and comment lists, so a large file does not regrow (and copy)
/// them over and over: lines that start with something other than a blank or
/// `#` (an upper bound on instructions unless they are indented), and lines
/// whose first non-blank is `#`. Capped, as heredoc bodies and continuation
/// lines are counted too.
fn scan_lines(src: &str, from: usize) -> (Vec<usize>, usize, usize) {
    const CAP: usize = 1 << 20;
    let bytes = src.as_bytes();
    let rest = bytes.get(from..).unwrap_or_default();
    let mut ends = Vec::with_capacity(memchr::memchr_iter(b'\n', rest).count() + 1);
    let (mut instructions, mut comments) = (0, 0);
    let mut start = from;
    let mut count = |line: &[u8]| match line.iter().find(|&&b| b != b' ' && b != b'\t') {
        Some(b'#') => comments += 1,
        Some(b'\r') | None => {}
        Some(_) => instructions += usize::from(matches!(line.first(), Some(b) if *b != b' ' && *b != b'\t')),
    };
    for nl in memchr::memchr_iter(b'\n', rest) {
        let end = from + nl;
        count(bytes.get(start..end).unwrap_or_default());
        start = end + 1;
        ends.push(start);
    }
    count(bytes.get(start..).unwrap_or_default());
    if start < bytes.len() {
        ends.push(bytes.len());
    }
    (ends, instructions.min(CAP), comments.min(CAP))
}

fn set_lines(inst: &mut Instruction, line: u32) {
    inst.start_line = line;
    inst.end_line = line;
    if let Some(sub) = inst.sub.as_deref_mut() {
        set_lines(sub, line);
    }
}

/// The logical line from its pieces (each with its source offset); empty
/// pieces leave no segment.
fn join(pieces: &[(&str, usize)]) -> JoinedText {
    let mut text = String::with_capacity(pieces.iter().map(|p| p.0.len()).sum());
    let mut nonempty = pieces.iter().filter(|p| !p.0.is_empty());
    let segments = match (nonempty.clone().count(), nonempty.next()) {
        (1, Some(&(piece, source_offset))) => {
            text.push_str(piece);
            Segments::one((0, to_u32(source_offset)))
        }
        (n, _) => {
            let mut segments = Vec::with_capacity(n);
            for &(piece, source_offset) in pieces.iter().filter(|p| !p.0.is_empty()) {
                segments.push((to_u32(text.len()), to_u32(source_offset)));
                text.push_str(piece);
            }
            Segments::from(segments)
        }
    };
    JoinedText { text, segments }
}

/// Length in bytes of the leading whitespace (Go's `unicode.IsSpace`, taken
/// as [`char::is_whitespace`]). Nearly all text is ASCII, so bytes are looked
/// at one by one until the first non-ASCII one, where the char-wise scan takes
/// over.
fn leading_space_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t'..=b'\r' => i += 1,
            0..0x80 => return i,
            _ => {
                let rest = s.get(i..).unwrap_or_default();
                return i + rest.len() - rest.trim_start_matches(char::is_whitespace).len();
            }
        }
    }
    i
}

/// Length in bytes of the trailing whitespace, as [`leading_space_len`] from the other end.
fn trailing_space_len(s: &str) -> usize {
    for (i, &b) in s.as_bytes().iter().enumerate().rev() {
        if !b.is_ascii() {
            // Every byte after `i` is ASCII, so `i + 1` is a char boundary.
            let head = s.get(..=i).unwrap_or_default();
            return s.len() - i - 1 + head.len() - head.trim_end_matches(char::is_whitespace).len();
        }
        if !matches!(b, b' ' | b'\t'..=b'\r') {
            return s.len() - i - 1;
        }
    }
    s.len()
}

/// `s` without leading and trailing whitespace ([`str::trim`], ASCII first).
fn trim_space(s: &str) -> &str {
    let s = s.get(leading_space_len(s)..).unwrap_or_default();
    s.get(..s.len() - trailing_space_len(s)).unwrap_or_default()
}

/// BuildKit's `reDirectives`: `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn split_directive(line: &str) -> Option<(&str, &str)> {
    let is_re_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}');
    let rest = line.strip_prefix('#')?.trim_start_matches(is_re_space);
    let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    let name = &rest[..name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = rest[name_len..].trim_start_matches(is_re_space).strip_prefix('=')?;
    let value = rest.trim_matches(is_re_space);
    if value.is_empty() {
        return None;
    }
    Some((name, value))
}

/// BuildKit's line-continuation test: the line ends with the escape character
/// (plus blanks) that is not itself escaped. Returns the line without it and
/// whether this is the end of the logical line.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    if escape.is_ascii() {
        return trim_continuation_ascii(line, escape as u8);
    }
    let t = line.trim_end_matches([' ', '\t']);
    let Some(before) = t.strip_suffix(escape) else {
        return (line, true);
    };
    if before.is_empty() || !before.ends_with(escape) { (before, false) } else { (line, true) }
}

/// [`trim_continuation`] for an ASCII escape character (always, as `# escape=`
/// takes only `\` and `` ` ``), on bytes: the blanks and escapes are ASCII,
/// so every cut is a char boundary.
fn trim_continuation_ascii(line: &str, escape: u8) -> (&str, bool) {
    let bytes = line.as_bytes();
    let mut len = bytes.len();
    while len > 0 && matches!(bytes[len - 1], b' ' | b'\t') {
        len -= 1;
    }
    if len == 0 || bytes[len - 1] != escape {
        return (line, true);
    }
    let before = len - 1;
    if before > 0 && bytes[before - 1] == escape {
        return (line, true);
    }
    (line.get(..before).unwrap_or_default(), false)
}

/// `[\t\v\f\r ]`: BuildKit's `reWhitespace`.
fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{b}' | '\u{c}' | '\r')
}

/// [`is_ws`] for a byte (the class is ASCII).
fn is_ws_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0b | 0x0c | b'\r')
}

/// Errors found while parsing one node, with their spans.
type NodeErrors = Vec<(String, TextRange)>;

/// Parses a joined line (or ONBUILD's rest) starting at byte `base` of `full`;
/// errors go to `errors`, so the (large) instruction is the only thing returned.
fn parse_node(full: &str, base: usize, escape: char, map: &JoinedText, errors: &mut NodeErrors) -> Instruction {
    let line = &full[base..];
    let lead = leading_space_len(line);
    let trimmed_len = (line.len() - trailing_space_len(line)).max(lead);
    let line_end = base + trimmed_len;
    let start = base + lead;
    let body = &full[start..line_end];
    // `is_ws` is an ASCII class, so a byte scan finds the same place.
    let cmd_len = body.bytes().position(is_ws_byte).unwrap_or(body.len());
    let name = &body[..cmd_len];
    let keyword = Keyword::parse(name);
    let span = |s: usize, e: usize| map.to_source_range(to_u32(s), to_u32(e));
    let mut inst = Instruction {
        keyword,
        name: if keyword != Keyword::Unknown && keyword.as_str() == name {
            std::borrow::Cow::Borrowed(keyword.as_str())
        } else {
            std::borrow::Cow::Owned(name.to_string())
        },
        name_range: span(start, start + cmd_len),
        range: span(start, line_end),
        start_line: 0,
        end_line: 0,
        flags: Vec::new(),
        args: Vec::new(),
        json: false,
        heredocs: Vec::new(),
        sub: None,
        text: JoinedText::default(),
    };
    let after_cmd = &body[cmd_len..];
    if after_cmd.is_empty() {
        if keyword == Keyword::Unknown {
            inst.args.push(Arg { value: String::new(), range: span(line_end, line_end) });
        }
        return inst;
    }
    let rest_start = start + cmd_len + after_cmd.bytes().take_while(|&b| is_ws_byte(b)).count();
    let (flags, args_at) = extract_flags(full, rest_start, line_end, map);
    inst.flags = flags;
    // TrimSpace of what follows the flags.
    let args_text = &full[args_at..line_end];
    let args_start = args_at + leading_space_len(args_text);
    let rest = &full[args_start..line_end];
    let mut args: Vec<Arg> = Vec::new();
    match keyword {
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
            if !rest.is_empty() {
                match parse_json(rest, args_start, map) {
                    Json::Array(items) => {
                        inst.json = true;
                        args = items;
                    }
                    Json::NotStrings => errors.push((NOT_STRINGS.into(), span(args_start, line_end))),
                    Json::Invalid => args.push(arg(map, rest, args_start, line_end)),
                }
            }
        }
        Keyword::Add | Keyword::Copy | Keyword::Volume => match parse_json(rest, args_start, map) {
            Json::Array(items) => {
                inst.json = true;
                args = items;
            }
            Json::NotStrings => errors.push((NOT_STRINGS.into(), span(args_start, line_end))),
            Json::Invalid => args = split_whitespace(rest, args_start, map),
        },
        Keyword::From | Keyword::Expose => args = split_whitespace(rest, args_start, map),
        Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
            if !rest.is_empty() {
                args.push(arg(map, rest, args_start, line_end));
            }
        }
        Keyword::Arg => parse_words(rest, escape, |w, s, e| args.push(arg(map, w, args_start + s, args_start + e))),
        Keyword::Env | Keyword::Label => match parse_name_val(rest, args_start, escape, keyword.as_str(), map) {
            Ok(pairs) => args = pairs,
            Err(message) => errors.push((message, span(args_start, line_end))),
        },
        Keyword::Healthcheck => {
            let sep = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if sep > 0 {
                args.push(arg(map, &rest[..sep], args_start, args_start + sep));
                let cmd_text = &rest[sep..];
                let cmd_start = args_start + sep + leading_space_len(cmd_text);
                let cmd = &full[cmd_start..line_end];
                if !cmd.is_empty() {
                    match parse_json(cmd, cmd_start, map) {
                        Json::Array(items) => {
                            inst.json = true;
                            args.extend(items);
                        }
                        Json::NotStrings => errors.push((NOT_STRINGS.into(), span(cmd_start, line_end))),
                        Json::Invalid => args.push(arg(map, cmd, cmd_start, line_end)),
                    }
                }
            }
        }
        Keyword::Onbuild => {
            if !rest.is_empty() {
                inst.sub = Some(Box::new(parse_node(full, args_start, escape, map, errors)));
            }
        }
        Keyword::Unknown => args.push(Arg { value: String::new(), range: span(line_end, line_end) }),
    }
    inst.args = args;
    inst
}

/// An argument with value `value` at `start..end` of the joined text.
fn arg(map: &JoinedText, value: &str, start: usize, end: usize) -> Arg {
    Arg { value: value.to_string(), range: map.to_source_range(to_u32(start), to_u32(end)) }
}

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// BuildKit's `extractBuilderFlags`: leading `--flag[=value]` words, with quotes
/// and `\` escapes processed. Returns the flags and where the rest begins.
fn extract_flags(full: &str, from: usize, to: usize, map: &JoinedText) -> (Vec<Flag>, usize) {
    let line = full.get(from..to).unwrap_or_default();
    let mut flags = Vec::new();
    let mut pos = 0;
    loop {
        pos += leading_space_len(line.get(pos..).unwrap_or_default());
        if !line.get(pos..).unwrap_or_default().starts_with("--") {
            return (flags, from + pos);
        }
        let (word, end, value_start) = flag_word(line, pos);
        if word == "--" {
            return (flags, from + end);
        }
        let body = word.strip_prefix("--").unwrap_or(&word);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        let span = |s: usize, e: usize| map.to_source_range(to_u32(from + s), to_u32(from + e));
        flags.push(Flag { name, value, range: span(pos, end), value_range: value_start.map(|v| span(v, end)) });
        pos = end;
    }
}

/// The flag word that starts at `start` of `line` (with `--`): its text with
/// quotes and `\` escapes processed, where it ends (the blank after it or the
/// end of the line) and where its value starts (after the first `=` outside
/// quotes). A word of plain ASCII, as nearly every flag is, is its own text;
/// anything else goes through [`flag_word_escaped`].
fn flag_word(line: &str, start: usize) -> (std::borrow::Cow<'_, str>, usize, Option<usize>) {
    let bytes = line.as_bytes();
    let mut end = start;
    while let Some(&b) = bytes.get(end) {
        if matches!(b, b' ' | b'\t'..=b'\r') {
            break;
        }
        if !b.is_ascii() || matches!(b, b'\'' | b'"' | b'\\') {
            return flag_word_escaped(line, start);
        }
        end += 1;
    }
    let word = line.get(start..end).unwrap_or_default();
    let value_start = memchr::memchr(b'=', word.as_bytes()).map(|i| start + i + 1);
    (std::borrow::Cow::Borrowed(word), end, value_start)
}

/// [`flag_word`] char by char, as BuildKit does: quotes group blanks into the
/// word and are dropped, `\` keeps the next character whatever it is.
fn flag_word_escaped(line: &str, start: usize) -> (std::borrow::Cow<'_, str>, usize, Option<usize>) {
    let mut word = String::new();
    let mut quote = None;
    let mut value_start = None;
    let rest = line.get(start..).unwrap_or_default();
    let mut chars = rest.char_indices();
    while let Some((i, ch)) = chars.next() {
        let pos = start + i;
        match quote {
            None => {
                if ch.is_whitespace() {
                    return (std::borrow::Cow::Owned(word), pos, value_start);
                }
                if ch == '=' && value_start.is_none() {
                    value_start = Some(pos + 1);
                }
                if ch == '\'' || ch == '"' {
                    quote = Some(ch);
                    continue;
                }
                if ch == '\\' {
                    if let Some((_, c)) = chars.next() {
                        word.push(c);
                    }
                    continue;
                }
                word.push(ch);
            }
            Some(q) => {
                if ch == q {
                    quote = None;
                    continue;
                }
                if ch == '\\' {
                    match chars.next() {
                        Some((_, c)) => word.push(c),
                        None => quote = None,
                    }
                    continue;
                }
                word.push(ch);
            }
        }
    }
    (std::borrow::Cow::Owned(word), line.len(), value_start)
}

enum Json {
    Array(Vec<Arg>),
    NotStrings,
    Invalid,
}

/// BuildKit's `parseJSON`: a JSON array of strings at the start of `rest`
/// (trailing text after the array is ignored, as Go's `json.Decoder` does).
fn parse_json(rest: &str, base: usize, map: &JoinedText) -> Json {
    let lead = leading_space_len(rest);
    let text = &rest[lead..];
    if !text.starts_with('[') {
        return Json::Invalid;
    }
    let at = |i: usize| to_u32(base + lead + i);
    if let Some(args) = simple_json_strings(text, |s, e| Arg {
        value: text[s + 1..e - 1].to_string(),
        range: map.to_source_range(at(s), at(e)),
    }) {
        return Json::Array(args);
    }
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let Some(Ok(value)) = stream.next() else { return Json::Invalid };
    let serde_json::Value::Array(items) = value else {
        return Json::Invalid;
    };
    if !items.iter().all(serde_json::Value::is_string) {
        return Json::NotStrings;
    }
    // The array is valid JSON of strings: find each literal's span.
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(items.len());
    let mut i = 1;
    for item in items {
        while i < bytes.len() && bytes[i] != b'"' {
            i += 1;
        }
        let s = i;
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        i = (i + 1).min(bytes.len());
        let value = match item {
            serde_json::Value::String(v) => v,
            _ => String::new(),
        };
        let (start, end) = (base + lead + s, base + lead + i);
        out.push(Arg { value, range: map.to_source_range(to_u32(start), to_u32(end)) });
    }
    Json::Array(out)
}

/// The common case of [`parse_json`] without a JSON parser: `text` starts with
/// an array of strings that have no escapes and no control characters, whose
/// values are then their raw text. Returns `item` of each literal's span (quotes
/// included), or `None` for anything else, which `serde_json` then decides.
fn simple_json_strings<T>(text: &str, mut item: impl FnMut(usize, usize) -> T) -> Option<Vec<T>> {
    let bytes = text.as_bytes();
    let json_ws = |i: &mut usize| {
        while bytes.get(*i).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
            *i += 1;
        }
    };
    let mut out = Vec::new();
    let mut i = 1;
    json_ws(&mut i);
    if bytes.get(i) == Some(&b']') {
        return Some(out);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let start = i;
        i += 1;
        loop {
            match bytes.get(i)? {
                b'"' => break,
                b'\\' => return None,
                b if *b < 0x20 => return None,
                _ => i += 1,
            }
        }
        i += 1;
        out.push(item(start, i));
        json_ws(&mut i);
        match bytes.get(i)? {
            b',' => {
                i += 1;
                json_ws(&mut i);
            }
            b']' => return Some(out),
            _ => return None,
        }
    }
}

/// `reWhitespace.Split(rest, -1)`, with spans (empty fields dropped). The
/// separators are ASCII, so a byte scan finds them; one pass, as the list is
/// short (FROM and COPY take a few words).
fn split_whitespace(rest: &str, base: usize, map: &JoinedText) -> Vec<Arg> {
    let bytes = rest.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && is_ws_byte(bytes[i]) {
            i += 1;
        }
        if i == bytes.len() {
            return out;
        }
        let s = i;
        // Every separator is at most a space: one comparison passes over most bytes.
        while i < bytes.len() && (bytes[i] > b' ' || !is_ws_byte(bytes[i])) {
            i += 1;
        }
        out.push(arg(map, &rest[s..i], base + s, base + i));
    }
}

/// BuildKit's `parseWords`: whitespace-separated words, quotes and escapes
/// kept. A word keeps every character it spans, except an escape character that
/// ends the text with nothing to escape, so words are slices of `rest`; offsets
/// are relative to `rest` (a word's span includes such a dropped escape).
fn parse_words<'s>(rest: &'s str, escape: char, mut word_at: impl FnMut(&'s str, usize, usize)) {
    // `# escape=` takes only `\` and `` ` ``, both ASCII, so the scan is on bytes.
    let escape = u8::try_from(escape).ok().filter(u8::is_ascii);
    let mut pos = 0;
    loop {
        pos += leading_space_len(rest.get(pos..).unwrap_or_default());
        if pos >= rest.len() {
            return;
        }
        let start = pos;
        match scan_word(rest, start, escape) {
            WordEnd::Blank { end, next } => {
                // The word began with a character that is not a space, so it is not empty.
                word_at(rest.get(start..end).unwrap_or_default(), start, end);
                pos = next;
            }
            WordEnd::Text { blank_ok, dropped_escape } => {
                let end = if dropped_escape { rest.len() - 1 } else { rest.len() };
                let word = rest.get(start..end).unwrap_or_default();
                if blank_ok || !word.is_empty() {
                    word_at(word, start, rest.len());
                }
                return;
            }
        }
    }
}

/// How a word of [`parse_words`] ends.
enum WordEnd {
    /// At a blank outside quotes: the word is `start..end`, the next one is looked for from `next`.
    Blank { end: usize, next: usize },
    /// At the end of the text: `blank_ok` once a quote was seen (so an empty word counts),
    /// `dropped_escape` if the text ends in an escape character with nothing to escape.
    Text { blank_ok: bool, dropped_escape: bool },
}

/// Scans one word of [`parse_words`] from `start` (not a blank). Runs of plain
/// ASCII are skipped a byte at a time, quoted text with `memchr`; a non-ASCII
/// character only matters as a possible blank, so it is decoded only then.
fn scan_word(rest: &str, start: usize, escape: Option<u8>) -> WordEnd {
    let bytes = rest.as_bytes();
    // `#` to DEL holds no blank or `"`: one range test passes over most bytes.
    let e = escape.unwrap_or(0);
    let plain = |b: u8| (b'#'..0x80).contains(&b) && b != b'\'' && b != e;
    let mut pos = start;
    let mut blank_ok = false;
    let mut dropped_escape = false;
    loop {
        while bytes.get(pos).is_some_and(|&b| plain(b)) {
            pos += 1;
        }
        let Some(&b) = bytes.get(pos) else { return WordEnd::Text { blank_ok, dropped_escape } };
        if !b.is_ascii() {
            let c = rest.get(pos..).and_then(|r| r.chars().next());
            let width = c.map_or(1, char::len_utf8);
            if c.is_some_and(char::is_whitespace) {
                return WordEnd::Blank { end: pos, next: pos + width };
            }
            pos += width;
        } else if matches!(b, b' ' | b'\t'..=b'\r') {
            return WordEnd::Blank { end: pos, next: pos + 1 };
        } else if b != b'\'' && b != b'"' && Some(b) != escape {
            // `!` or a control character that is not a blank.
            pos += 1;
        } else if b == b'\'' || b == b'"' {
            blank_ok = true;
            // Inside quotes only the closing quote matters, and in double quotes
            // the escape character, which escapes whatever follows it.
            pos += 1;
            loop {
                let tail = bytes.get(pos..).unwrap_or_default();
                let found = match escape {
                    Some(e) if b == b'"' => memchr::memchr2(b, e, tail),
                    _ => memchr::memchr(b, tail),
                };
                let Some(i) = found else { return WordEnd::Text { blank_ok, dropped_escape } };
                pos += i + 1;
                if bytes.get(pos - 1) == Some(&b) {
                    break;
                }
                if pos == bytes.len() {
                    // A trailing escape in quotes closes them and is dropped.
                    dropped_escape = true;
                    break;
                }
                pos += char_width(bytes, pos);
            }
        } else {
            // The escape character: the next character is part of the word, whatever it is.
            pos += 1;
            dropped_escape = pos == bytes.len();
            pos += char_width(bytes, pos);
        }
    }
}

/// Width in bytes of the UTF-8 character starting at `bytes[pos]` (a char
/// boundary), from its first byte; 0 at the end.
fn char_width(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        None => 0,
        Some(0..0x80) => 1,
        Some(0xf0..) => 4,
        Some(0xe0..) => 3,
        Some(_) => 2,
    }
}

/// BuildKit's `parseNameVal` for ENV and LABEL: `k=v …`, or the legacy `k v`.
fn parse_name_val(rest: &str, base: usize, escape: char, keyword: &str, map: &JoinedText) -> Result<Vec<Arg>, String> {
    // The first word decides the form; in `k=v` form every word needs a `=`.
    let mut first_has_eq = None;
    // Each `k=v` word has a `=` (values may have more): room for every pair.
    let mut out = Vec::with_capacity(2 * memchr::memchr_iter(b'=', rest.as_bytes()).count());
    let mut missing_eq = None;
    parse_words(rest, escape, |word, s, e| {
        if !*first_has_eq.get_or_insert_with(|| word.contains('=')) || missing_eq.is_some() {
            return;
        }
        let Some((key, value)) = word.split_once('=') else {
            missing_eq = Some(format!("syntax error: can't find = in `{word}`; write it as name=value"));
            return;
        };
        let (s, e) = (base + s, base + e);
        let eq = s + key.len();
        out.push(arg(map, key, s, eq));
        out.push(arg(map, value, (eq + 1).min(e), e));
    });
    match (first_has_eq, missing_eq) {
        (None, _) => Ok(Vec::new()),
        (Some(true), None) => Ok(out),
        (Some(true), Some(message)) => Err(message),
        (Some(false), _) => {
            let key_len = rest.find(is_ws).unwrap_or(rest.len());
            let after = &rest[key_len..];
            let value_at = key_len + (after.len() - after.trim_start_matches(is_ws).len());
            if key_len == rest.len() {
                return Err(format!("`{keyword} {rest}` has no value: write `{keyword} {rest}=value`"));
            }
            Ok(vec![
                arg(map, &rest[..key_len], base, base + key_len),
                arg(map, &rest[value_at..], base + value_at, base + rest.len()),
            ])
        }
    }
}

struct HeredocSpec {
    name: String,
    strip_tabs: bool,
    quoted: bool,
}

/// BuildKit's `heredocsFromLine`: words of the form `[n]<<[-]NAME`.
fn heredoc_specs(line: &str) -> Vec<HeredocSpec> {
    let mut out = Vec::new();
    // A word is a contiguous run of the line, so one that starts `[n]<<` needs
    // `<<` in the line (looked for with `memchr`, as most lines have no `<`).
    let bytes = line.as_bytes();
    if !memchr::memchr_iter(b'<', bytes).any(|i| bytes.get(i + 1) == Some(&b'<')) {
        return out;
    }
    for word in lex_words(line, true) {
        let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let Some(rest) = word[digits..].strip_prefix("<<") else {
            continue;
        };
        let (strip_tabs, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let plain = lex_words(rest, false);
        let [name] = plain.as_slice() else { continue };
        let raw = lex_words(rest, true);
        let count_quotes = |s: &str| s.matches(['\'', '"']).count();
        let quoted = raw.first().is_some_and(|r| count_quotes(r) != count_quotes(name));
        out.push(HeredocSpec { name: name.clone(), strip_tabs, quoted });
    }
    out
}

/// A small subset of BuildKit's shell lexer (`ProcessWords` with no variables
/// set): splits on unquoted whitespace; with `raw`, quotes and escapes are kept.
fn lex_words(s: &str, raw: bool) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' | '"' => {
                in_word = true;
                if raw {
                    word.push(c);
                }
                while let Some(q) = chars.next() {
                    if q == c {
                        break;
                    }
                    if q == '\\' && c == '"' {
                        if raw {
                            word.push(q);
                        }
                        if let Some(n) = chars.next() {
                            word.push(n);
                        }
                        continue;
                    }
                    word.push(q);
                }
                if raw {
                    word.push(c);
                }
            }
            '\\' => {
                in_word = true;
                if raw {
                    word.push(c);
                }
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Instruction {
        let (file, issues) = parse(src);
        assert!(issues.iter().all(|i| i.severity != Severity::Error), "{issues:?}");
        file.instructions.into_iter().next().expect("one instruction")
    }

    fn values(inst: &Instruction) -> Vec<&str> {
        inst.args.iter().map(|a| a.value.as_str()).collect()
    }

    #[test]
    fn splits_flags_and_args_with_spans() {
        let src = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n";
        let inst = one(src);
        assert_eq!(inst.keyword, Keyword::From);
        assert_eq!(values(&inst), ["golang:1.22", "AS", "build"]);
        assert_eq!(inst.flags[0].name, "platform");
        assert_eq!(inst.flags[0].value.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(inst.flags[0].range.slice(src), "--platform=$BUILDPLATFORM");
        assert_eq!(inst.flags[0].value_range.map(|r| r.slice(src)), Some("$BUILDPLATFORM"));
        assert_eq!(inst.args[0].range.slice(src), "golang:1.22");
        assert_eq!(inst.range.slice(src), src.trim_end());
    }

    #[test]
    fn continuation_maps_spans_across_lines() {
        let src = "RUN apt-get update \\\n  # a comment\n    && apt-get install -y curl\n";
        let (file, _) = parse(src);
        let inst = &file.instructions[0];
        assert_eq!((inst.start_line, inst.end_line), (1, 3));
        assert_eq!(inst.args[0].value, "apt-get update     && apt-get install -y curl");
        let t = &inst.text.text;
        let at = t.find("curl").expect("curl") as u32;
        assert_eq!(inst.text.to_source_range(at, at + 4).slice(src), "curl");
        assert_eq!(file.comments.len(), 1);
        assert_eq!(file.comments[0].line, 2);
    }

    #[test]
    fn heredocs_with_quotes_and_tabs() {
        let src = "RUN <<\"A\" <<-B cat\na $x\nA\n\tb\n\tB\nCMD x\n";
        let (file, issues) = parse(src);
        assert!(issues.is_empty(), "{issues:?}");
        let inst = &file.instructions[0];
        assert_eq!((inst.start_line, inst.end_line), (1, 5));
        assert_eq!(inst.heredocs.len(), 2);
        assert_eq!(inst.heredocs[0].name, "A");
        assert!(inst.heredocs[0].quoted);
        assert_eq!(inst.heredocs[0].content, "a $x\n");
        assert_eq!(inst.heredocs[0].body_range.slice(src), "a $x\n");
        assert!(inst.heredocs[1].strip_tabs && !inst.heredocs[1].quoted);
        assert_eq!(inst.heredocs[1].body(), "b\n");
        assert_eq!(file.instructions[1].start_line, 6);
    }

    #[test]
    fn unterminated_heredoc_is_an_error() {
        let (_, issues) = parse("RUN <<EOF\necho\n");
        assert!(issues.iter().any(|i| i.code == PARSE_ERROR && i.message.contains("unterminated")));
    }

    #[test]
    fn directives_and_backtick_escape() {
        let src = "\u{feff}# syntax=docker/dockerfile:1\n# escape=`\nRUN a `\n  b\n";
        let (file, issues) = parse(src);
        assert!(issues.is_empty());
        assert!(file.bom);
        assert_eq!(file.escape, '`');
        assert_eq!(file.directives.len(), 2);
        assert_eq!(file.instructions[0].args[0].value, "a   b");
        assert_eq!((file.instructions[0].start_line, file.instructions[0].end_line), (3, 4));
    }

    #[test]
    fn directive_after_instruction_is_a_comment() {
        let (file, _) = parse("FROM a\n# escape=`\n");
        assert_eq!(file.escape, '\\');
        assert!(file.directives.is_empty());
        assert_eq!(file.comments.len(), 1);
    }

    #[test]
    fn json_and_shell_forms() {
        let inst = one("CMD [\"a\", \"b c\"] trailing\n");
        assert!(inst.json);
        assert_eq!(values(&inst), ["a", "b c"]);
        let inst = one("RUN [ not json\n");
        assert!(!inst.json);
        assert_eq!(values(&inst), ["[ not json"]);
        let (_, issues) = parse("CMD [\"a\", [\"nested\"]]\n");
        assert!(issues.iter().any(|i| i.code == PARSE_ERROR));
    }

    #[test]
    fn env_label_arg_forms() {
        let inst = one("ENV a=1 b=\"two words\" c=\n");
        assert_eq!(values(&inst), ["a", "1", "b", "\"two words\"", "c", ""]);
        let inst = one("ENV key some value\n");
        assert_eq!(values(&inst), ["key", "some value"]);
        let inst = one("ARG a b=c\n");
        assert_eq!(values(&inst), ["a", "b=c"]);
        let (_, issues) = parse("ENV onlykey\n");
        assert!(issues.iter().any(|i| i.message.contains("has no value")));
    }

    #[test]
    fn bare_flags_and_double_dash() {
        let inst = one("COPY --link --chmod=755 a b\n");
        assert_eq!(inst.flags.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["link", "chmod"]);
        assert_eq!(inst.flags[0].value, None);
        assert_eq!(values(&inst), ["a", "b"]);
        let inst = one("RUN --mount=type=secret,id=\"x y\" echo\n");
        assert_eq!(inst.flags[0].value.as_deref(), Some("type=secret,id=x y"));
    }

    #[test]
    fn healthcheck_onbuild_unknown() {
        let inst = one("HEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"x\"]\n");
        assert!(inst.json);
        assert_eq!(values(&inst), ["CMD", "curl", "-f", "x"]);
        let inst = one("HEALTHCHECK NONE\n");
        assert_eq!(values(&inst), ["NONE"]);
        let inst = one("onbuild run --mount=type=cache,target=/x echo hi\n");
        let sub = inst.sub.as_deref().expect("sub");
        assert_eq!(sub.keyword, Keyword::Run);
        assert_eq!(sub.flags[0].name, "mount");
        assert_eq!(values(sub), ["echo hi"]);
        let inst = one("FOO bar\n");
        assert_eq!(inst.keyword, Keyword::Unknown);
        assert_eq!(values(&inst), [""]);
    }

    #[test]
    fn empty_continuation_warns_and_crlf_is_trimmed() {
        let (file, issues) = parse("RUN a \\\r\n\r\n  b\r\n");
        assert_eq!(file.instructions[0].args[0].value, "a   b");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code, EMPTY_CONTINUATION);
    }

    #[test]
    fn empty_and_comment_only_files_are_errors() {
        for src in ["", "# only\n# comments\n", "\n\n"] {
            let (_, issues) = parse(src);
            assert!(issues.iter().any(|i| i.code == PARSE_ERROR), "{src:?}");
        }
    }

    /// The character-by-character `parseWords` that [`parse_words`] replaced:
    /// the reference its slices must match.
    fn reference_parse_words(rest: &str, escape: char) -> Vec<(String, usize, usize)> {
        #[derive(PartialEq)]
        enum Phase {
            Spaces,
            Word,
            Quote(char),
        }
        let mut words = Vec::new();
        let mut phase = Phase::Spaces;
        let mut word = String::new();
        let mut start = 0;
        let mut blank_ok = false;
        let mut chars = rest.char_indices();
        while let Some((pos, ch)) = chars.next() {
            if phase == Phase::Spaces {
                if ch.is_whitespace() {
                    continue;
                }
                phase = Phase::Word;
                start = pos;
            }
            match phase {
                Phase::Spaces => {}
                Phase::Word => {
                    if ch.is_whitespace() {
                        if blank_ok || !word.is_empty() {
                            words.push((std::mem::take(&mut word), start, pos));
                        }
                        word.clear();
                        blank_ok = false;
                        phase = Phase::Spaces;
                        continue;
                    }
                    if ch == '\'' || ch == '"' {
                        phase = Phase::Quote(ch);
                        blank_ok = true;
                    }
                    if ch == escape {
                        let Some((_, next)) = chars.next() else { continue };
                        word.push(ch);
                        word.push(next);
                        continue;
                    }
                    word.push(ch);
                }
                Phase::Quote(q) => {
                    if ch == q {
                        phase = Phase::Word;
                    }
                    if ch == escape && q != '\'' {
                        match chars.next() {
                            Some((_, next)) => {
                                word.push(ch);
                                word.push(next);
                            }
                            None => phase = Phase::Word,
                        }
                        continue;
                    }
                    word.push(ch);
                }
            }
        }
        if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
            words.push((word, start, rest.len()));
        }
        words
    }

    /// The character-by-character `extractBuilderFlags` that [`extract_flags`]
    /// replaced: the reference its flags and rest offset must match.
    fn reference_extract_flags(full: &str, from: usize, to: usize, map: &JoinedText) -> (Vec<Flag>, usize) {
        #[derive(PartialEq)]
        enum Phase {
            Spaces,
            Word,
            Quote(char),
        }
        let line = &full[from..to];
        let mut flags = Vec::new();
        let mut phase = Phase::Spaces;
        let mut word = String::new();
        let mut word_start = 0;
        let mut value_start = None;
        let mut chars = line.char_indices().peekable();
        let finish = |word: &str, start: usize, end: usize, value_start: Option<usize>, flags: &mut Vec<Flag>| {
            let body = word.strip_prefix("--").unwrap_or(word);
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            let span = |s: usize, e: usize| map.to_source_range(to_u32(from + s), to_u32(from + e));
            flags.push(Flag { name, value, range: span(start, end), value_range: value_start.map(|v| span(v, end)) });
        };
        loop {
            let Some((pos, ch)) = chars.next() else {
                if phase != Phase::Spaces && word != "--" && !word.is_empty() {
                    finish(&word, word_start, line.len(), value_start, &mut flags);
                }
                return (flags, to);
            };
            match phase {
                Phase::Spaces => {
                    if ch.is_whitespace() {
                        continue;
                    }
                    let next_is_dash = line[pos + ch.len_utf8()..].starts_with('-');
                    if ch != '-' || !next_is_dash {
                        return (flags, from + pos);
                    }
                    phase = Phase::Word;
                    word.clear();
                    word_start = pos;
                    value_start = None;
                    word.push(ch);
                }
                Phase::Word => {
                    if ch.is_whitespace() {
                        if word == "--" {
                            return (flags, from + pos);
                        }
                        if !word.is_empty() {
                            finish(&word, word_start, pos, value_start, &mut flags);
                        }
                        word.clear();
                        phase = Phase::Spaces;
                        continue;
                    }
                    if ch == '=' && value_start.is_none() {
                        value_start = Some(pos + 1);
                    }
                    if ch == '\'' || ch == '"' {
                        phase = Phase::Quote(ch);
                        continue;
                    }
                    if ch == '\\' {
                        match chars.next() {
                            Some((_, c)) => word.push(c),
                            None => continue,
                        }
                        continue;
                    }
                    word.push(ch);
                }
                Phase::Quote(q) => {
                    if ch == q {
                        phase = Phase::Word;
                        continue;
                    }
                    if ch == '\\' {
                        match chars.next() {
                            Some((_, c)) => word.push(c),
                            None => phase = Phase::Word,
                        }
                        continue;
                    }
                    word.push(ch);
                }
            }
        }
    }

    fn words_of(rest: &str, escape: char) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        parse_words(rest, escape, |w, s, e| out.push((w.to_string(), s, e)));
        out
    }

    #[test]
    fn parse_words_edge_cases_match_the_reference() {
        for rest in ["", " ", "a", "a\\", "\\", "'\\", "\"a\\", "'a b' c", "\"\"", "a=\"x y\" b=", "`", "a `"] {
            for escape in ['\\', '`'] {
                assert_eq!(words_of(rest, escape), reference_parse_words(rest, escape), "{rest:?} {escape:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_words_matches_the_reference(rest in "[ a=\\\\`'\"\t\u{a0}\u{3000}é\u{1f600}]{0,24}", backtick: bool) {
            let escape = if backtick { '`' } else { '\\' };
            proptest::prop_assert_eq!(words_of(&rest, escape), reference_parse_words(&rest, escape));
        }

        #[test]
        fn extract_flags_matches_the_reference(text in "[ a=\\\\\\-'\"\t\u{a0}é]{0,24}", dashes: bool, from in 0usize..3) {
            let text = if dashes { format!("--{text}") } else { text };
            let from = (0..=from).rev().find(|&f| text.is_char_boundary(f)).unwrap_or(0);
            let map = JoinedText { text: text.clone(), segments: Segments::one((0, 7)) };
            proptest::prop_assert_eq!(
                extract_flags(&text, from, text.len(), &map),
                reference_extract_flags(&text, from, text.len(), &map)
            );
        }

        #[test]
        fn char_width_is_the_utf8_length(c: char, prefix in "[aé]{0,2}") {
            let s = format!("{prefix}{c}");
            proptest::prop_assert_eq!(char_width(s.as_bytes(), prefix.len()), c.len_utf8());
            proptest::prop_assert_eq!(char_width(s.as_bytes(), s.len()), 0);
        }

        #[test]
        fn split_whitespace_matches_the_char_split(rest in "[ a\t\u{b}\u{c}\r\u{a0}é]{0,24}") {
            let map = JoinedText { text: rest.clone(), segments: Segments::one((0, 0)) };
            let ours: Vec<String> = split_whitespace(&rest, 0, &map).into_iter().map(|a| a.value).collect();
            let reference: Vec<&str> = rest.split(is_ws).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(ours, reference);
        }

        #[test]
        fn simple_json_agrees_with_serde(text in "\\[[ \t\n\r\",\\\\\\]a1\u{1}é]{0,20}") {
            if let Some(spans) = simple_json_strings(&text, |s, e| (s, e)) {
                let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
                let Some(Ok(serde_json::Value::Array(items))) = stream.next() else {
                    return Err(proptest::test_runner::TestCaseError::fail(format!("serde rejects {text:?}")));
                };
                let values: Vec<&str> = spans.iter().map(|&(s, e)| &text[s + 1..e - 1]).collect();
                let theirs: Vec<&str> = items.iter().filter_map(serde_json::Value::as_str).collect();
                proptest::prop_assert_eq!(items.len(), theirs.len());
                proptest::prop_assert_eq!(values, theirs);
            }
        }

        #[test]
        fn line_scan_matches_the_reference(src in "[ #a\t\r\n]{0,40}", from in 0usize..3) {
            let from = from.min(src.len());
            let (ends, i, c) = scan_lines(&src, from);
            proptest::prop_assert!(i + c <= src.len() + 1);
            let mut reference = Vec::new();
            let mut pos = from;
            while pos < src.len() {
                pos += src[pos..].find('\n').map_or(src.len() - pos, |i| i + 1);
                reference.push(pos);
            }
            proptest::prop_assert_eq!(ends, reference);
            let (mut ri, mut rc) = (0, 0);
            for line in src.as_bytes()[from..].split(|&b| b == b'\n') {
                match line.iter().find(|&&b| b != b' ' && b != b'\t') {
                    Some(b'#') => rc += 1,
                    Some(b'\r') | None => {}
                    Some(_) => ri += usize::from(matches!(line.first(), Some(b) if *b != b' ' && *b != b'\t')),
                }
            }
            proptest::prop_assert_eq!((i, c), (ri, rc));
        }

        #[test]
        fn byte_trims_match_the_char_trims(indent in 0usize..20, s in "[ a#\t\n\u{b}\u{c}\r\u{85}\u{a0}\u{3000}é]{0,16}") {
            // Indents of eight spaces and more take the chunked path.
            let s = format!("{}{s}", " ".repeat(indent));
            proptest::prop_assert_eq!(leading_space_len(&s), s.len() - s.trim_start_matches(char::is_whitespace).len());
            proptest::prop_assert_eq!(trailing_space_len(&s), s.len() - s.trim_end_matches(char::is_whitespace).len());
            proptest::prop_assert_eq!(trim_space(&s), s.trim());
            proptest::prop_assert_eq!(trim_line_end(&s), s.trim_end_matches(['\r', '\n']));
        }

        #[test]
        fn byte_continuation_matches_the_char_one(line in "[ a\t\\`é]{0,12}", backtick: bool) {
            let escape = if backtick { '`' } else { '\\' };
            let reference = {
                let t = line.trim_end_matches([' ', '\t']);
                match t.strip_suffix(escape) {
                    Some(before) if before.is_empty() || !before.ends_with(escape) => (before, false),
                    _ => (line.as_str(), true),
                }
            };
            proptest::prop_assert_eq!(trim_continuation(&line, escape), reference);
        }
    }

    #[test]
    fn escaped_escape_is_not_a_continuation() {
        let (file, _) = parse("RUN a \\\\\nb\n");
        assert_eq!(file.instructions.len(), 2);
    }
}
