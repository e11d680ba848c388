//! Shell scripts of RUN instructions as a flat list of simple commands.
//!
//! Rules ask questions such as "is there an `apt-get install` without `-y`?" or
//! "is `curl` piped into `sh`?". They should not walk a shell syntax tree for
//! that, so this module flattens brush-parser's tree into [`Script::commands`]:
//! every simple command wherever it sits (`&&`/`||` chains, pipelines, `;`
//! lists, subshells, groups, loops, conditionals, function bodies, command and
//! process substitutions, and the scripts given to `sh -c`), in source order,
//! with argv words whose spans are byte ranges into the script text.
//!
//! Most RUN scripts never reach brush: `fast` reads the ones made of
//! simple commands, `&&`/`||`/`|`/`;`/`&` lists, quoting, `$VAR`/`${…}`,
//! `$( … )`, plain redirections, `if`/`while`/`until`/`for`/`case`, groups,
//! subshells and `name() { … }`, and gives up on anything else, which then
//! takes the brush path below. Both paths build the same [`Script`]
//! (`shell/fast_tests.rs` holds them to it on hand-written cases, generated
//! scripts and every RUN script of the corpus).
//!
//! brush counts positions in characters; they are converted to bytes here.
//! brush also recurses once per nesting level, backtracks exponentially on
//! unclosed `(`, `$(` and `$((` (×4 per level), loops forever on some heredoc
//! delimiters (a CR, blanks inside `$(`) and panics on a few odd inputs (huge
//! fd numbers, a pending heredoc with an unclosed bracket), so `guard` keeps
//! such scripts (and words) from it; `catch_unwind` stays only as a backstop.
//! Inputs found by fuzzing (`fuzz/fuzz_targets/shell.rs`) are regression
//! tests below. When brush is not asked, or refuses a script, a small splitter
//! of our own still yields the commands, and [`Script::fallback`] says so:
//! rules keep working on scripts that are not valid shell.

use std::borrow::Cow;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use brush_parser::ast;
use brush_parser::word::{WordPiece, WordPieceWithSource};
use brush_parser::{ParseError, ParserOptions, TokenizerError};

use crate::lint::source::{TextRange, to_u32};

mod fast;
#[cfg(test)]
mod fast_tests;

/// How deeply command substitutions and `sh -c` scripts are followed.
pub const MAX_DEPTH: u8 = 32;
/// Scripts longer than this many bytes are only split by the fallback.
const MAX_PARSE_LEN: usize = 128 * 1024;
/// Brackets and compound keywords nested deeper than this never reach brush,
/// whose recursive parser would overflow the stack.
const MAX_NESTING: usize = 40;
/// Runs of more `(` than this never reach brush: it backtracks exponentially
/// on them when they are not closed.
const MAX_PAREN_RUN: usize = 10;
/// Scripts with more unclosed `(` than this (counted over the whole script,
/// `$(` and `$((` included) never reach brush: each one multiplies its
/// backtracking (by about 4 per `$((`).
const MAX_UNCLOSED_PARENS: usize = 4;
/// Scripts whose `(` nest deeper than this never reach brush, closed or not.
const MAX_PAREN_DEPTH: usize = 12;
/// Bytes of nested scripts parsed per script, as a multiple of its length.
const NESTED_BUDGET_FACTOR: usize = 8;
/// Wrappers [`SimpleCommand::effective`] looks through, at most this many deep.
const MAX_WRAPPERS: usize = 8;

/// Shells whose `-c` argument is a script.
pub(crate) const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"];
/// Programs that fetch from the network and can write to stdout.
const DOWNLOADERS: &[&str] = &["curl", "wget"];

/// A parsed shell script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// Every simple command, in source order, including those in pipelines,
    /// `&&`/`||` chains, subshells, groups, loops, conditionals, functions,
    /// command and process substitutions, and `sh -c` scripts.
    pub commands: Vec<SimpleCommand>,
    /// Pipelines of two or more elements, as indexes into `commands`. Elements
    /// that are compound commands (`a | { b; }`) are not listed.
    pub pipelines: Vec<Vec<usize>>,
    /// Why brush could not parse the script, if it could not (or was not asked
    /// to, for scripts too long or too deeply nested).
    pub error: Option<String>,
    /// Whether `commands` come from the best-effort splitter instead of brush.
    pub fallback: bool,
}

/// Where a command sits relative to the script it was found in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Nesting {
    /// Written directly in the script.
    #[default]
    None,
    /// Inside a command substitution, `$( … )` or backticks.
    Substitution,
    /// Inside a process substitution, `<( … )` or `>( … )`.
    ProcessSubstitution,
    /// Inside the script argument of `sh -c` (or `bash -c` and the like).
    ShC,
}

/// One simple command: a name, its arguments and redirections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The command name and its arguments (assignments before the name excluded).
    pub argv: Vec<Word>,
    /// `NAME=value` words before the command name (the whole command when it
    /// has no name, as in `arch="$(uname -m)"`).
    pub assignments: Vec<Word>,
    /// Redirections, in source order.
    pub redirects: Vec<Redirect>,
    /// Span of the whole command in the script (heredoc bodies excluded).
    pub range: TextRange,
    /// `(pipeline index, position in the pipeline)` when the command is an
    /// element of a pipeline of two or more elements.
    pub pipeline: Option<(usize, usize)>,
    /// Identifies the `&&`/`||` list the command belongs to (unique per script).
    pub and_or_list: usize,
    /// Position of the command's pipeline in its `&&`/`||` list (0 for the first).
    pub and_or_index: usize,
    /// The command's pipeline follows `||`.
    pub after_or: bool,
    /// The command's pipeline is followed by `||` (its failure is handled).
    pub before_or: bool,
    /// Inside `( … )` (or a process substitution), at any level.
    pub in_subshell: bool,
    /// The innermost kind of nesting the command was found in.
    pub nested: Nesting,
    /// How many substitutions and `sh -c` scripts enclose the command.
    pub depth: u8,
    /// For nested commands: the index of the command whose word holds the
    /// substitution or `sh -c` script (None for words outside simple commands,
    /// such as `for` lists and `case` subjects).
    pub parent: Option<usize>,
    /// Where [`Self::effective`] starts in `argv`, worked out on first use: rules ask for it
    /// hundreds of thousands of times on a large run.
    pub(crate) effective_at: EffectiveAt,
}

/// A lazily computed offset that takes no part in comparisons (two commands with the same words are equal
/// whether or not one of them was already asked for its effective command).
#[derive(Clone, Debug, Default)]
pub(crate) struct EffectiveAt(std::sync::OnceLock<usize>);

impl PartialEq for EffectiveAt {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for EffectiveAt {}

/// A shell word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes removed and escapes resolved; expansions (`$V`,
    /// `${V:-x}`, `$(…)`, `~`) are kept literally.
    pub text: String,
    /// The word as written in the script, when that differs from `text` (most
    /// words have no quotes: one string, not two). See [`Word::raw`].
    raw: Option<String>,
    /// Span in the script (bytes). Words of a script that is not written
    /// verbatim in the text (such as an escaped `sh -c "…"` argument) carry the
    /// span of the enclosing word.
    pub range: TextRange,
}

impl Word {
    /// A word whose text (quotes removed) is `text` and which is written `raw`.
    pub fn new(text: String, raw: String, range: TextRange) -> Self {
        let raw = (raw != text).then_some(raw);
        Self { text, raw, range }
    }

    /// A word written as its text (no quotes or escapes).
    pub fn plain(text: String, range: TextRange) -> Self {
        Self { text, raw: None, range }
    }

    /// The word as written in the script.
    pub fn raw(&self) -> &str {
        self.raw.as_deref().unwrap_or(&self.text)
    }
}

/// The operator of a redirection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectOp {
    /// `<`
    Read,
    /// `>`
    Write,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `>|`
    Clobber,
    /// `<&`
    DupInput,
    /// `>&`
    DupOutput,
    /// `&>`
    OutputAndError,
    /// `&>>`
    AppendOutputAndError,
    /// `<<` or `<<-`
    HereDoc,
    /// `<<<`
    HereString,
}

impl RedirectOp {
    /// The operator as written (`<<` for both heredoc forms).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "<",
            Self::Write => ">",
            Self::Append => ">>",
            Self::ReadWrite => "<>",
            Self::Clobber => ">|",
            Self::DupInput => "<&",
            Self::DupOutput => ">&",
            Self::OutputAndError => "&>",
            Self::AppendOutputAndError => "&>>",
            Self::HereDoc => "<<",
            Self::HereString => "<<<",
        }
    }
}

/// One redirection of a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The file descriptor written before the operator (`2` in `2>&1`).
    pub fd: Option<i32>,
    /// The operator.
    pub op: RedirectOp,
    /// The target: a file name, a descriptor to duplicate (`1` in `2>&1`), a
    /// heredoc delimiter as written, a here-string, or a process substitution.
    pub target: Option<Word>,
    /// For heredocs: the body and how it is read.
    pub heredoc: Option<HereDoc>,
    /// Span from the fd or operator to the end of the target.
    pub range: TextRange,
}

/// A heredoc attached to a redirection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HereDoc {
    /// The body text, when it was part of the script or handed to
    /// [`parse_script_with_heredocs`].
    pub body: Option<String>,
    /// The delimiter was quoted, so the body is not expanded.
    pub quoted: bool,
    /// `<<-`: leading tabs are stripped.
    pub strip_tabs: bool,
}

/// A download whose output runs as a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipeToShell {
    /// Index of the `curl`/`wget` command.
    pub downloader: usize,
    /// Index of the shell or interpreter command that runs what it fetched.
    pub shell: usize,
    /// How the download reaches the interpreter.
    pub form: PipeToShellForm,
}

/// How a download reaches an interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeToShellForm {
    /// `curl … | sh`
    Pipe,
    /// `sh -c "$(curl …)"`
    CommandSubstitution,
    /// `bash <(curl …)`
    ProcessSubstitution,
}

impl SimpleCommand {
    /// The basename of `argv[0]` (`apt-get` for `/usr/bin/apt-get`); wrappers
    /// such as `sudo` are not looked through. Empty for assignment-only commands.
    pub fn name(&self) -> &str {
        self.argv.first().map_or("", |w| basename(&w.text))
    }

    /// The argv of the command that actually runs, after leading `sudo [opts]`,
    /// `doas`, `env [opts] [VAR=x…]`, `command [-p]`, `exec [opts]`, `nice
    /// [opts]`, `time [opts]`, `nohup`, `gosu user`, `su-exec user` and `xargs
    /// [opts]` wrappers. The whole
    /// argv when there is no wrapper or nothing follows it.
    pub fn effective(&self) -> &[Word] {
        let at = *self.effective_at.0.get_or_init(|| self.argv.len() - effective_argv(&self.argv).len());
        self.argv.get(at..).unwrap_or_default()
    }

    /// The basename of the first word of [`Self::effective`].
    pub fn effective_name(&self) -> &str {
        self.effective().first().map_or("", |w| basename(&w.text))
    }

    /// The arguments of the effective command (without its name).
    pub fn effective_args(&self) -> &[Word] {
        self.effective().get(1..).unwrap_or(&[])
    }
}

impl Script {
    /// Downloads whose output runs as a program: `curl … | sh` (also through
    /// `tee` and with `sudo`), `sh -c "$(curl …)"`, `eval "$(wget …)"` and
    /// `bash <(curl …)`. Interpreters are the POSIX shells, `python*`, `perl`
    /// and `ruby`; a pipe counts only when the interpreter reads its program
    /// from stdin (no `-c`/`-e`/`-m`, no script operand).
    pub fn pipe_to_shell(&self) -> Vec<PipeToShell> {
        let mut out = Vec::new();
        for (si, shell) in self.commands.iter().enumerate() {
            let Some((p, pos)) = shell.pipeline else {
                continue;
            };
            if pos == 0 || !reads_program_from_stdin(shell.effective()) {
                continue;
            }
            let members = self.pipelines.get(p).map_or(&[][..], Vec::as_slice);
            let downloader = members.iter().rev().copied().find(|&m| {
                self.commands.get(m).is_some_and(|c| c.pipeline.is_some_and(|(_, mp)| mp < pos) && is_downloader(c))
            });
            if let Some(d) = downloader {
                out.push(PipeToShell { downloader: d, shell: si, form: PipeToShellForm::Pipe });
            }
        }
        for (di, dl) in self.commands.iter().enumerate() {
            if !is_downloader(dl) {
                continue;
            }
            let Some(parent) = dl.parent.and_then(|p| self.commands.get(p).map(|c| (p, c))) else {
                continue;
            };
            let name = parent.1.effective_name();
            let form = match dl.nested {
                Nesting::Substitution if is_interpreter(name) || name == "eval" => PipeToShellForm::CommandSubstitution,
                Nesting::ProcessSubstitution if is_interpreter(name) || name == "source" || name == "." => {
                    PipeToShellForm::ProcessSubstitution
                }
                _ => continue,
            };
            out.push(PipeToShell { downloader: di, shell: parent.0, form });
        }
        out.sort_by_key(|p| (p.downloader, p.shell));
        out
    }
}

/// Parses a script: the RUN command text after `BuildKit` joined continuation
/// lines. Heredoc bodies that are not in the text are treated as empty (their
/// [`HereDoc::body`] is `None`). Never panics.
pub fn parse_script(src: &str) -> Script {
    parse_script_with_heredocs(src, &[])
}

/// Parses a script whose heredoc bodies were collected separately (as `BuildKit`
/// does for `RUN cat <<EOF > f`), in the order their operators appear. Body
/// text belongs to no span of `src`, so body words carry no ranges. Never panics.
pub fn parse_script_with_heredocs(src: &str, bodies: &[&str]) -> Script {
    parse_with(src, bodies, true)
}

/// [`parse_script_with_heredocs`] without the fast path: every script goes to
/// brush. For the differential fuzz target, which holds both to the same output.
#[doc(hidden)]
pub fn parse_script_with_heredocs_brush_only(src: &str, bodies: &[&str]) -> Script {
    parse_with(src, bodies, false)
}

/// Splits a script that is not POSIX shell (a `RUN` under PowerShell or `cmd`) into commands with the
/// best-effort splitter alone: words, quotes and `&&`/`||`/`;`/`|` separators, as a shell would see them,
/// without asking brush, which backtracks at length on PowerShell syntax. [`Script::fallback`] is set.
pub fn split_words(src: &str) -> Script {
    let mut b = Builder::new(src.len(), false);
    let unit = Unit::new(src, Mapping::Exact(0), src.len(), false);
    b.fallback(&unit, Ctx::top());
    Script { commands: b.commands, pipelines: b.pipelines, error: None, fallback: true }
}

/// [`parse_script_with_heredocs`], with or without the fast path (see
/// [`fast`]); both give the same script.
fn parse_with(src: &str, bodies: &[&str], use_fast: bool) -> Script {
    let mut b = Builder::new(src.len(), use_fast);
    let cx = Ctx::top();
    let mut error = guard(src).map(str::to_owned);
    if error.is_none()
        && use_fast
        && bodies.is_empty()
        && let Some(script) = fast::parse(src)
    {
        let unit = Unit::new(src, Mapping::Exact(0), src.len(), false);
        b.fast(&unit, cx, script);
        return Script { commands: b.commands, pipelines: b.pipelines, error: None, fallback: false };
    }
    if error.is_none() {
        match parse_top(src, bodies) {
            Ok((work, program, given)) => {
                let unit = Unit::new(&work, Mapping::Exact(0), src.len(), given);
                b.program(&unit, cx, &program);
            }
            Err(e) => error = Some(e),
        }
    }
    let fallback = error.is_some();
    if fallback {
        let unit = Unit::new(src, Mapping::Exact(0), src.len(), false);
        b.fallback(&unit, cx);
    }
    Script { commands: b.commands, pipelines: b.pipelines, error, fallback }
}

/// Runs brush on the top-level script, appending heredoc bodies (given, or
/// empty ones) when the text lacks them. Returns the text parsed, its AST and
/// whether the appended bodies were given.
fn parse_top<'s>(src: &'s str, bodies: &[&str]) -> Result<(Cow<'s, str>, ast::Program, bool), String> {
    if !bodies.is_empty() {
        let work = with_heredoc_bodies(src, bodies);
        if let Ok(program) = brush_parse(&work) {
            return Ok((Cow::Owned(work), program, true));
        }
    }
    match brush_parse(src) {
        Ok(program) => Ok((Cow::Borrowed(src), program, false)),
        Err(BrushError::UnterminatedHeredoc(message)) => {
            let work = with_heredoc_bodies(src, &[]);
            match brush_parse(&work) {
                Ok(program) => Ok((Cow::Owned(work), program, false)),
                Err(_) => Err(message),
            }
        }
        Err(BrushError::Other(message)) => Err(message),
    }
}

/// `src` followed by a heredoc body and terminator for every `<<` in it.
fn with_heredoc_bodies(src: &str, bodies: &[&str]) -> String {
    let (_, tags) = lex(src);
    let mut out = String::with_capacity(src.len() + 64);
    out.push_str(src);
    out.push('\n');
    for (i, tag) in tags.iter().enumerate() {
        if let Some(body) = bodies.get(i) {
            out.push_str(body);
            if !body.is_empty() && !body.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str(tag);
        out.push('\n');
    }
    out
}

enum BrushError {
    UnterminatedHeredoc(String),
    Other(String),
}

/// brush's parser, with its panics caught.
fn brush_parse(text: &str) -> Result<ast::Program, BrushError> {
    let opts = ParserOptions::default();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut reader = std::io::BufReader::new(text.as_bytes());
        brush_parser::Parser::new(&mut reader, &opts).parse_program()
    }));
    match result {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(e)) => {
            let message = e.to_string();
            match e {
                ParseError::Tokenizing { inner: TokenizerError::UnterminatedHereDocuments(..), .. } => {
                    Err(BrushError::UnterminatedHeredoc(message))
                }
                _ => Err(BrushError::Other(message)),
            }
        }
        Err(_) => Err(BrushError::Other("the shell parser failed on this script".to_owned())),
    }
}

/// Why `text` must not reach brush, if it must not.
///
/// Each check first asks a cheap question that every script it could reject
/// answers yes (enough brackets, a `<` or `>`, a `<<`), so most scripts pass
/// with a few `memchr` sweeps; the answer is the same as running every check
/// over every byte, including which message comes first.
fn guard(text: &str) -> Option<&'static str> {
    if text.len() > MAX_PARSE_LEN {
        return Some("script too long to parse as shell");
    }
    let b = text.as_bytes();
    let (mut opens, mut parens) = (0usize, 0usize);
    for p in memchr::memchr3_iter(b'(', b'{', b'[', b) {
        opens += 1;
        parens += usize::from(b.get(p) == Some(&b'('));
    }
    // `nesting` counts brackets and the words `if`, `case`, `do`; their
    // substrings bound it from above.
    if (opens > MAX_NESTING || opens + keyword_bound(b) > MAX_NESTING) && nesting(text) > MAX_NESTING {
        return Some("script nests too deeply to parse as shell");
    }
    // A run of more than MAX_PAREN_RUN `(` needs that many `(`; a large fd
    // number needs a `<` or `>`. The first in the text is reported.
    let run_at = if parens > MAX_PAREN_RUN { paren_run_over(b) } else { None };
    let fd_at = memchr::memchr2_iter(b'<', b'>', b).find(|&p| digits_before(b, p) >= 10);
    match (run_at, fd_at) {
        (Some(r), Some(f)) if f < r => return Some("script has a redirection fd too large to parse as shell"),
        (Some(_), _) => return Some("script has too many unclosed `(` to parse as shell"),
        (None, Some(_)) => return Some("script has a redirection fd too large to parse as shell"),
        (None, None) => {}
    }
    if parens > MAX_UNCLOSED_PARENS.min(MAX_PAREN_DEPTH) {
        let (depth, unclosed) = paren_depth(b);
        if depth > MAX_PAREN_DEPTH {
            return Some("script nests `(` too deeply to parse as shell");
        }
        if unclosed > MAX_UNCLOSED_PARENS {
            return Some("script has too many unclosed `(` to parse as shell");
        }
    }
    if has_heredoc_operator(b) {
        if odd_heredoc(b) {
            return Some("script has a heredoc delimiter the shell parser cannot read");
        }
        if heredoc_with_unclosed_bracket(text) {
            return Some("script has a heredoc and an unclosed bracket, which the shell parser cannot read");
        }
    }
    None
}

/// How many times `if`, `do` and `case` occur in `b`, words or not.
fn keyword_bound(b: &[u8]) -> usize {
    // Built once: a searcher's set-up costs more than searching a typical script.
    static KEYWORDS: LazyLock<[memchr::memmem::Finder<'static>; 3]> = LazyLock::new(|| {
        [memchr::memmem::Finder::new("if"), memchr::memmem::Finder::new("do"), memchr::memmem::Finder::new("case")]
    });
    KEYWORDS.iter().map(|k| k.find_iter(b).count()).sum()
}

/// Whether `b` holds `<<`.
fn has_heredoc_operator(b: &[u8]) -> bool {
    static HEREDOC: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new("<<"));
    HEREDOC.find(b).is_some()
}

/// Where a run of more than [`MAX_PAREN_RUN`] `(` (blanks and line
/// continuations between them allowed) first gets too long.
fn paren_run_over(b: &[u8]) -> Option<usize> {
    let mut run = 0usize;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c == b'\\' && b.get(i) == Some(&b'\n') {
            i += 1;
            continue;
        }
        match c {
            b'(' => run += 1,
            b' ' | b'\t' | b'\n' => {}
            _ => run = 0,
        }
        if run > MAX_PAREN_RUN {
            return Some(i - 1);
        }
    }
    None
}

/// How many digits stand right before `at`, line continuations between them
/// allowed (brush reads `12\<newline>3>` as fd 123).
fn digits_before(b: &[u8], at: usize) -> usize {
    let mut n = 0;
    let mut j = at;
    while j > 0 {
        let c = b.get(j - 1).copied().unwrap_or_default();
        // Every `\` is read as the start of a pair, so a newline after one is
        // always a continuation.
        if c == b'\n' && j >= 2 && b.get(j - 2) == Some(&b'\\') {
            j -= 2;
        } else if c.is_ascii_digit() {
            n += 1;
            j -= 1;
        } else {
            break;
        }
    }
    n
}

/// Whether `text` has a heredoc operator and, outside heredoc bodies, more
/// `(`, `{` or `[` than closing ones. brush panics or loops on such scripts
/// when the input ends inside a substitution while a heredoc is pending.
fn heredoc_with_unclosed_bracket(text: &str) -> bool {
    if !text.contains("<<") {
        return false;
    }
    let (tokens, _) = lex(text);
    let mut bodies = tokens.iter().filter(|t| t.tok == Tok::HereBody).map(|t| t.range.clone()).peekable();
    let mut depth = [0usize; 3];
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if let Some(body) = bodies.peek()
            && body.start <= i
        {
            i = i.max(body.end);
            bodies.next();
            continue;
        }
        match c {
            b'(' => depth[0] += 1,
            b')' => depth[0] = depth[0].saturating_sub(1),
            b'{' => depth[1] += 1,
            b'}' => depth[1] = depth[1].saturating_sub(1),
            b'[' => depth[2] += 1,
            b']' => depth[2] = depth[2].saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    depth.iter().any(|&d| d > 0)
}

/// The deepest nesting of `(` in `b` and how many are still open at the end.
/// Quotes are not skipped: this is an upper bound.
fn paren_depth(b: &[u8]) -> (usize, usize) {
    let mut depth = 0usize;
    let mut max = 0usize;
    for &c in b {
        match c {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (max, depth)
}

/// Whether a heredoc operator (`<<` or `<<-`, not `<<<`) in `b` is followed by
/// a delimiter brush mishandles: none at all (end of input, a newline or an
/// operator), one after more than one blank, or one holding a CR, a command
/// substitution or a backtick. On some of these brush loops forever when the
/// input ends before the body; scripts with them take the fallback instead.
fn odd_heredoc(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = b.get(i..).and_then(|rest| rest.windows(2).position(|w| w == b"<<")) {
        let at = i + p;
        let mut j = at + 2;
        i = j;
        if b.get(j) == Some(&b'<') {
            // `<<<`, a here-string; more `<` after it confuse brush.
            if b.get(j + 1) == Some(&b'<') {
                return true;
            }
            i = j + 1;
            continue;
        }
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        let blanks = b.get(j..).map_or(0, |rest| rest.iter().take_while(|c| matches!(c, b' ' | b'\t')).count());
        j += blanks;
        let word = b.get(j..).unwrap_or_default();
        let end = word
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'))
            .unwrap_or(word.len());
        let word = word.get(..end).unwrap_or_default();
        if blanks > 1 || word.is_empty() || word.iter().any(|c| matches!(c, b'\r' | b'$' | b'`')) {
            return true;
        }
    }
    false
}

/// An upper bound of how deeply `text` nests: brackets plus compound
/// keywords, quotes ignored (so nested `sh -c` scripts are bounded too).
fn nesting(text: &str) -> usize {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
                    i += 1;
                }
                let boundary = start == 0 || !b.get(start - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
                if boundary {
                    match b.get(start..i) {
                        Some(b"if" | b"case" | b"do") => depth += 1,
                        Some(b"fi" | b"esac" | b"done") => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                max = max.max(depth);
                continue;
            }
            _ => {}
        }
        max = max.max(depth);
        i += 1;
    }
    max
}

/// The last path component of a command name.
fn basename(s: &str) -> &str {
    // `rsplit('/').next()`, without a pattern searcher: rules ask for it a lot.
    match s.as_bytes().iter().rposition(|&c| c == b'/') {
        Some(i) => s.get(i + 1..).unwrap_or(""),
        None => s,
    }
}

/// Whether `s` is a `NAME=value` (or `NAME+=value`) word.
fn is_assignment(s: &str) -> bool {
    let Some((name, _)) = s.split_once('=') else {
        return false;
    };
    let name = name.strip_suffix('+').unwrap_or(name);
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn is_downloader(c: &SimpleCommand) -> bool {
    DOWNLOADERS.contains(&c.effective_name())
}

fn is_python(name: &str) -> bool {
    name.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_interpreter(name: &str) -> bool {
    SHELLS.contains(&name) || is_python(name) || name == "perl" || name == "ruby"
}

/// Whether the effective argv `eff` runs an interpreter that reads its program
/// from stdin.
fn reads_program_from_stdin(eff: &[Word]) -> bool {
    let Some(name) = eff.first().map(|w| basename(&w.text)) else {
        return false;
    };
    let shell = SHELLS.contains(&name);
    let (inline, with_arg): (&[char], &[char]) = if shell {
        (&['c'], &['o', 'O'])
    } else if is_python(name) {
        (&['c', 'm'], &['W', 'X'])
    } else if name == "perl" || name == "ruby" {
        (&['e', 'E'], &[])
    } else {
        return false;
    };
    let mut i = 1;
    while let Some(w) = eff.get(i) {
        let t = w.text.as_str();
        if t == "-" {
            return true;
        }
        if t == "--" {
            return eff.get(i + 1).is_none_or(|w| w.text == "-");
        }
        if let Some(long) = t.strip_prefix("--") {
            i += if shell && matches!(long, "rcfile" | "init-file") { 2 } else { 1 };
            continue;
        }
        if t.len() > 1 && (t.starts_with('-') || (shell && t.starts_with('+'))) {
            let cluster = t.get(1..).unwrap_or("");
            if t.starts_with('-') && cluster.contains(inline) {
                return false;
            }
            if shell && t.starts_with('-') && cluster.contains('s') {
                return true;
            }
            i += if cluster.ends_with(with_arg) { 2 } else { 1 };
            continue;
        }
        // A script operand: the program comes from a file.
        return false;
    }
    true
}

/// Index into `argv` of the script of `sh -c 'script'` (through wrappers).
fn sh_c_script(argv: &[Word]) -> Option<usize> {
    let eff = effective_argv(argv);
    let offset = argv.len() - eff.len();
    if !SHELLS.contains(&basename(&eff.first()?.text)) {
        return None;
    }
    let mut has_c = false;
    let mut i = 1;
    while let Some(w) = eff.get(i) {
        let t = w.text.as_str();
        if t == "--" || t == "-" {
            i += 1;
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            i += if matches!(long, "rcfile" | "init-file") { 2 } else { 1 };
            continue;
        }
        if t.len() > 1 && (t.starts_with('-') || t.starts_with('+')) {
            let cluster = t.get(1..).unwrap_or("");
            if t.starts_with('-') && cluster.contains('c') {
                has_c = true;
            }
            i += if cluster.ends_with(['o', 'O']) { 2 } else { 1 };
            continue;
        }
        break;
    }
    (has_c && i < eff.len()).then_some(offset + i)
}

/// `argv` without leading wrapper commands (see [`SimpleCommand::effective`]).
fn effective_argv(argv: &[Word]) -> &[Word] {
    let mut rest = argv;
    for _ in 0..MAX_WRAPPERS {
        let Some(first) = rest.first() else { break };
        let skip = match basename(&first.text) {
            "sudo" => skip_options(
                rest,
                "CDghpRrTtUu",
                &[
                    "chdir",
                    "close-from",
                    "group",
                    "host",
                    "prompt",
                    "chroot",
                    "role",
                    "type",
                    "command-timeout",
                    "other-user",
                    "user",
                ],
                true,
            ),
            "doas" => skip_options(rest, "uC", &[], false),
            "env" => skip_options(rest, "uCSP", &["unset", "chdir", "split-string"], true),
            "command" => {
                if rest.get(1).is_some_and(|w| w.text.starts_with("-v") || w.text.starts_with("-V")) {
                    None
                } else {
                    skip_options(rest, "", &[], false)
                }
            }
            "exec" => skip_options(rest, "a", &[], false),
            "nice" => skip_options(rest, "n", &["adjustment"], false),
            "time" => skip_options(rest, "fo", &["format", "output"], false),
            "nohup" => Some(1),
            "gosu" | "su-exec" => Some(2),
            "xargs" => skip_options(
                rest,
                "adEILnPs",
                &["arg-file", "delimiter", "max-args", "max-procs", "max-chars", "process-slot-var"],
                false,
            ),
            _ => None,
        };
        match skip.and_then(|n| rest.get(n..)) {
            Some(inner) if !inner.is_empty() => rest = inner,
            _ => break,
        }
    }
    rest
}

/// The index of the first operand after a wrapper's options: `short_arg` lists
/// short options that take a value, `long_arg` long ones; `assignments` skips
/// `NAME=value` words too. None when no operand follows.
fn skip_options(words: &[Word], short_arg: &str, long_arg: &[&str], assignments: bool) -> Option<usize> {
    let mut i = 1;
    while let Some(w) = words.get(i) {
        let t = w.text.as_str();
        if t == "--" {
            return (i + 1 < words.len()).then_some(i + 1);
        }
        if let Some(long) = t.strip_prefix("--") {
            i += if !long.contains('=') && long_arg.contains(&long) { 2 } else { 1 };
            continue;
        }
        if t.starts_with('-') {
            let cluster = t.get(1..).unwrap_or("");
            let takes_next = cluster
                .char_indices()
                .find(|&(_, c)| short_arg.contains(c))
                .is_some_and(|(pos, c)| pos + c.len_utf8() == cluster.len());
            i += if takes_next { 2 } else { 1 };
            continue;
        }
        if assignments && is_assignment(t) {
            i += 1;
            continue;
        }
        return Some(i);
    }
    None
}

// ---------------------------------------------------------------------------
// Building the flat model

/// Maps byte offsets of a (nested) script to spans of the top-level script.
#[derive(Clone, Copy, Debug)]
enum Mapping {
    /// The script is written verbatim at this offset.
    Exact(u32),
    /// The script is not verbatim (escaped, or reconstructed): every span is
    /// the span of the word that holds it.
    Collapsed(TextRange),
}

impl Mapping {
    fn range(self, r: Range<usize>) -> TextRange {
        match self {
            Self::Exact(base) => {
                TextRange::new(base.saturating_add(to_u32(r.start)), base.saturating_add(to_u32(r.end)))
            }
            Self::Collapsed(range) => range,
        }
    }

    fn empty(self) -> TextRange {
        match self {
            Self::Exact(base) => TextRange::empty(base),
            Self::Collapsed(range) => range,
        }
    }

    fn at(self, offset: usize) -> Self {
        match self {
            Self::Exact(base) => Self::Exact(base.saturating_add(to_u32(offset))),
            collapsed @ Self::Collapsed(_) => collapsed,
        }
    }
}

/// Character index → byte offset, for brush's positions.
struct CharMap {
    /// Byte offset of each character, plus the text length; empty for ASCII.
    starts: Vec<u32>,
    len: usize,
}

impl CharMap {
    fn new(text: &str) -> Self {
        let starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| to_u32(i)).chain(std::iter::once(to_u32(text.len()))).collect()
        };
        Self { starts, len: text.len() }
    }

    fn byte(&self, index: usize) -> usize {
        if self.starts.is_empty() {
            index.min(self.len)
        } else {
            self.starts.get(index).map_or(self.len, |&b| b as usize)
        }
    }
}

/// One script being walked: the top-level one or a nested one.
struct Unit<'t> {
    text: &'t str,
    /// Built when brush's positions are first read (the fast path never does).
    chars: std::cell::OnceCell<CharMap>,
    map: Mapping,
    /// Bytes of `text` that are the caller's; heredoc bodies appended after
    /// them belong to no span.
    visible: usize,
    /// Whether appended heredoc bodies were given by the caller.
    bodies_given: bool,
}

impl<'t> Unit<'t> {
    fn new(text: &'t str, map: Mapping, visible: usize, bodies_given: bool) -> Self {
        Self { text, chars: std::cell::OnceCell::new(), map, visible, bodies_given }
    }

    /// The top-level span of `r`, a range of this unit's text. The part past
    /// [`Unit::visible`] (appended heredoc terminators, which a word with an
    /// unclosed quote can run into) belongs to no source byte and is cut off.
    fn span(&self, r: Range<usize>) -> TextRange {
        let end = r.end.min(self.visible);
        self.map.range(r.start.min(end)..end)
    }

    fn local(&self, loc: Option<&brush_parser::SourceSpan>) -> Option<Range<usize>> {
        let loc = loc?;
        let chars = self.chars.get_or_init(|| CharMap::new(self.text));
        let start = chars.byte(loc.start.index);
        let end = chars.byte(loc.end.index);
        (start <= end).then_some(start..end)
    }
}

/// What nested commands inherit.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    nesting: Nesting,
    depth: u8,
    in_subshell: bool,
    parent: Option<usize>,
}

impl Ctx {
    fn top() -> Self {
        Self { nesting: Nesting::None, depth: 0, in_subshell: false, parent: None }
    }

    fn child(self, nesting: Nesting) -> Option<Self> {
        (self.depth < MAX_DEPTH).then_some(Self {
            nesting,
            depth: self.depth + 1,
            in_subshell: self.in_subshell || nesting == Nesting::ProcessSubstitution,
            parent: self.parent,
        })
    }
}

/// Where a command sits in its list and pipeline.
#[derive(Clone, Copy, Debug, Default)]
struct Place {
    pipeline: Option<(usize, usize)>,
    and_or_list: usize,
    and_or_index: usize,
    after_or: bool,
    before_or: bool,
}

/// A word with what is needed to look inside it.
struct Built {
    word: Word,
    local: Option<Range<usize>>,
    pieces: Option<Vec<WordPieceWithSource>>,
}

/// Nested work found while building a command, run after it is pushed.
enum Job<'a> {
    /// Substitutions inside a word.
    Scan { raw: String, local: Option<usize>, range: TextRange, pieces: Vec<WordPieceWithSource> },
    /// A process substitution brush parsed.
    Proc(&'a ast::SubshellCommand),
    /// A process substitution the fallback found: the text between the parens.
    ProcText(Range<usize>),
    /// Substitutions in an expanded heredoc body.
    HereBody { body: String, local: Option<usize>, range: TextRange },
    /// The script of `sh -c`.
    ShC { text: String, map: Mapping },
    /// Command substitutions the fast path read: the text inside each `$( … )`.
    FastSubs(Vec<Range<usize>>),
}

/// A simple command before it is pushed.
#[derive(Default)]
struct Draft<'a> {
    assignments: Vec<Built>,
    argv: Vec<Built>,
    redirects: Vec<(Redirect, bool)>,
    jobs: Vec<(usize, Job<'a>)>,
}

struct Builder {
    commands: Vec<SimpleCommand>,
    pipelines: Vec<Vec<usize>>,
    lists: usize,
    /// Bytes of nested scripts that may still be parsed.
    budget: usize,
    /// Whether scripts the fast path reads skip brush.
    use_fast: bool,
}

impl Builder {
    fn new(len: usize, use_fast: bool) -> Self {
        Self {
            commands: Vec::new(),
            pipelines: Vec::new(),
            lists: 0,
            budget: len.saturating_mul(NESTED_BUDGET_FACTOR).saturating_add(4096),
            use_fast,
        }
    }

    fn next_list(&mut self) -> usize {
        self.lists += 1;
        self.lists - 1
    }

    /// Parses and walks a nested script (substitution, `sh -c`).
    fn nested(&mut self, text: &str, map: Mapping, cx: Ctx) {
        if text.trim().is_empty() || text.len() > self.budget {
            return;
        }
        self.budget -= text.len();
        let unit = Unit::new(text, map, text.len(), false);
        if guard(text).is_some() {
            self.fallback(&unit, cx);
        } else if let Some(script) = self.use_fast.then(|| fast::parse(text)).flatten() {
            self.fast(&unit, cx, script);
        } else if let Ok(program) = brush_parse(text) {
            self.program(&unit, cx, &program);
        } else {
            self.fallback(&unit, cx);
        }
    }

    // --- the fast path ---------------------------------------------------------

    /// Builds the commands of a script the fast path read, as [`Self::program`]
    /// builds them from brush's tree.
    fn fast(&mut self, u: &Unit, cx: Ctx, tree: fast::Tree) {
        /// Where the walk is: the context, and the pipeline being built.
        #[derive(Clone, Copy)]
        struct At {
            cx: Ctx,
            list: usize,
            index: usize,
            after_or: bool,
            before_or: bool,
            pipeline: Option<usize>,
            pos: usize,
        }
        let fast::Tree { nodes, mut words, mut redirects } = tree;
        let mut at = At { cx, list: 0, index: 0, after_or: false, before_or: false, pipeline: None, pos: 0 };
        // The walk outside each open compound command.
        let mut outer: Vec<At> = Vec::new();
        for node in nodes {
            match node {
                fast::Node::AndOr => at.list = self.next_list(),
                fast::Node::Pipeline { index, after_or, before_or, len } => {
                    at.index = index;
                    at.after_or = after_or;
                    at.before_or = before_or;
                    at.pos = 0;
                    at.pipeline = (len >= 2).then(|| {
                        self.pipelines.push(Vec::with_capacity(len));
                        self.pipelines.len() - 1
                    });
                }
                fast::Node::Simple { words: w, assignments, redirects: r } => {
                    let place = Place {
                        pipeline: at.pipeline.map(|x| (x, at.pos)),
                        and_or_list: at.list,
                        and_or_index: at.index,
                        after_or: at.after_or,
                        before_or: at.before_or,
                    };
                    at.pos += 1;
                    let words = words.get_mut(w).unwrap_or_default();
                    let redirects = redirects.get_mut(r).unwrap_or_default();
                    self.fast_simple(u, at.cx, place, words, assignments, redirects);
                }
                fast::Node::Open { subshell } => {
                    at.pos += 1;
                    outer.push(at);
                    at.cx = Ctx { in_subshell: at.cx.in_subshell || subshell, ..at.cx };
                }
                fast::Node::Words(w) => {
                    // Only in `for` and `case`, which are no subshells: `at.cx` is
                    // the context of the compound command.
                    for w in words.get_mut(w).unwrap_or_default() {
                        let mut jobs = Vec::new();
                        fast_subs(w, &mut jobs);
                        self.run_jobs(u, Ctx { parent: None, ..at.cx }, jobs);
                    }
                }
                fast::Node::Close { redirects: r } => {
                    if let Some(o) = outer.pop() {
                        at = o;
                    }
                    let mut jobs = Vec::new();
                    for r in redirects.get_mut(r).unwrap_or_default() {
                        fast_subs(&mut r.target, &mut jobs);
                    }
                    self.run_jobs(u, Ctx { parent: None, ..at.cx }, jobs);
                }
            }
        }
    }

    /// Builds a simple command the fast path read, as [`Self::finish`] builds
    /// a draft: every word is located and has no brush pieces.
    fn fast_simple(
        &mut self,
        u: &Unit,
        cx: Ctx,
        place: Place,
        words: &mut [fast::FastWord],
        assignments: usize,
        redirects: &mut [fast::FastRedirect],
    ) {
        let mut jobs = Vec::new();
        let mut cover: Option<TextRange> = None;
        let mut add = |r: TextRange| cover = Some(cover.map_or(r, |c| c.cover(r)));
        let (assignment_words, argv_words) = words.split_at_mut(assignments.min(words.len()));
        let mut assigned = Vec::with_capacity(assignment_words.len());
        for w in assignment_words {
            fast_subs(w, &mut jobs);
            let word = fast_word(u, w);
            add(word.range);
            assigned.push(word);
        }
        let mut argv = Vec::with_capacity(argv_words.len());
        // Indexes into `argv` of words with substitutions.
        let mut substituted: Vec<usize> = Vec::new();
        for w in argv_words.iter_mut() {
            if fast_subs(w, &mut jobs) {
                substituted.push(argv.len());
            }
            let word = fast_word(u, w);
            add(word.range);
            argv.push(word);
        }
        let mut redirected = Vec::with_capacity(redirects.len());
        for r in redirects {
            fast_subs(&mut r.target, &mut jobs);
            let range = u.span(redirect_start(u.text, r.target.start)..r.target.end);
            let target = fast_word(u, &mut r.target);
            add(range);
            redirected.push(Redirect { fd: r.fd, op: r.op, target: Some(target), heredoc: None, range });
        }
        if let Some(i) = sh_c_script(&argv)
            && !substituted.contains(&i)
            && let (Some(word), Some(w)) = (argv.get(i), argv_words.get(i))
            && let Some(job) = sh_c_job(u, word, Some(&(w.start..w.end)), None)
        {
            jobs.push((w.start, job));
        }
        self.push_command(u, cx, place, (argv, assigned, redirected), cover, jobs);
    }

    // --- brush's AST ---------------------------------------------------------

    fn program(&mut self, u: &Unit, cx: Ctx, p: &ast::Program) {
        for list in &p.complete_commands {
            self.list(u, cx, list);
        }
    }

    fn list(&mut self, u: &Unit, cx: Ctx, list: &ast::CompoundList) {
        for item in &list.0 {
            self.and_or(u, cx, &item.0);
        }
    }

    fn and_or(&mut self, u: &Unit, cx: Ctx, ao: &ast::AndOrList) {
        let id = self.next_list();
        let mut items = vec![(&ao.first, false)];
        for next in &ao.additional {
            match next {
                ast::AndOr::And(p) => items.push((p, false)),
                ast::AndOr::Or(p) => items.push((p, true)),
            }
        }
        for (i, &(pipeline, after_or)) in items.iter().enumerate() {
            let place = Place {
                pipeline: None,
                and_or_list: id,
                and_or_index: i,
                after_or,
                before_or: items.get(i + 1).is_some_and(|n| n.1),
            };
            self.pipeline(u, cx, pipeline, place);
        }
    }

    fn pipeline(&mut self, u: &Unit, cx: Ctx, p: &ast::Pipeline, place: Place) {
        let index = (p.seq.len() >= 2).then(|| {
            self.pipelines.push(Vec::new());
            self.pipelines.len() - 1
        });
        for (pos, command) in p.seq.iter().enumerate() {
            let place = Place { pipeline: index.map(|i| (i, pos)), ..place };
            self.command(u, cx, command, place);
        }
    }

    fn command(&mut self, u: &Unit, cx: Ctx, c: &ast::Command, place: Place) {
        match c {
            ast::Command::Simple(s) => self.simple(u, cx, s, place),
            ast::Command::Compound(cc, redirects) => {
                self.compound(u, cx, cc);
                self.loose_redirects(u, cx, redirects.as_ref());
            }
            ast::Command::Function(f) => {
                self.compound(u, cx, &f.body.0);
                self.loose_redirects(u, cx, f.body.1.as_ref());
            }
            ast::Command::ExtendedTest(t, redirects) => {
                self.test_expr(u, cx, &t.expr);
                self.loose_redirects(u, cx, redirects.as_ref());
            }
        }
    }

    fn compound(&mut self, u: &Unit, cx: Ctx, cc: &ast::CompoundCommand) {
        use ast::CompoundCommand as C;
        match cc {
            C::Arithmetic(_) => {}
            C::ArithmeticForClause(f) => self.list(u, cx, &f.body.list),
            C::BraceGroup(g) => self.list(u, cx, &g.list),
            C::Subshell(s) => {
                let inner = Ctx { in_subshell: true, ..cx };
                self.list(u, inner, &s.list);
            }
            C::ForClause(f) => {
                for w in f.values.iter().flatten() {
                    self.loose_word(u, cx, w);
                }
                self.list(u, cx, &f.body.list);
            }
            C::CaseClause(c) => {
                self.loose_word(u, cx, &c.value);
                for item in &c.cases {
                    for pattern in &item.patterns {
                        self.loose_word(u, cx, pattern);
                    }
                    if let Some(list) = &item.cmd {
                        self.list(u, cx, list);
                    }
                }
            }
            C::IfClause(i) => {
                self.list(u, cx, &i.condition);
                self.list(u, cx, &i.then);
                for e in i.elses.iter().flatten() {
                    if let Some(condition) = &e.condition {
                        self.list(u, cx, condition);
                    }
                    self.list(u, cx, &e.body);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.list(u, cx, &w.0);
                self.list(u, cx, &w.1.list);
            }
            C::Coprocess(c) => {
                let place = Place { and_or_list: self.next_list(), ..Place::default() };
                self.command(u, cx, &c.body, place);
            }
        }
    }

    fn test_expr(&mut self, u: &Unit, cx: Ctx, e: &ast::ExtendedTestExpr) {
        use ast::ExtendedTestExpr as E;
        match e {
            E::And(a, b) | E::Or(a, b) => {
                self.test_expr(u, cx, a);
                self.test_expr(u, cx, b);
            }
            E::Not(a) | E::Parenthesized(a) => self.test_expr(u, cx, a),
            E::UnaryTest(_, w) => self.loose_word(u, cx, w),
            E::BinaryTest(_, a, b) => {
                self.loose_word(u, cx, a);
                self.loose_word(u, cx, b);
            }
        }
    }

    /// Substitutions in a word outside any simple command.
    fn loose_word(&mut self, u: &Unit, cx: Ctx, w: &ast::Word) {
        let built = built_word(u, w);
        let mut jobs = Vec::new();
        push_scan(&built, &mut jobs);
        self.run_jobs(u, Ctx { parent: None, ..cx }, jobs);
    }

    /// Substitutions in the redirections of a compound command.
    fn loose_redirects(&mut self, u: &Unit, cx: Ctx, list: Option<&ast::RedirectList>) {
        let Some(list) = list else { return };
        let mut jobs = Vec::new();
        for r in &list.0 {
            redirect(u, r, &mut jobs);
        }
        jobs.sort_by_key(|j| j.0);
        self.run_jobs(u, Ctx { parent: None, ..cx }, jobs);
    }

    fn simple(&mut self, u: &Unit, cx: Ctx, s: &ast::SimpleCommand, place: Place) {
        let mut d = Draft::default();
        for item in s.prefix.iter().flat_map(|p| p.0.iter()) {
            simple_item(u, item, true, &mut d);
        }
        if let Some(w) = &s.word_or_name {
            d.argv.push(built_word(u, w));
        }
        for item in s.suffix.iter().flat_map(|p| p.0.iter()) {
            simple_item(u, item, false, &mut d);
        }
        self.finish(u, cx, place, d);
    }

    /// Pushes a command, then walks what is nested in it.
    fn finish(&mut self, u: &Unit, cx: Ctx, place: Place, d: Draft<'_>) {
        let mut jobs = d.jobs;
        let mut cover: Option<TextRange> = None;
        let mut add = |r: TextRange| cover = Some(cover.map_or(r, |c| c.cover(r)));
        let mut assignments = Vec::with_capacity(d.assignments.len());
        for b in d.assignments {
            push_scan(&b, &mut jobs);
            if b.local.is_some() {
                add(b.word.range);
            }
            assignments.push(b.word);
        }
        let mut argv = Vec::with_capacity(d.argv.len());
        let mut meta = Vec::with_capacity(d.argv.len());
        for b in d.argv {
            push_scan(&b, &mut jobs);
            if b.local.is_some() {
                add(b.word.range);
            }
            meta.push((b.local, b.pieces));
            argv.push(b.word);
        }
        for (r, located) in &d.redirects {
            if *located {
                add(r.range);
            }
        }
        if let Some(i) = sh_c_script(&argv)
            && let (Some(word), Some((local, pieces))) = (argv.get(i), meta.get(i))
            && let Some(job) = sh_c_job(u, word, local.as_ref(), pieces.as_deref())
        {
            jobs.push((local.as_ref().map_or(0, |l| l.start), job));
        }
        let redirects = d.redirects.into_iter().map(|(r, _)| r).collect();
        self.push_command(u, cx, place, (argv, assignments, redirects), cover, jobs);
    }

    /// Pushes a command (its argv, assignments and redirections), then walks
    /// what is nested in it.
    fn push_command(
        &mut self,
        u: &Unit,
        cx: Ctx,
        place: Place,
        (argv, assignments, redirects): (Vec<Word>, Vec<Word>, Vec<Redirect>),
        cover: Option<TextRange>,
        mut jobs: Vec<(usize, Job<'_>)>,
    ) {
        let idx = self.commands.len();
        self.commands.push(SimpleCommand {
            argv,
            assignments,
            redirects,
            range: cover.unwrap_or_else(|| u.map.empty()),
            pipeline: place.pipeline,
            and_or_list: place.and_or_list,
            and_or_index: place.and_or_index,
            after_or: place.after_or,
            before_or: place.before_or,
            in_subshell: cx.in_subshell,
            nested: cx.nesting,
            depth: cx.depth,
            parent: cx.parent,
            effective_at: EffectiveAt::default(),
        });
        if let Some((p, _)) = place.pipeline
            && let Some(members) = self.pipelines.get_mut(p)
        {
            members.push(idx);
        }
        jobs.sort_by_key(|j| j.0);
        self.run_jobs(u, Ctx { parent: Some(idx), ..cx }, jobs);
    }

    fn run_jobs(&mut self, u: &Unit, cx: Ctx, jobs: Vec<(usize, Job<'_>)>) {
        for (_, job) in jobs {
            match job {
                Job::Scan { raw, local, range, pieces } => self.scan(u, cx, &raw, &pieces, local, range),
                Job::Proc(sub) => {
                    if let Some(inner) = cx.child(Nesting::ProcessSubstitution) {
                        self.list(u, inner, &sub.list);
                    }
                }
                Job::ProcText(inner) => {
                    if let (Some(child), Some(text)) =
                        (cx.child(Nesting::ProcessSubstitution), u.text.get(inner.clone()))
                    {
                        self.nested(text, u.map.at(inner.start), child);
                    }
                }
                Job::HereBody { body, local, range } => {
                    if let Some(pieces) = parse_heredoc_word(&body) {
                        self.scan(u, cx, &body, &pieces, local, range);
                    }
                }
                Job::ShC { text, map } => {
                    if let Some(child) = cx.child(Nesting::ShC) {
                        self.nested(&text, map, child);
                    }
                }
                Job::FastSubs(subs) => {
                    for inner in subs {
                        if let (Some(child), Some(text)) = (cx.child(Nesting::Substitution), u.text.get(inner.clone()))
                        {
                            self.nested(text, u.map.at(inner.start), child);
                        }
                    }
                }
            }
        }
    }

    /// Walks the command substitutions among `pieces` of the word `raw`, which
    /// starts at byte `local` of the unit (when known) and spans `range`.
    fn scan(
        &mut self,
        u: &Unit,
        cx: Ctx,
        raw: &str,
        pieces: &[WordPieceWithSource],
        local: Option<usize>,
        range: TextRange,
    ) {
        for p in pieces {
            let piece_raw = raw.get(p.start_index..p.end_index).unwrap_or("");
            let piece_range = local.map_or(range, |s| u.span(s + p.start_index..s + p.end_index));
            let (content, open, close) = match &p.piece {
                WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.scan(u, cx, raw, inner, local, range);
                    continue;
                }
                WordPiece::CommandSubstitution(content) => (content.as_str(), 2, 1),
                WordPiece::BackquotedCommandSubstitution(content) => (content.as_str(), 1, 1),
                WordPiece::ArithmeticExpression(_) | WordPiece::ParameterExpansion(_) => {
                    // `$(( … ))` and `${V:-…}` may hold substitutions: parse
                    // their inside as a word.
                    let (open, close) = if piece_raw.starts_with("$((") {
                        (3, 2)
                    } else if piece_raw.starts_with("${") {
                        (2, 1)
                    } else {
                        continue;
                    };
                    let inner_range = p.start_index + open..p.end_index.saturating_sub(close);
                    let Some(inner) = raw.get(inner_range.clone()) else {
                        continue;
                    };
                    if !inner.contains("$(") && !inner.contains('`') {
                        continue;
                    }
                    if let Some(pieces) = parse_word(inner) {
                        let local = local.map(|s| s + inner_range.start);
                        self.scan(u, cx, inner, &pieces, local, piece_range);
                    }
                    continue;
                }
                _ => continue,
            };
            let Some(child) = cx.child(Nesting::Substitution) else {
                continue;
            };
            let inner = p.start_index + open..p.end_index.saturating_sub(close);
            let map = match local {
                Some(s) if raw.get(inner.clone()) == Some(content) => u.map.at(s + inner.start),
                _ => Mapping::Collapsed(piece_range),
            };
            self.nested(content, map, child);
        }
    }

    // --- fallback --------------------------------------------------------------

    /// Splits a script brush could not parse: commands at `&&`, `||`, `;`,
    /// `|`, `&`, newlines and parens outside quotes, words at blanks.
    fn fallback(&mut self, u: &Unit, cx: Ctx) {
        let (tokens, _) = lex(u.text);
        let mut g = Grouper::default();
        let mut i = 0;
        while let Some(t) = tokens.get(i) {
            i += 1;
            match t.tok {
                Tok::Word => {
                    let word = u.text.get(t.range.clone()).unwrap_or("");
                    if g.header {
                        // `for x in a b`, `case x in`, `function f {`, `[[ … ]]`.
                        g.header = !matches!(word, "do" | "{");
                        continue;
                    }
                    if g.cur.is_empty() && RESERVED.contains(&word) {
                        g.header = matches!(word, "for" | "case" | "select" | "function" | "[[");
                        continue;
                    }
                    g.cur.words.push(t.range.clone());
                    g.cur.subshell = g.depth > 0;
                    g.continued = false;
                }
                Tok::Redir(fd, op, strip) => {
                    let target = tokens.get(i).filter(|n| n.tok == Tok::Word).map(|n| n.range.clone());
                    if target.is_some() {
                        i += 1;
                    }
                    g.cur.redirects.push(FbRedirect { fd, op, strip, start: t.range.start, target });
                    g.cur.subshell = g.depth > 0;
                    g.continued = false;
                }
                Tok::HereBody => g.bodies.push(t.range.clone()),
                Tok::Pipe => {
                    g.end_command();
                    g.continued = true;
                }
                Tok::AndAnd | Tok::OrOr => {
                    g.end_command();
                    g.end_pipeline(t.tok == Tok::OrOr);
                    g.continued = true;
                }
                Tok::Newline if g.continued => {}
                Tok::Semi | Tok::Amp | Tok::Newline => g.end_list(),
                Tok::LParen => {
                    let function = g.cur.words.len() == 1
                        && g.cur.redirects.is_empty()
                        && tokens.get(i).is_some_and(|n| n.tok == Tok::RParen);
                    if function {
                        g.cur = FbCommand::default();
                        i += 1;
                    } else {
                        g.end_list();
                        g.depth += 1;
                    }
                }
                Tok::RParen => {
                    let pattern = |c: &FbCommand| c.words.len() == 1 && c.redirects.is_empty();
                    if g.depth == 0 && pattern(&g.cur) && g.pipe.iter().all(pattern) {
                        // A `case` pattern such as `amd64)` or `a|b)`.
                        g.cur = FbCommand::default();
                        g.pipe.clear();
                        g.header = false;
                    } else if g.depth == 0 {
                        g.end_list();
                    } else {
                        g.end_list();
                        g.depth -= 1;
                    }
                }
            }
        }
        g.end_list();
        let bodies = std::mem::take(&mut g.bodies);
        let mut body_index = 0;
        for list in std::mem::take(&mut g.lists) {
            let id = self.next_list();
            for (k, (cmds, after_or)) in list.iter().enumerate() {
                let before_or = list.get(k + 1).is_some_and(|n| n.1);
                let pipeline = (cmds.len() >= 2).then(|| {
                    self.pipelines.push(Vec::new());
                    self.pipelines.len() - 1
                });
                for (pos, c) in cmds.iter().enumerate() {
                    let place = Place {
                        pipeline: pipeline.map(|p| (p, pos)),
                        and_or_list: id,
                        and_or_index: k,
                        after_or: *after_or,
                        before_or,
                    };
                    let d = fallback_draft(u, c, &bodies, &mut body_index);
                    let cx = Ctx { in_subshell: cx.in_subshell || c.subshell, ..cx };
                    self.finish(u, cx, place, d);
                }
            }
        }
    }
}

/// Adds one prefix or suffix item of a simple command to the draft.
fn simple_item<'a>(u: &Unit, item: &'a ast::CommandPrefixOrSuffixItem, prefix: bool, d: &mut Draft<'a>) {
    match item {
        ast::CommandPrefixOrSuffixItem::IoRedirect(r) => {
            let r = redirect(u, r, &mut d.jobs);
            d.redirects.push(r);
        }
        ast::CommandPrefixOrSuffixItem::Word(w) => d.argv.push(built_word(u, w)),
        ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
            let b = built_word(u, w);
            if prefix {
                d.assignments.push(b);
            } else {
                d.argv.push(b);
            }
        }
        ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
            let b = process_word(u, sub);
            d.jobs.push((b.local.as_ref().map_or(0, |l| l.start), Job::Proc(sub)));
            d.argv.push(b);
        }
    }
}

/// Builds a redirection; its nested work goes to `jobs`. The flag says whether
/// its range is known.
fn redirect<'a>(u: &Unit, r: &'a ast::IoRedirect, jobs: &mut Vec<(usize, Job<'a>)>) -> (Redirect, bool) {
    let make = |fd: Option<i32>, op, target: Option<Built>, heredoc| {
        let local = target.as_ref().and_then(|t| t.local.clone());
        let range = local.as_ref().map_or_else(|| u.map.empty(), |l| u.span(redirect_start(u.text, l.start)..l.end));
        let redirect = Redirect { fd, op, target: target.map(|t| t.word), heredoc, range };
        (redirect, local.is_some())
    };
    match r {
        ast::IoRedirect::File(fd, kind, target) => {
            let op = match kind {
                ast::IoFileRedirectKind::Read => RedirectOp::Read,
                ast::IoFileRedirectKind::Write => RedirectOp::Write,
                ast::IoFileRedirectKind::Append => RedirectOp::Append,
                ast::IoFileRedirectKind::ReadAndWrite => RedirectOp::ReadWrite,
                ast::IoFileRedirectKind::Clobber => RedirectOp::Clobber,
                ast::IoFileRedirectKind::DuplicateInput => RedirectOp::DupInput,
                ast::IoFileRedirectKind::DuplicateOutput => RedirectOp::DupOutput,
            };
            let target = match target {
                ast::IoFileRedirectTarget::Filename(w) | ast::IoFileRedirectTarget::Duplicate(w) => {
                    let b = built_word(u, w);
                    push_scan(&b, jobs);
                    Some(b)
                }
                ast::IoFileRedirectTarget::Fd(n) => {
                    Some(Built { word: Word::plain(n.to_string(), u.map.empty()), local: None, pieces: None })
                }
                ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                    let b = process_word(u, sub);
                    jobs.push((b.local.as_ref().map_or(0, |l| l.start), Job::Proc(sub)));
                    Some(b)
                }
            };
            make(*fd, op, target, None)
        }
        ast::IoRedirect::HereDocument(fd, h) => {
            let tag = built_word(u, &h.here_end);
            let body_local = u
                .local(h.doc.loc.as_ref())
                .map(|l| l.start)
                .filter(|&s| s < u.visible && u.text.get(s..s + h.doc.value.len()) == Some(&h.doc.value));
            let appended = u.local(h.doc.loc.as_ref()).is_none_or(|l| l.start >= u.visible);
            let body = (!appended || u.bodies_given).then(|| h.doc.value.clone());
            let (redirect, located) = make(
                *fd,
                RedirectOp::HereDoc,
                Some(tag),
                Some(HereDoc { body, quoted: !h.requires_expansion, strip_tabs: h.remove_tabs }),
            );
            if h.requires_expansion && (h.doc.value.contains("$(") || h.doc.value.contains('`')) {
                let range = match body_local {
                    Some(s) => u.span(s..s + h.doc.value.len()),
                    None => redirect.range,
                };
                jobs.push((
                    body_local.unwrap_or(usize::MAX),
                    Job::HereBody { body: h.doc.value.clone(), local: body_local, range },
                ));
            }
            (redirect, located)
        }
        ast::IoRedirect::HereString(fd, w) => {
            let b = built_word(u, w);
            push_scan(&b, jobs);
            make(*fd, RedirectOp::HereString, Some(b), None)
        }
        ast::IoRedirect::OutputAndError(w, append) => {
            let b = built_word(u, w);
            push_scan(&b, jobs);
            let op = if *append { RedirectOp::AppendOutputAndError } else { RedirectOp::OutputAndError };
            make(None, op, Some(b), None)
        }
    }
}

/// The byte where the redirection whose target starts at `start` begins: back
/// over blanks, the operator and an fd number.
fn redirect_start(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let prev = |i: usize| i.checked_sub(1).and_then(|j| b.get(j)).copied();
    let mut i = start.min(b.len());
    while matches!(prev(i), Some(b' ' | b'\t')) {
        i -= 1;
    }
    let op_end = i;
    while op_end - i < 3 && matches!(prev(i), Some(b'<' | b'>' | b'&' | b'|' | b'-')) {
        i -= 1;
    }
    if i == op_end {
        return start;
    }
    let digits_end = i;
    while prev(i).is_some_and(|c| c.is_ascii_digit()) {
        i -= 1;
    }
    let separated =
        prev(i).is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'{' | b'}'));
    if i < digits_end && !separated {
        i = digits_end;
    }
    i
}

/// The `<( … )` word of a process substitution brush parsed.
fn process_word(u: &Unit, sub: &ast::SubshellCommand) -> Built {
    let local = u.local(Some(&sub.loc)).map(|l| {
        let start = if l.start > 0 && matches!(u.text.as_bytes().get(l.start - 1), Some(b'<' | b'>')) {
            l.start - 1
        } else {
            l.start
        };
        start..l.end
    });
    let raw = local.clone().and_then(|l| u.text.get(l)).unwrap_or("<(…)").to_owned();
    Built { word: Word::plain(raw, local.clone().map_or_else(|| u.map.empty(), |l| u.span(l))), local, pieces: None }
}

/// A word brush parsed, with quotes removed.
fn built_word(u: &Unit, w: &ast::Word) -> Built {
    let local = u.local(w.loc.as_ref());
    let raw = local.clone().and_then(|l| u.text.get(l)).map_or_else(|| w.value.clone(), str::to_owned);
    let range = local.clone().map_or_else(|| u.map.empty(), |l| u.span(l));
    built_from(raw, local, range)
}

/// A word the fast path read (its text is taken).
fn fast_word(u: &Unit, w: &mut fast::FastWord) -> Word {
    let raw = u.text.get(w.start..w.end).unwrap_or("");
    let range = u.span(w.start..w.end);
    match w.text.take() {
        Some(text) => Word::new(text, raw.to_owned(), range),
        None => Word::plain(raw.to_owned(), range),
    }
}

/// Queues the command substitutions of a word the fast path read; returns
/// whether it has any.
fn fast_subs(w: &mut fast::FastWord, jobs: &mut Vec<(usize, Job<'_>)>) -> bool {
    if w.subs.is_empty() {
        return false;
    }
    jobs.push((w.start, Job::FastSubs(std::mem::take(&mut w.subs))));
    true
}

/// A word the fallback found at `local`.
fn built_local(u: &Unit, local: Range<usize>) -> Built {
    let raw = u.text.get(local.clone()).unwrap_or("").to_owned();
    let range = u.span(local.clone());
    built_from(raw, Some(local), range)
}

fn built_from(raw: String, local: Option<Range<usize>>, range: TextRange) -> Built {
    if is_plain_word(&raw) {
        // brush's word parser would return one text piece, the word itself:
        // nothing to scan for substitutions, so no pieces are kept (they are
        // only read by `push_scan` and `sh_c_job`, where none and one text
        // piece mean the same).
        return Built { word: Word::plain(raw, range), local, pieces: None };
    }
    if let Some(text) = quoted_word_text(&raw) {
        // No substitution among brush's pieces either: none are kept, as above.
        return Built { word: Word::new(text, raw, range), local, pieces: None };
    }
    let pieces = parse_word(&raw);
    let text = match &pieces {
        Some(pieces) => {
            let mut text = String::with_capacity(raw.len());
            render(&raw, pieces, &mut text);
            text
        }
        None => simple_unquote(&raw),
    };
    Built { word: Word::new(text, raw, range), local, pieces }
}

/// Whether `raw` is one literal piece for the shell: no quotes, escapes,
/// expansions, globs, tildes or brackets (most words of a RUN: `apt-get`,
/// `-y`, `curl=7.88.1-10`, `/usr/local/bin`).
fn is_plain_word(raw: &str) -> bool {
    !raw.is_empty()
        && raw.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, b'-' | b'_' | b'.' | b'/' | b'=' | b':' | b',' | b'+' | b'@' | b'%')
        })
}

/// The text brush's word parser gives `raw` (quotes removed, escapes
/// resolved, expansions as written), for words it reads without a
/// substitution: quotes, escapes, tildes and `$NAME`-like expansions, but no
/// backtick and no `$` before `(`, `[`, `{` or a quote. None for other words
/// (and for words [`parse_word`] refuses), which take brush's word parser.
///
/// brush's pieces of such a word are text, escapes, quoted text and
/// expansions rendered as written, so the text is found in one pass:
/// `\c` is `c` outside quotes (nothing for a line continuation, and a
/// trailing `\` stays), `'…'` is its inside, and inside `"…"` only `\$`,
/// `` \` ``, `\"` and `\\` lose their backslash. `shell/fast_tests.rs` holds
/// it to brush on generated words and on every word of the corpus.
fn quoted_word_text(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    // Start of the run of bytes copied as they are.
    let mut run = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'`' => return None,
            b'$' if matches!(b.get(i + 1), Some(b'(' | b'[' | b'{' | b'\'' | b'"')) => return None,
            b'\\' | b'\'' | b'"' => {}
            _ => {
                i += 1;
                continue;
            }
        }
        out.push_str(raw.get(run..i)?);
        match c {
            b'\\' => {
                let Some(n) = raw.get(i + 1..).and_then(|r| r.chars().next()) else {
                    // A trailing backslash is literal text for brush.
                    out.push('\\');
                    i += 1;
                    run = i;
                    continue;
                };
                if n != '\n' {
                    out.push(n);
                }
                i += 1 + n.len_utf8();
            }
            b'\'' => {
                let close = i + 1 + b.get(i + 1..)?.iter().position(|&c| c == b'\'')?;
                out.push_str(raw.get(i + 1..close)?);
                i = close + 1;
            }
            _ => {
                // Inside double quotes.
                i += 1;
                let mut from = i;
                loop {
                    match *b.get(i)? {
                        b'"' => break,
                        b'`' => return None,
                        b'$' if matches!(b.get(i + 1), Some(b'(' | b'[' | b'{' | b'\'' | b'"')) => return None,
                        b'\\' if matches!(b.get(i + 1), Some(b'$' | b'`' | b'"' | b'\\')) => {
                            out.push_str(raw.get(from..i)?);
                            from = i + 1;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                out.push_str(raw.get(from..i)?);
                i += 1;
            }
        }
        run = i;
    }
    if word_is_risky(raw) {
        return None;
    }
    out.push_str(raw.get(run..)?);
    Some(out)
}

/// Queues the substitutions of a word, if it may have any.
fn push_scan(b: &Built, jobs: &mut Vec<(usize, Job<'_>)>) {
    // Words without pieces (plain words, and every word the fast path read) have nothing to scan.
    let Some(pieces) = &b.pieces else { return };
    let raw = b.word.raw();
    if !may_substitute(raw) {
        return;
    }
    let local = b.local.as_ref().map(|l| l.start);
    jobs.push((
        local.unwrap_or(0),
        Job::Scan { raw: raw.to_owned(), local, range: b.word.range, pieces: pieces.clone() },
    ));
}

/// Whether `s` holds `$(` or a backtick.
fn may_substitute(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| c == b'`' || (c == b'$' && b.get(i + 1) == Some(&b'(')))
}

/// The job parsing the script argument `b` of `sh -c`, unless the outer shell
/// substitutes parts of it (then only those substitutions are walked, so no
/// command is listed twice).
fn sh_c_job(
    u: &Unit,
    word: &Word,
    local: Option<&Range<usize>>,
    pieces: Option<&[WordPieceWithSource]>,
) -> Option<Job<'static>> {
    if pieces.is_some_and(has_substitution) {
        return None;
    }
    let text = word.text.clone();
    let raw = word.raw();
    let offset = if raw == text {
        Some(0)
    } else if raw.len() == text.len() + 2
        && ((raw.starts_with('\'') && raw.ends_with('\'')) || (raw.starts_with('"') && raw.ends_with('"')))
        && raw.get(1..raw.len() - 1) == Some(text.as_str())
    {
        Some(1)
    } else {
        None
    };
    let map = match (offset, local) {
        (Some(o), Some(l)) => u.map.at(l.start + o),
        _ => Mapping::Collapsed(word.range),
    };
    Some(Job::ShC { text, map })
}

fn has_substitution(pieces: &[WordPieceWithSource]) -> bool {
    pieces.iter().any(|p| match &p.piece {
        WordPiece::CommandSubstitution(_) | WordPiece::BackquotedCommandSubstitution(_) => true,
        WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
            has_substitution(inner)
        }
        _ => false,
    })
}

/// brush's word parser, guarded: None for words it would choke on.
fn parse_word(raw: &str) -> Option<Vec<WordPieceWithSource>> {
    if word_is_risky(raw) {
        return None;
    }
    let opts = ParserOptions::default();
    catch_unwind(AssertUnwindSafe(|| brush_parser::word::parse(raw, &opts))).ok()?.ok()
}

/// brush's heredoc-body parser, guarded like [`parse_word`].
fn parse_heredoc_word(raw: &str) -> Option<Vec<WordPieceWithSource>> {
    if word_is_risky(raw) {
        return None;
    }
    let opts = ParserOptions::default();
    catch_unwind(AssertUnwindSafe(|| brush_parser::word::parse_heredoc(raw, &opts))).ok()?.ok()
}

/// Words that [`guard`] would keep from brush (its word parser tokenizes
/// substitutions the same way, so it hangs and backtracks on the same input),
/// or with a `~NNN…` it would unwrap into an overflowing integer.
fn word_is_risky(raw: &str) -> bool {
    let b = raw.as_bytes();
    // Without brackets, `<` or `>`, `guard` can only object to nesting: to
    // `if`, `do` and `case`, at most one per two bytes.
    let bracketed = b.len() > 2 * MAX_NESTING || b.iter().any(|c| matches!(c, b'(' | b'{' | b'[' | b'<' | b'>'));
    if bracketed && guard(raw).is_some() {
        return true;
    }
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'~' {
            return false;
        }
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        b.get(j..).is_some_and(|rest| rest.iter().take_while(|c| c.is_ascii_digit()).count() >= 19)
    })
}

/// Appends the text of `pieces` of `raw` with quotes removed.
fn render(raw: &str, pieces: &[WordPieceWithSource], out: &mut String) {
    for p in pieces {
        match &p.piece {
            WordPiece::Text(s) | WordPiece::SingleQuotedText(s) | WordPiece::AnsiCQuotedText(s) => {
                out.push_str(s);
            }
            WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
                render(raw, inner, out);
            }
            WordPiece::EscapeSequence(s) => {
                let rest = s.strip_prefix('\\').unwrap_or(s);
                if rest != "\n" {
                    out.push_str(rest);
                }
            }
            _ => out.push_str(raw.get(p.start_index..p.end_index).unwrap_or("")),
        }
    }
}

/// Quote removal for words brush's word parser rejects.
fn simple_unquote(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let mut double = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' => double = !double,
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) if double && !matches!(n, '$' | '`' | '"' | '\\') => {
                    out.push('\\');
                    out.push(n);
                }
                Some(n) => out.push(n),
            },
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Fallback splitter

/// Reserved words that start no command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "in", "select",
    "function", "!", "{", "}", "[[", "]]", "time",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Word,
    AndAnd,
    OrOr,
    Pipe,
    Semi,
    Amp,
    Newline,
    LParen,
    RParen,
    /// fd, operator, strip tabs (`<<-`).
    Redir(Option<i32>, RedirectOp, bool),
    /// The body of a heredoc, in operator order.
    HereBody,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    range: Range<usize>,
}

/// Splits `text` into tokens; also returns the heredoc delimiters in order.
fn lex(text: &str) -> (Vec<Token>, Vec<String>) {
    let b = text.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    let mut pending: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        let start = i;
        let (tok, len) = match c {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\\' if next == Some(b'\n') => {
                i += 2;
                continue;
            }
            b'#' => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'\n' => {
                out.push(Token { tok: Tok::Newline, range: i..i + 1 });
                i += 1;
                for (tag, strip) in pending.drain(..) {
                    let body_start = i;
                    let mut body_end = i;
                    loop {
                        let line_end =
                            b.get(i..).and_then(|r| r.iter().position(|&c| c == b'\n')).map_or(b.len(), |p| i + p);
                        let line = text.get(i..line_end).unwrap_or("");
                        let line = if strip { line.trim_start_matches('\t') } else { line };
                        if line == tag || i >= b.len() {
                            i = (line_end + 1).min(b.len());
                            break;
                        }
                        i = (line_end + 1).min(b.len());
                        body_end = i;
                    }
                    out.push(Token { tok: Tok::HereBody, range: body_start..body_end });
                }
                continue;
            }
            b'&' => match (next, b.get(i + 2)) {
                (Some(b'&'), _) => (Tok::AndAnd, 2),
                (Some(b'>'), Some(b'>')) => (Tok::Redir(None, RedirectOp::AppendOutputAndError, false), 3),
                (Some(b'>'), _) => (Tok::Redir(None, RedirectOp::OutputAndError, false), 2),
                _ => (Tok::Amp, 1),
            },
            b'|' => match next {
                Some(b'|') => (Tok::OrOr, 2),
                Some(b'&') => (Tok::Pipe, 2),
                _ => (Tok::Pipe, 1),
            },
            b';' => (Tok::Semi, if next == Some(b';') { 2 } else { 1 }),
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'<' | b'>' if next != Some(b'(') => {
                let (op, strip, len) = redirect_op(b, i);
                (Tok::Redir(None, op, strip), len)
            }
            _ => {
                let end = scan_word(b, i).max(i + 1).min(b.len());
                let word = text.get(i..end).unwrap_or("");
                let fd_op = matches!(b.get(end), Some(b'<' | b'>')) && b.get(end + 1) != Some(&b'(');
                if fd_op
                    && word.len() <= 9
                    && word.bytes().all(|c| c.is_ascii_digit())
                    && let Ok(fd) = word.parse::<i32>()
                {
                    let (op, strip, len) = redirect_op(b, end);
                    (Tok::Redir(Some(fd), op, strip), end - i + len)
                } else {
                    (Tok::Word, end - i)
                }
            }
        };
        i = (start + len).min(b.len());
        if let Tok::Redir(_, RedirectOp::HereDoc, strip) = tok {
            // The delimiter is the next word.
            let mut j = i;
            while matches!(b.get(j), Some(b' ' | b'\t')) {
                j += 1;
            }
            if b.get(j).is_some_and(|&c| !matches!(c, b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')')) {
                let end = scan_word(b, j).max(j + 1).min(b.len());
                let tag = simple_unquote(text.get(j..end).unwrap_or(""));
                tags.push(tag.clone());
                pending.push((tag, strip));
            }
        }
        out.push(Token { tok, range: start..i });
    }
    (out, tags)
}

/// The redirection operator at `b[i]` (`<` or `>`): operator, `<<-`, length.
fn redirect_op(b: &[u8], i: usize) -> (RedirectOp, bool, usize) {
    let at = |k: usize| b.get(i + k).copied();
    match (at(0), at(1), at(2)) {
        (Some(b'<'), Some(b'<'), Some(b'<')) => (RedirectOp::HereString, false, 3),
        (Some(b'<'), Some(b'<'), Some(b'-')) => (RedirectOp::HereDoc, true, 3),
        (Some(b'<'), Some(b'<'), _) => (RedirectOp::HereDoc, false, 2),
        (Some(b'<'), Some(b'>'), _) => (RedirectOp::ReadWrite, false, 2),
        (Some(b'<'), Some(b'&'), _) => (RedirectOp::DupInput, false, 2),
        (Some(b'<'), _, _) => (RedirectOp::Read, false, 1),
        (Some(b'>'), Some(b'>'), _) => (RedirectOp::Append, false, 2),
        (Some(b'>'), Some(b'&'), _) => (RedirectOp::DupOutput, false, 2),
        (Some(b'>'), Some(b'|'), _) => (RedirectOp::Clobber, false, 2),
        _ => (RedirectOp::Write, false, 1),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Nest {
    Paren,
    Brace,
    Double,
    Back,
}

/// The end of the word starting at `b[start]`: quotes, escapes and
/// substitutions are skipped as units.
fn scan_word(b: &[u8], start: usize) -> usize {
    let mut i = start;
    if matches!(b.get(i), Some(b'<' | b'>')) && b.get(i + 1) == Some(&b'(') {
        i = skip_nested(b, i + 2, Nest::Paren);
    }
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
            b'\\' => i += 2,
            b'\'' => i = skip_single(b, i + 1),
            b'"' => i = skip_nested(b, i + 1, Nest::Double),
            b'`' => i = skip_nested(b, i + 1, Nest::Back),
            b'$' if b.get(i + 1) == Some(&b'(') => i = skip_nested(b, i + 2, Nest::Paren),
            b'$' if b.get(i + 1) == Some(&b'{') => i = skip_nested(b, i + 2, Nest::Brace),
            _ => i += 1,
        }
    }
    i.min(b.len())
}

/// The index after the `'` closing a single-quoted string whose text starts at `i`.
fn skip_single(b: &[u8], i: usize) -> usize {
    b.get(i..).and_then(|rest| rest.iter().position(|&c| c == b'\'')).map_or(b.len(), |p| i + p + 1)
}

/// The index after the end of the construct `first` whose inside starts at
/// `i`. Iterative, so nesting depth costs no stack.
fn skip_nested(b: &[u8], mut i: usize, first: Nest) -> usize {
    let mut stack = vec![first];
    while let Some(&top) = stack.last() {
        let Some(&c) = b.get(i) else {
            return b.len();
        };
        let next = b.get(i + 1).copied();
        match (top, c) {
            (_, b'\\') => {
                i += 2;
                continue;
            }
            (Nest::Double, b'"') | (Nest::Back, b'`') | (Nest::Paren, b')') | (Nest::Brace, b'}') => {
                stack.pop();
            }
            (Nest::Back, _) => {}
            (_, b'`') => stack.push(Nest::Back),
            (_, b'$') if next == Some(b'(') => {
                stack.push(Nest::Paren);
                i += 1;
            }
            (_, b'$') if next == Some(b'{') => {
                stack.push(Nest::Brace);
                i += 1;
            }
            (Nest::Double, _) => {}
            (_, b'\'') => {
                i = skip_single(b, i + 1);
                continue;
            }
            (_, b'"') => stack.push(Nest::Double),
            (Nest::Paren, b'(') => stack.push(Nest::Paren),
            (Nest::Brace, b'{') => stack.push(Nest::Brace),
            _ => {}
        }
        i += 1;
    }
    i.min(b.len())
}

/// A command the fallback found.
#[derive(Default, Clone)]
struct FbCommand {
    words: Vec<Range<usize>>,
    redirects: Vec<FbRedirect>,
    subshell: bool,
}

/// A redirection the fallback found.
#[derive(Clone)]
struct FbRedirect {
    fd: Option<i32>,
    op: RedirectOp,
    /// `<<-`
    strip: bool,
    /// Where the fd or operator starts.
    start: usize,
    target: Option<Range<usize>>,
}

impl FbCommand {
    fn is_empty(&self) -> bool {
        self.words.is_empty() && self.redirects.is_empty()
    }
}

/// Groups the fallback's tokens into `&&`/`||` lists of pipelines.
#[derive(Default)]
struct Grouper {
    cur: FbCommand,
    pipe: Vec<FbCommand>,
    chain: Vec<(Vec<FbCommand>, bool)>,
    after_or: bool,
    lists: Vec<Vec<(Vec<FbCommand>, bool)>>,
    bodies: Vec<Range<usize>>,
    depth: usize,
    /// In a `for`/`case` header, whose words are no command.
    header: bool,
    /// After `|`, `&&` or `||`: a newline does not end the list.
    continued: bool,
}

impl Grouper {
    fn end_command(&mut self) {
        let cur = std::mem::take(&mut self.cur);
        if !cur.is_empty() {
            self.pipe.push(cur);
        }
        self.header = false;
    }

    fn end_pipeline(&mut self, next_after_or: bool) {
        let pipe = std::mem::take(&mut self.pipe);
        if !pipe.is_empty() {
            self.chain.push((pipe, self.after_or));
        }
        self.after_or = next_after_or;
    }

    fn end_list(&mut self) {
        self.end_command();
        self.end_pipeline(false);
        let chain = std::mem::take(&mut self.chain);
        if !chain.is_empty() {
            self.lists.push(chain);
        }
        self.continued = false;
    }
}

/// The draft of a command the fallback found.
fn fallback_draft<'a>(u: &Unit, c: &FbCommand, bodies: &[Range<usize>], body_index: &mut usize) -> Draft<'a> {
    let mut d = Draft::default();
    let mut leading = true;
    for w in &c.words {
        let b = built_local(u, w.clone());
        if leading && is_assignment(b.word.raw()) {
            d.assignments.push(b);
            continue;
        }
        leading = false;
        let raw = b.word.raw().as_bytes();
        if matches!(raw.first(), Some(b'<' | b'>'))
            && raw.get(1) == Some(&b'(')
            && raw.last() == Some(&b')')
            && raw.len() >= 3
        {
            d.jobs.push((w.start, Job::ProcText(w.start + 2..w.end - 1)));
        }
        d.argv.push(b);
    }
    for r in &c.redirects {
        let target = r.target.clone().map(|t| built_local(u, t));
        let end = target.as_ref().and_then(|t| t.local.as_ref()).map_or(r.start, |l| l.end);
        let heredoc = (r.op == RedirectOp::HereDoc).then(|| {
            let body = bodies.get(*body_index).and_then(|b| u.text.get(b.clone()));
            *body_index += 1;
            let raw = target.as_ref().map_or("", |t| t.word.raw());
            HereDoc { body: body.map(str::to_owned), quoted: raw.contains(['\'', '"', '\\']), strip_tabs: r.strip }
        });
        let redirect =
            Redirect { fd: r.fd, op: r.op, target: target.map(|t| t.word), heredoc, range: u.span(r.start..end) };
        d.redirects.push((redirect, true));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(c: &SimpleCommand) -> Vec<&str> {
        c.argv.iter().map(|w| w.text.as_str()).collect()
    }

    fn names(s: &Script) -> Vec<&str> {
        s.commands.iter().map(SimpleCommand::name).collect()
    }

    fn slice(src: &str, r: TextRange) -> &str {
        r.slice(src)
    }

    #[test]
    fn apt_chain() {
        let src = "apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 ca-certificates && rm -rf /var/lib/apt/lists/*";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert!(!s.fallback);
        assert_eq!(names(&s), ["apt-get", "apt-get", "rm"]);
        assert_eq!(
            argv(&s.commands[1]),
            ["apt-get", "install", "-y", "--no-install-recommends", "curl=7.88.1-10+deb12u5", "ca-certificates"]
        );
        assert_eq!(s.commands.iter().map(|c| c.and_or_index).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(s.commands.iter().all(|c| c.and_or_list == 0));
        assert_eq!(slice(src, s.commands[0].range), "apt-get update");
        let pin = &s.commands[1].argv[4];
        assert_eq!(pin.range, TextRange::new(61, 83));
        assert_eq!(slice(src, pin.range), "curl=7.88.1-10+deb12u5");
        assert!(s.commands[1].assignments.is_empty());
        assert_eq!(slice(src, s.commands[2].range), "rm -rf /var/lib/apt/lists/*");
    }

    #[test]
    fn assignment_word_after_name_is_an_argument() {
        let s = parse_script("apt-get install -y curl=7.88.1-10+deb12u5");
        assert_eq!(argv(&s.commands[0]), ["apt-get", "install", "-y", "curl=7.88.1-10+deb12u5"]);
        let s = parse_script("pip install ansible==2.9.* 'requests>=2'");
        assert_eq!(argv(&s.commands[0]), ["pip", "install", "ansible==2.9.*", "requests>=2"]);
    }

    #[test]
    fn leading_assignments_are_separate() {
        let src = "DEBIAN_FRONTEND=noninteractive TZ=UTC apt-get install -y tzdata";
        let s = parse_script(src);
        let c = &s.commands[0];
        assert_eq!(argv(c), ["apt-get", "install", "-y", "tzdata"]);
        assert_eq!(
            c.assignments.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["DEBIAN_FRONTEND=noninteractive", "TZ=UTC"]
        );
        assert_eq!(c.range, TextRange::new(0, to_u32(src.len())));
        assert_eq!(c.assignments[1].range, TextRange::new(31, 37));
    }

    #[test]
    fn curl_pipe_bash_dash() {
        let src = "curl -fsSL https://deb.nodesource.com/setup_20.x | bash -";
        let s = parse_script(src);
        assert_eq!(names(&s), ["curl", "bash"]);
        assert_eq!(s.pipelines, vec![vec![0, 1]]);
        assert_eq!(s.commands[0].pipeline, Some((0, 0)));
        assert_eq!(s.commands[1].pipeline, Some((0, 1)));
        assert_eq!(argv(&s.commands[1]), ["bash", "-"]);
        assert_eq!(slice(src, s.commands[1].range), "bash -");
        assert_eq!(s.pipe_to_shell(), [PipeToShell { downloader: 0, shell: 1, form: PipeToShellForm::Pipe }]);
    }

    #[test]
    fn official_image_style_case() {
        let src = "set -eux; arch=\"$(dpkg --print-architecture)\"; case \"$arch\" in amd64) url='https://x/amd64.tgz' ;; arm64) url='https://x/arm64.tgz' ;; *) echo >&2 \"unsupported $arch\"; exit 1 ;; esac; wget -O go.tgz \"$url\"";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["set", "", "dpkg", "", "", "echo", "exit", "wget"]);
        let assign = &s.commands[1];
        assert!(assign.argv.is_empty());
        assert_eq!(assign.assignments[0].text, "arch=$(dpkg --print-architecture)");
        let dpkg = &s.commands[2];
        assert_eq!(dpkg.nested, Nesting::Substitution);
        assert_eq!(dpkg.depth, 1);
        assert_eq!(dpkg.parent, Some(1));
        assert_eq!(argv(dpkg), ["dpkg", "--print-architecture"]);
        assert_eq!(slice(src, dpkg.range), "dpkg --print-architecture");
        assert_eq!(s.commands[3].assignments[0].text, "url=https://x/amd64.tgz");
        let echo = &s.commands[5];
        assert_eq!(argv(echo), ["echo", "unsupported $arch"]);
        assert_eq!(echo.redirects[0].op, RedirectOp::DupOutput);
        assert_eq!(echo.redirects[0].target.as_ref().map(|t| t.text.as_str()), Some("2"));
        assert_eq!(slice(src, echo.redirects[0].range), ">&2");
        assert_eq!(argv(&s.commands[7]), ["wget", "-O", "go.tgz", "$url"]);
        assert_eq!(s.commands[7].argv[3].raw(), "\"$url\"");
    }

    #[test]
    fn or_subshell() {
        let src = "pip install -r requirements.txt || (apt-get update && apt-get install -y gcc && pip install -r requirements.txt)";
        let s = parse_script(src);
        assert_eq!(names(&s), ["pip", "apt-get", "apt-get", "pip"]);
        let c = &s.commands;
        assert!(!c[0].in_subshell && c[0].before_or && !c[0].after_or);
        assert!(c[1].in_subshell && c[2].in_subshell && c[3].in_subshell);
        assert_eq!(c[1].and_or_index, 0);
        assert_eq!(c[3].and_or_index, 2);
        assert_ne!(c[0].and_or_list, c[1].and_or_list);
        assert!(!c[1].after_or);
    }

    #[test]
    fn make_with_nproc() {
        let src = "cd /src && make -j\"$(nproc)\" && make install";
        let s = parse_script(src);
        assert_eq!(names(&s), ["cd", "make", "nproc", "make"]);
        assert_eq!(argv(&s.commands[1]), ["make", "-j$(nproc)"]);
        assert_eq!(s.commands[2].parent, Some(1));
        assert_eq!(s.commands[2].range, TextRange::new(21, 26));
        assert_eq!(slice(src, s.commands[2].range), "nproc");
        assert_eq!(s.commands[3].and_or_index, 2);
    }

    #[test]
    fn if_then_export_and_ldflags() {
        let src = "if [ -z \"$VERSION\" ]; then export VERSION=dev; fi && CGO_ENABLED=0 go build -ldflags=\"-X main.version=${VERSION:-dev}\" -o /out/app .";
        let s = parse_script(src);
        assert_eq!(names(&s), ["[", "export", "go"]);
        assert_eq!(argv(&s.commands[0]), ["[", "-z", "$VERSION", "]"]);
        assert_eq!(argv(&s.commands[1]), ["export", "VERSION=dev"]);
        let go = &s.commands[2];
        assert_eq!(go.assignments[0].text, "CGO_ENABLED=0");
        assert_eq!(argv(go), ["go", "build", "-ldflags=-X main.version=${VERSION:-dev}", "-o", "/out/app", "."]);
        assert_eq!(go.and_or_index, 1);
    }

    #[test]
    fn sudo_effective() {
        let s = parse_script("sudo -E apt-get install -y git");
        let c = &s.commands[0];
        assert_eq!(c.name(), "sudo");
        assert_eq!(c.effective_name(), "apt-get");
        assert_eq!(
            c.effective().iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["apt-get", "install", "-y", "git"]
        );
        assert_eq!(c.effective_args().len(), 3);
    }

    #[test]
    fn effective_strips_wrappers() {
        let cases = [
            ("sudo -u root -H env DEBIAN_FRONTEND=noninteractive apt-get -y install x", "apt-get"),
            ("env -i PATH=/bin nice -n 10 /usr/bin/make", "make"),
            ("command -p exec -a foo python3 app.py", "python3"),
            ("find . -print0 | xargs -0 -n 1 -I {} rm {}", "rm"),
            ("time -p nohup pip install x", "pip"),
            ("command -v curl", "command"),
            ("sudo", "sudo"),
            ("env", "env"),
            ("sudo --user=root -- apt-get update", "apt-get"),
        ];
        for (src, want) in cases {
            let s = parse_script(src);
            let last = s.commands.last().unwrap();
            assert_eq!(last.effective_name(), want, "{src}");
        }
    }

    #[test]
    fn heredoc_body_in_text() {
        let src = "cat > /etc/app.conf <<'EOF'\nkey = $value\nEOF\necho done";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["cat", "echo"]);
        let r = &s.commands[0].redirects;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].op, RedirectOp::Write);
        assert_eq!(r[0].target.as_ref().unwrap().text, "/etc/app.conf");
        assert_eq!(slice(src, r[0].range), "> /etc/app.conf");
        assert_eq!(r[1].op, RedirectOp::HereDoc);
        assert_eq!(r[1].target.as_ref().unwrap().text, "EOF");
        assert_eq!(slice(src, r[1].range), "<<'EOF'");
        assert_eq!(
            r[1].heredoc,
            Some(HereDoc { body: Some("key = $value\n".into()), quoted: true, strip_tabs: false })
        );
        assert_eq!(slice(src, s.commands[0].range), "cat > /etc/app.conf <<'EOF'");
    }

    #[test]
    fn heredoc_body_given_separately() {
        let src = "cat <<-EOF > /app/run.sh && chmod +x /app/run.sh";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["cat", "chmod"]);
        assert_eq!(s.commands[0].redirects[0].heredoc, Some(HereDoc { body: None, quoted: false, strip_tabs: true }));
        assert_eq!(slice(src, s.commands[0].redirects[0].range), "<<-EOF");
        let s = parse_script_with_heredocs(src, &["#!/bin/sh\nexec app\n"]);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["cat", "chmod"]);
        assert_eq!(
            s.commands[0].redirects[0].heredoc.as_ref().and_then(|h| h.body.as_deref()),
            Some("#!/bin/sh\nexec app\n")
        );
        assert_eq!(slice(src, s.commands[1].range), "chmod +x /app/run.sh");
    }

    #[test]
    fn expanded_heredoc_substitution() {
        let src = "cat <<EOF > /v\n$(curl -s https://x)\nEOF";
        let s = parse_script(src);
        assert_eq!(names(&s), ["cat", "curl"]);
        assert_eq!(s.commands[1].nested, Nesting::Substitution);
        assert_eq!(slice(src, s.commands[1].range), "curl -s https://x");
    }

    #[test]
    fn wget_pipe_sh_with_args() {
        let src = "wget -qO- https://get.example.com/install.sh | sh -s -- --version 1.2 2>/dev/null || true";
        let s = parse_script(src);
        assert_eq!(names(&s), ["wget", "sh", "true"]);
        let sh = &s.commands[1];
        assert_eq!(argv(sh), ["sh", "-s", "--", "--version", "1.2"]);
        assert_eq!(sh.redirects[0].fd, Some(2));
        assert_eq!(sh.redirects[0].op, RedirectOp::Write);
        assert_eq!(slice(src, sh.redirects[0].range), "2>/dev/null");
        assert!(sh.before_or && s.commands[0].before_or);
        assert!(s.commands[2].after_or);
        assert_eq!(slice(src, sh.range), "sh -s -- --version 1.2 2>/dev/null");
        assert_eq!(s.pipe_to_shell().len(), 1);
    }

    #[test]
    fn for_loop_groups_and_pipes() {
        let src = "for f in $(ls /etc/*.conf); do { echo \"$f\"; cat \"$f\"; } | grep -v '^#' > /tmp/$(basename $f); (cd /tmp && tar czf x.tgz .); done";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["ls", "echo", "cat", "grep", "basename", "cd", "tar"]);
        assert_eq!(s.commands[0].parent, None);
        assert_eq!(s.commands[0].nested, Nesting::Substitution);
        assert_eq!(s.commands[3].pipeline, Some((0, 1)));
        assert_eq!(s.pipelines, vec![vec![3]]);
        assert_eq!(s.commands[4].parent, Some(3));
        assert!(s.commands[5].in_subshell && s.commands[6].in_subshell);
        assert!(!s.commands[1].in_subshell);
    }

    #[test]
    fn bashisms() {
        let src = "[[ -f /etc/os-release ]] && source /etc/os-release; pkgs=(curl git); diff <(sort a) <(sort b); echo $(( 1 + $(nproc) ))";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["source", "", "diff", "sort", "sort", "echo", "nproc"]);
        assert_eq!(s.commands[0].and_or_index, 1);
        assert_eq!(s.commands[1].assignments[0].raw(), "pkgs=(curl git)");
        assert_eq!(argv(&s.commands[2]), ["diff", "<(sort a)", "<(sort b)"]);
        assert_eq!(s.commands[3].nested, Nesting::ProcessSubstitution);
        assert!(s.commands[3].in_subshell);
        assert_eq!(s.commands[3].parent, Some(2));
        assert_eq!(slice(src, s.commands[4].range), "sort b");
        assert_eq!(slice(src, s.commands[6].range), "nproc");
        assert_eq!(s.commands[6].parent, Some(5));
    }

    #[test]
    fn sh_c_substitution() {
        let src = "sh -c \"$(curl -fsSL https://raw.example.com/install.sh)\"";
        let s = parse_script(src);
        assert_eq!(names(&s), ["sh", "curl"]);
        assert_eq!(s.commands[1].nested, Nesting::Substitution);
        assert_eq!(s.commands[1].parent, Some(0));
        assert_eq!(slice(src, s.commands[1].range), "curl -fsSL https://raw.example.com/install.sh");
        assert_eq!(
            s.pipe_to_shell(),
            [PipeToShell { downloader: 1, shell: 0, form: PipeToShellForm::CommandSubstitution }]
        );
    }

    #[test]
    fn sh_c_script_is_parsed() {
        let src = "su-exec app sh -c 'cd /app && npm ci | tee log'";
        let s = parse_script(src);
        assert_eq!(names(&s), ["su-exec", "cd", "npm", "tee"]);
        assert_eq!(s.commands[1].nested, Nesting::ShC);
        assert_eq!(s.commands[1].parent, Some(0));
        assert_eq!(s.commands[1].depth, 1);
        assert_eq!(slice(src, s.commands[1].range), "cd /app");
        assert_eq!(slice(src, s.commands[2].range), "npm ci");
        assert_eq!(s.pipelines, vec![vec![2, 3]]);
    }

    #[test]
    fn sh_c_escaped_script_collapses_ranges() {
        let src = r#"bash -ec "echo \"hi\" && curl -sL x | bash""#;
        let s = parse_script(src);
        assert_eq!(names(&s), ["bash", "echo", "curl", "bash"]);
        let word = s.commands[0].argv[2].range;
        assert_eq!(s.commands[1].range, word);
        assert_eq!(argv(&s.commands[1]), ["echo", "hi"]);
        assert_eq!(s.pipe_to_shell().len(), 1);
        assert_eq!(s.pipe_to_shell()[0].form, PipeToShellForm::Pipe);
    }

    #[test]
    fn process_substitution_to_shell() {
        let s = parse_script("bash <(curl -fsSL https://x/i.sh) --yes");
        assert_eq!(names(&s), ["bash", "curl"]);
        assert_eq!(
            s.pipe_to_shell(),
            [PipeToShell { downloader: 1, shell: 0, form: PipeToShellForm::ProcessSubstitution }]
        );
    }

    #[test]
    fn pipe_to_shell_negatives_and_sudo() {
        for src in [
            "curl -s https://api/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'",
            "curl -sL https://x/a.tgz | tar xz -C /opt",
            "wget -qO- https://x/key | gpg --dearmor -o /k.gpg",
            "curl -s x | bash script.sh",
            "curl -s x | perl -e 'print 1'",
            "VERSION=$(curl -s https://api/latest)",
        ] {
            assert_eq!(parse_script(src).pipe_to_shell(), [], "{src}");
        }
        for src in [
            "curl -sSL https://x | sudo -E bash -s -- -y",
            "wget -O - https://x | tee /tmp/i.sh | sh",
            "curl https://x | python3",
            "curl -fsSL https://x | sudo python3 - --install",
            "eval \"$(curl -fsSL https://x)\"",
            "source <(wget -qO- https://x)",
        ] {
            assert_eq!(parse_script(src).pipe_to_shell().len(), 1, "{src}");
        }
    }

    #[test]
    fn non_ascii_byte_offsets() {
        let src = "echo 'héllo wörld' && ünïcode --flag=日本 \"$(cat fïle)\"";
        let s = parse_script(src);
        assert_eq!(s.error, None);
        assert_eq!(names(&s), ["echo", "ünïcode", "cat"]);
        let hello = &s.commands[0].argv[1];
        assert_eq!(hello.text, "héllo wörld");
        assert_eq!(hello.range, TextRange::new(5, 20));
        assert_eq!(slice(src, hello.range), "'héllo wörld'");
        let uni = &s.commands[1];
        assert_eq!(slice(src, uni.argv[0].range), "ünïcode");
        assert_eq!(uni.argv[0].range, TextRange::new(24, 33));
        assert_eq!(slice(src, uni.argv[1].range), "--flag=日本");
        assert_eq!(uni.argv[2].text, "$(cat fïle)");
        let cat = &s.commands[2];
        assert_eq!(slice(src, cat.range), "cat fïle");
        assert_eq!(slice(src, cat.argv[1].range), "fïle");
        assert_eq!(cat.argv[1].range.end as usize, src.len() - 2);
    }

    #[test]
    fn word_text_unquoting() {
        let src = r#"echo "a b" 'x' a\ b "q\"d" ${V:-x} "$HOME/p" ~/.cache 'it'"'"'s'"#;
        let s = parse_script(src);
        let c = &s.commands[0];
        assert_eq!(argv(c), ["echo", "a b", "x", "a b", "q\"d", "${V:-x}", "$HOME/p", "~/.cache", "it's"]);
        assert_eq!(c.argv[3].raw(), "a\\ b");
        assert_eq!(slice(src, c.argv[8].range), r#"'it'"'"'s'"#);
    }

    #[test]
    fn redirect_forms() {
        let src = "make >/dev/null 2>&1 &>>/log < in.txt 3<> f <<< \"word\"";
        let s = parse_script(src);
        let r: Vec<_> = s.commands[0]
            .redirects
            .iter()
            .map(|r| (r.fd, r.op.as_str(), r.target.as_ref().unwrap().text.as_str(), slice(src, r.range)))
            .collect();
        assert_eq!(
            r,
            [
                (None, ">", "/dev/null", ">/dev/null"),
                (Some(2), ">&", "1", "2>&1"),
                (None, "&>>", "/log", "&>>/log"),
                (None, "<", "in.txt", "< in.txt"),
                (Some(3), "<>", "f", "3<> f"),
                (None, "<<<", "word", "<<< \"word\""),
            ]
        );
        assert_eq!(slice(src, s.commands[0].range), src);
    }

    #[test]
    fn functions_while_until_and_background() {
        let src =
            "f() { apk add --no-cache x; }; f & while read l; do echo $l; done < list; until false; do break; done";
        let s = parse_script(src);
        assert_eq!(names(&s), ["apk", "f", "read", "echo", "false", "break"]);
    }

    #[test]
    fn pipelines_and_positions() {
        let s = parse_script("a | b | c && d | e; f");
        assert_eq!(s.pipelines, vec![vec![0, 1, 2], vec![3, 4]]);
        assert_eq!(s.commands[2].pipeline, Some((0, 2)));
        assert_eq!(s.commands[4].and_or_index, 1);
        assert_eq!(s.commands[5].pipeline, None);
        assert_ne!(s.commands[5].and_or_list, s.commands[0].and_or_list);
    }

    #[test]
    fn backticks_are_followed() {
        let src = "echo `uname -m` done";
        let s = parse_script(src);
        assert_eq!(names(&s), ["echo", "uname"]);
        assert_eq!(slice(src, s.commands[1].range), "uname -m");
        assert_eq!(s.commands[0].argv[1].text, "`uname -m`");
    }

    #[test]
    fn parameter_default_substitution() {
        let src = "echo \"${ARCH:-$(uname -m)}\"";
        let s = parse_script(src);
        assert_eq!(names(&s), ["echo", "uname"]);
        assert_eq!(slice(src, s.commands[1].range), "uname -m");
    }

    #[test]
    fn syntax_error_falls_back() {
        let src = "apt-get update && apt-get install -y 'a b' \"c\" && (echo \"unterminated";
        let s = parse_script(src);
        assert!(s.fallback);
        assert!(s.error.is_some());
        assert_eq!(names(&s), ["apt-get", "apt-get", "echo"]);
        assert_eq!(argv(&s.commands[1]), ["apt-get", "install", "-y", "a b", "c"]);
        assert_eq!(s.commands[1].and_or_index, 1);
        assert_eq!(slice(src, s.commands[1].argv[3].range), "'a b'");
        assert!(s.commands[2].in_subshell);
    }

    #[test]
    fn fallback_structure() {
        let src = "if [ -f x ]; then curl -s x | sh; fi; X=1 make >/dev/null 2>&1 || true; esac )";
        let s = parse_script(src);
        assert!(s.fallback);
        assert_eq!(names(&s), ["[", "curl", "sh", "make", "true"]);
        assert_eq!(s.pipelines, vec![vec![1, 2]]);
        assert_eq!(s.pipe_to_shell().len(), 1);
        let make = &s.commands[3];
        assert_eq!(make.assignments[0].text, "X=1");
        assert!(make.before_or);
        assert!(s.commands[4].after_or);
        assert_eq!(
            make.redirects.iter().map(|r| (r.fd, r.op, slice(src, r.range))).collect::<Vec<_>>(),
            [(None, RedirectOp::Write, ">/dev/null"), (Some(2), RedirectOp::DupOutput, "2>&1")]
        );
    }

    #[test]
    fn fallback_follows_substitutions() {
        let src = "x=$(curl -s https://x) && bash -c \"$x\" )";
        let s = parse_script(src);
        assert!(s.fallback);
        // The script of `bash -c "$x"` is unknown; its literal text is parsed.
        assert_eq!(names(&s), ["", "curl", "bash", "$x"]);
        assert_eq!(slice(src, s.commands[1].range), "curl -s https://x");
        assert_eq!(s.commands[1].parent, Some(0));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!("{}echo hi{}", "$(".repeat(200), ")".repeat(200));
        let s = parse_script(&deep);
        assert!(s.fallback);
        assert!(s.commands.len() <= usize::from(MAX_DEPTH) + 2);
        let parens = "(".repeat(30);
        let s = parse_script(&parens);
        assert!(s.fallback);
        assert_eq!(s.error.as_deref(), Some("script has too many unclosed `(` to parse as shell"));
        let sh = "sh -c \"sh -c 'echo ok'\"";
        let s = parse_script(sh);
        assert_eq!(names(&s), ["sh", "sh", "echo"]);
        assert_eq!(s.commands[2].depth, 2);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for src in [
            "",
            "   ",
            "\n\n",
            "# only a comment",
            "99999999999>x",
            "echo ~99999999999999999999999/x",
            "cat <<",
            "echo $((",
            "echo ${",
            "))))",
            "a=(",
            "\u{0}\u{7f}\r\n",
            "é ü ö",
            "`",
            "\\",
            "case",
            "sudo -u",
            "x=~99999999999999999999999 y",
            "<<EOF",
            "cat <<A <<B\nx\nA",
        ] {
            let s = parse_script(src);
            for c in &s.commands {
                assert!(c.range.end as usize <= src.len(), "{src:?}");
                for w in &c.argv {
                    assert!(w.range.end as usize <= src.len(), "{src:?}");
                }
            }
        }
        assert!(parse_script("99999999999>x").fallback);
    }

    #[test]
    fn plain_words_are_what_brush_says() {
        for raw in [
            "apt-get",
            "-y",
            "--no-install-recommends",
            "curl=7.88.1-10",
            "/usr/local/bin",
            "a,b:c+d@e%f",
            "x=",
            "=",
            "1",
        ] {
            assert!(is_plain_word(raw));
            let opts = ParserOptions::default();
            let pieces = brush_parser::word::parse(raw, &opts).unwrap_or_default();
            assert_eq!(pieces.len(), 1, "{raw}");
            assert!(matches!(&pieces[0].piece, WordPiece::Text(t) if t == raw), "{raw}: {pieces:?}");
            assert_eq!((pieces[0].start_index, pieces[0].end_index), (0, raw.len()));
        }
        for raw in ["", "~x", "$a", "'a'", "a*", "a[b]", "a\\b", "{a,b}", "a b", "!x", "#"] {
            assert!(!is_plain_word(raw), "{raw}");
        }
    }

    /// Parses `src` on another thread and fails if that takes more than a few
    /// seconds, so a hang in brush fails the test instead of stalling it.
    fn parse_within_time_limit(src: &str) -> Script {
        let (tx, rx) = std::sync::mpsc::channel();
        let owned = src.to_owned();
        std::thread::spawn(move || {
            let _ = tx.send(parse_script(&owned));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(s) => s,
            Err(e) => panic!("parse_script did not finish on {src:?}: {e}"),
        }
    }

    /// Inputs on which brush-parser 0.4.0 hangs (loops forever, or backtracks
    /// for minutes): they must take the fallback, quickly.
    #[test]
    fn brush_hangs_are_avoided() {
        let cases = [
            // A CR as the heredoc delimiter, then blanks: brush loops at end of input.
            "cat <<\r  ",
            "cat <<\r ",
            "cat <<-\r ",
            // Two blanks before the delimiter inside `$(`: the same loop.
            "$(cat <<  x ",
            "echo $(x <<  x ",
            // A substitution as the delimiter.
            "cat <<$( (",
            // Unclosed `$((` and `$(`: exponential backtracking, ×4 per level.
            "echo $(($(($(($(($(($(($(($(($(($(($((",
            "echo $($($($($($($($($($($($($($($($(",
            "$(($(($(($(($(($(($(($(($(($(($(($(($(($(($(($(($(($(($(($((",
        ];
        for src in cases {
            let s = parse_within_time_limit(src);
            assert!(s.fallback, "{src:?} reached brush");
        }
    }

    /// Inputs (found by fuzzing, then shrunk) on which brush-parser 0.4.0
    /// panics: they must not reach it at all.
    #[test]
    fn brush_panics_are_avoided() {
        for src in ["''<<}|${", "<<*;${*}''$(", "<<2\t$[ ]$(", "<<]($[", "<<<<</ $[\n]", "$(())'' 9999999999\\\n<<<"] {
            let s = parse_within_time_limit(src);
            assert!(s.fallback, "{src:?} reached brush");
            assert_ne!(s.error.as_deref(), Some("the shell parser failed on this script"), "{src:?} reached brush");
        }
    }

    #[test]
    fn hostile_inputs_take_the_fallback_with_a_reason() {
        let s = parse_script("cat <<\r ");
        assert_eq!(s.error.as_deref(), Some("script has a heredoc delimiter the shell parser cannot read"));
        let s = parse_script("echo $(($(($((");
        assert_eq!(s.error.as_deref(), Some("script has too many unclosed `(` to parse as shell"));
        let deep = format!("echo {}1{}", "$((".repeat(7), "))".repeat(7));
        let s = parse_script(&deep);
        assert_eq!(s.error.as_deref(), Some("script nests `(` too deeply to parse as shell"));
        // The fallback still finds the commands.
        let s = parse_script("apt-get install -y curl && cat <<\rEOF > /x");
        assert!(s.fallback);
        assert_eq!(names(&s), ["apt-get", "cat"]);
        // Ordinary heredocs, here-strings, shifts and a few parens still reach brush.
        for src in [
            "cat <<EOF > /x\nhi\nEOF",
            "cat <<-'EOF' > /x\n\thi\n\tEOF",
            "cat << EOF\nx\nEOF",
            "grep x <<< \"$v\"",
            "echo $((1 << 2)) $(( (1+2) * (3+4) ))",
            "(cd /x && (make || (echo $(date) && false)))",
        ] {
            let s = parse_script(src);
            assert!(!s.fallback, "{src:?}: {:?}", s.error);
        }
    }

    #[test]
    fn huge_input_uses_fallback() {
        let src = "apt-get install -y foo && ".repeat(8000) + "true";
        let s = parse_script(&src);
        assert!(s.fallback);
        assert_eq!(s.commands.len(), 8001);
        assert_eq!(s.commands[7999].and_or_index, 7999);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn check(src: &str) {
            let s = parse_script(src);
            let len = to_u32(src.len());
            for c in &s.commands {
                assert!(c.range.start <= c.range.end && c.range.end <= len);
                for w in c.argv.iter().chain(&c.assignments) {
                    assert!(w.range.end <= len);
                    assert!(src.is_char_boundary(w.range.start as usize));
                    assert!(src.is_char_boundary(w.range.end as usize));
                }
                if let Some(p) = c.parent {
                    assert!(p < s.commands.len());
                }
            }
            for p in &s.pipelines {
                assert!(p.iter().all(|&i| i < s.commands.len()));
            }
            let _ = s.pipe_to_shell();
        }

        /// [`guard`] as it was written first: every check over every byte. The
        /// quick version must give the same answer.
        fn guard_by_every_byte(text: &str) -> Option<&'static str> {
            if text.len() > MAX_PARSE_LEN {
                return Some("script too long to parse as shell");
            }
            if nesting(text) > MAX_NESTING {
                return Some("script nests too deeply to parse as shell");
            }
            let b = text.as_bytes();
            let mut run = 0usize;
            let mut digits = 0usize;
            let mut i = 0;
            while let Some(&c) = b.get(i) {
                i += 1;
                if c == b'\\' && b.get(i) == Some(&b'\n') {
                    // A line continuation joins the digits on both sides.
                    i += 1;
                    continue;
                }
                match c {
                    b'(' => run += 1,
                    b' ' | b'\t' | b'\n' => {}
                    _ => run = 0,
                }
                if run > MAX_PAREN_RUN {
                    return Some("script has too many unclosed `(` to parse as shell");
                }
                // brush unwraps the fd number before `<`/`>` into an i32.
                if matches!(c, b'<' | b'>') && digits >= 10 {
                    return Some("script has a redirection fd too large to parse as shell");
                }
                digits = if c.is_ascii_digit() { digits + 1 } else { 0 };
            }
            let (depth, unclosed) = paren_depth(b);
            if depth > MAX_PAREN_DEPTH {
                return Some("script nests `(` too deeply to parse as shell");
            }
            if unclosed > MAX_UNCLOSED_PARENS {
                return Some("script has too many unclosed `(` to parse as shell");
            }
            if odd_heredoc(b) {
                return Some("script has a heredoc delimiter the shell parser cannot read");
            }
            if heredoc_with_unclosed_bracket(text) {
                return Some("script has a heredoc and an unclosed bracket, which the shell parser cannot read");
            }
            None
        }

        #[test]
        fn guard_matches_every_byte_guard_on_edge_cases() {
            let cases = [
                "(".repeat(11),
                format!("{}cmd", "( ".repeat(11)),
                format!("1234567890> x; {}", "(".repeat(11)),
                format!("{} 1234567890> x", "(".repeat(11)),
                "12345\\\n67890< x".to_owned(),
                "12345\\\\\n67890< x".to_owned(),
                "if ".repeat(41),
                "do do do".repeat(20),
                "[".repeat(41),
                "$(((((echo a".to_owned(),
                "cat <<EOF\nx\nEOF".to_owned(),
                "cat <<  EOF".to_owned(),
                "cat << (EOF\n".to_owned(),
            ];
            for c in &cases {
                assert_eq!(guard(c), guard_by_every_byte(c), "{c:?}");
            }
            assert!(cases.iter().filter(|c| guard(c).is_some()).count() >= 9);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn plain_words_match_brush(raw in "[a-zA-Z0-9_./=:,+@%-]{1,12}") {
                let pieces = brush_parser::word::parse(&raw, &ParserOptions::default()).unwrap_or_default();
                prop_assert_eq!(pieces.len(), 1);
                prop_assert!(matches!(&pieces[0].piece, WordPiece::Text(t) if *t == raw));
            }

            #[test]
            fn guard_matches_every_byte_guard(
                src in proptest::collection::vec(
                    prop::sample::select(vec![
                        "(", ")", "((((((", "{", "}", "[", "]", "<", ">", "<<", "<<-", "<<<", "\\", "\n",
                        "\\\n", " ", "\t", "1", "23456", "if ", " do ", "case", "fi", "done", "$(", "`",
                        "EOF", "\r", "$", "a", "x;", "|", "&",
                    ]),
                    0..60,
                ).prop_map(|parts| parts.concat())
            ) {
                prop_assert_eq!(guard(&src), guard_by_every_byte(&src), "{:?}", src);
            }

            #[test]
            fn never_panics_on_arbitrary_strings(src in "\\PC{0,80}") {
                check(&src);
            }

            #[test]
            fn never_panics_on_shell_like_strings(
                src in "([a-z0-9 é=\\-./~]|[|&;<>()$`'\"\\\\{}\\[\\]#\n]|\\$\\(|\\)|<<|EOF|sh -c |curl |if |then |fi|case |esac|do |done){0,40}"
            ) {
                check(&src);
            }
        }
    }
}
