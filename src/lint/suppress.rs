//! Inline suppressions: hadolint's comment pragmas, read from a parsed
//! [`Dockerfile`]'s comments so `# hadolint ignore=DL3008` keeps working, and the
//! same pragmas under drydock's own name.
//!
//! ```dockerfile
//! # hadolint global ignore=DL3059        the whole file
//! FROM debian:12 AS build
//! # hadolint stage ignore=DL3008         from the next instruction to the end of its stage
//! # drydock ignore=DD012, SC2086 # why    the next instruction, all of its lines
//! RUN apt-get update \
//! # hadolint ignore=DL3015                inside a continuation: the next line only
//!   && apt-get install -y curl
//! # hadolint shell=powershell            RUN bodies below are not POSIX shell
//! ```
//!
//! Grammar: optional spaces, `hadolint` or `drydock`, spaces, then `ignore`,
//! `global ignore`, `stage ignore` or `shell`, then `=` (spaces around it are
//! fine) and a comma-separated list of codes (spaces after commas are fine) or a
//! shell name, then optionally a reason after `#`. Keywords and codes are matched
//! without regard to case. A code is letters then digits (`DL3008`, `SC2086`,
//! `DD001`); one bad code voids the whole pragma, as in hadolint. A comment that
//! starts like a pragma (`# hadolint ignore …`) but does not parse is kept as
//! [`PragmaKind::Malformed`] so a rule can point at it; it suppresses nothing.
//!
//! Where a pragma applies ([`Applies`]):
//! - `ignore=` applies to the instruction that starts on the next line, over all
//!   of its lines (drydock reports findings on the exact line, hadolint on the
//!   instruction's first line, so the whole instruction must be covered). Other
//!   comment lines may sit in between, so pragmas for both tools can be stacked;
//!   a blank line or anything else in between detaches the pragma, as in
//!   hadolint. Inside a continued instruction it applies to the next physical line
//!   only (hadolint's "next line").
//! - `stage ignore=` applies from the next instruction to the end of that
//!   instruction's stage; written above a `FROM`, to that whole stage. (hadolint
//!   leaves out the line right after the pragma and includes the next `FROM`
//!   line; drydock covers what the pragma's position says.)
//! - `global ignore=` applies to the whole file, wherever it is written.
//!
//! Every file hadolint suppresses a finding in is suppressed here too, except a
//! finding on the next stage's `FROM` line under a `stage ignore` of the stage
//! before; migrating to drydock does not resurface accepted findings.
//!
//! `shell=NAME` (hadolint's way of saying a base image's shell is not POSIX) is
//! exposed through [`Suppressions::shell`] and [`Suppressions::shell_at`]; the
//! rules that read RUN bodies decide what to skip. Pragmas in heredoc bodies are
//! text, not comments, and are not read.

use crate::lint::HashMap;

use super::parser::{Dockerfile, Keyword};
use super::source::TextRange;

/// Which tool a pragma names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    /// `# hadolint …`.
    Hadolint,
    /// `# drydock …`.
    Drydock,
}

impl Tool {
    /// The name as written in the pragma, lowercase.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Hadolint => "hadolint",
            Tool::Drydock => "drydock",
        }
    }
}

/// How far an ignore pragma says it reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reach {
    /// `ignore=`: the next instruction.
    Next,
    /// `stage ignore=`: the rest of the stage.
    Stage,
    /// `global ignore=`: the whole file.
    Global,
}

/// The lines an ignore pragma covers in this file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Applies {
    /// Every line.
    File,
    /// 1-based lines `start..=end`.
    Lines {
        /// First covered line.
        start: u32,
        /// Last covered line.
        end: u32,
    },
    /// Nothing: no instruction follows where the pragma expects one.
    Nothing,
}

/// What a pragma says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PragmaKind {
    /// `ignore=`, `stage ignore=` or `global ignore=`.
    Ignore {
        /// What was written.
        reach: Reach,
        /// The codes, uppercase, in the order written.
        codes: Vec<String>,
        /// What it covers in this file.
        applies: Applies,
    },
    /// `shell=NAME`.
    Shell {
        /// The shell name as written (`powershell`, `cmd`, `/bin/bash`).
        shell: String,
    },
    /// Starts like a pragma but does not parse; suppresses nothing.
    Malformed {
        /// What is wrong and how to write it (lowercase, no trailing period).
        message: String,
    },
}

/// One pragma comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pragma {
    /// The tool it names.
    pub tool: Tool,
    /// What it says.
    pub kind: PragmaKind,
    /// The comment, from `#` to the end of the line.
    pub range: TextRange,
    /// 1-based line of the comment.
    pub line: u32,
}

/// The suppressions of one file.
#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    pragmas: Vec<Pragma>,
    /// The shell named by the file's first `shell=` pragma, if any; see
    /// [`Suppressions::shell_at`] for the shell in force at a given line.
    pub shell: Option<String>,
    /// Uppercase code → indexes of the global pragmas naming it.
    global: HashMap<String, Vec<usize>>,
    /// Uppercase code → the line-scoped pragmas naming it.
    scoped: HashMap<String, Scoped>,
    /// `(pragma line, last line in force, shell)`, in file order.
    shells: Vec<(u32, u32, String)>,
}

/// The line-scoped pragmas of one code: `(start, end, pragma index)`, sorted by start line once the file is
/// read, with the furthest end line reached by each prefix. Finding the pragmas that cover a line is then a
/// binary search and a walk back that stops where no earlier range reaches the line, so a file with
/// thousands of pragmas and findings stays linear.
#[derive(Clone, Debug, Default)]
struct Scoped {
    ranges: Vec<(u32, u32, usize)>,
    reach: Vec<u32>,
}

impl Scoped {
    fn finish(&mut self) {
        self.ranges.sort_by_key(|&(start, _, _)| start);
        let mut furthest = 0;
        self.reach = self
            .ranges
            .iter()
            .map(|&(_, end, _)| {
                furthest = furthest.max(end);
                furthest
            })
            .collect();
    }

    /// Pragma indexes of the ranges covering `line`, in no set order.
    fn covering(&self, line: u32) -> impl Iterator<Item = usize> + '_ {
        let upto = self.ranges.partition_point(|&(start, _, _)| start <= line);
        self.ranges
            .get(..upto)
            .unwrap_or_default()
            .iter()
            .zip(self.reach.get(..upto).unwrap_or_default())
            .rev()
            .take_while(move |&(_, &reach)| reach >= line)
            .filter(move |&(&(_, end, _), _)| end >= line)
            .map(|(&(_, _, index), _)| index)
    }
}

/// Where instructions and stages are, by line, for placing pragmas.
struct Layout {
    /// `(start_line, end_line)` of each instruction, sorted by start.
    spans: Vec<(u32, u32)>,
    /// `(start_line, end_line)` of each stage (from a FROM, or the file's start,
    /// to the last instruction before the next FROM), sorted.
    stages: Vec<(u32, u32)>,
    /// Line ranges of heredoc bodies, where `#` lines are text.
    heredocs: Vec<(u32, u32)>,
    /// Start lines of the FROM instructions, sorted.
    froms: Vec<u32>,
    /// The last line of the file that anything covers.
    last_line: u32,
}

impl Layout {
    fn new(file: &Dockerfile) -> Self {
        let mut spans: Vec<(u32, u32)> =
            file.instructions.iter().map(|i| (i.start_line, i.end_line.max(i.start_line))).collect();
        spans.sort_unstable();
        let mut froms: Vec<u32> =
            file.instructions.iter().filter(|i| i.keyword == Keyword::From).map(|i| i.start_line).collect();
        froms.sort_unstable();
        let last_line = spans.iter().map(|s| s.1).chain(file.comments.iter().map(|c| c.line)).max().unwrap_or(0);
        let mut stages = Vec::new();
        let mut begin = spans.first().map_or(1, |s| s.0);
        for (i, &from) in froms.iter().enumerate() {
            if from > begin {
                stages.push((begin, last_end_before(&spans, from).max(begin)));
            }
            begin = from;
            if i + 1 == froms.len() {
                stages.push((from, spans.last().map_or(from, |s| s.1.max(from))));
            }
        }
        if froms.is_empty() && !spans.is_empty() {
            stages.push((begin, spans.last().map_or(begin, |s| s.1)));
        }
        let mut heredocs: Vec<(u32, u32)> = file
            .instructions
            .iter()
            .filter_map(|i| {
                let start = i.heredocs.iter().map(|h| h.body_start_line).min()?;
                Some((start, i.end_line.max(start)))
            })
            .collect();
        heredocs.sort_unstable();
        Self { spans, stages, heredocs, froms, last_line }
    }

    /// The instruction starting exactly on `line`.
    fn starting_at(&self, line: u32) -> Option<(u32, u32)> {
        self.spans.binary_search_by_key(&line, |s| s.0).ok().and_then(|i| self.spans.get(i).copied())
    }

    /// The instruction whose lines include `line`.
    fn containing(&self, line: u32) -> Option<(u32, u32)> {
        let idx = self.spans.partition_point(|s| s.0 <= line);
        let span = self.spans.get(idx.checked_sub(1)?)?;
        (line <= span.1).then_some(*span)
    }

    /// The first instruction starting after `line`.
    fn next_after(&self, line: u32) -> Option<(u32, u32)> {
        let idx = self.spans.partition_point(|s| s.0 <= line);
        self.spans.get(idx).copied()
    }

    /// The stage that holds the instruction starting at `start`.
    fn stage_of(&self, start: u32) -> Option<(u32, u32)> {
        let idx = self.stages.partition_point(|s| s.0 <= start);
        self.stages.get(idx.checked_sub(1)?).copied()
    }

    /// The last line a `shell=` pragma on `line` is in force: the end of its
    /// stage, or the end of the file when it comes before the first FROM.
    fn shell_until(&self, line: u32) -> u32 {
        let next_from = self.froms.iter().find(|&&f| f > line);
        match (self.froms.first(), next_from) {
            (Some(&first), Some(&next)) if first <= line => next.saturating_sub(1).max(line),
            _ => self.last_line.max(line),
        }
    }

    fn in_heredoc(&self, line: u32) -> bool {
        let idx = self.heredocs.partition_point(|h| h.0 <= line);
        idx.checked_sub(1).and_then(|i| self.heredocs.get(i)).is_some_and(|h| line <= h.1)
    }
}

/// The last line of the instructions that start before `line`.
fn last_end_before(spans: &[(u32, u32)], line: u32) -> u32 {
    // Instructions do not overlap, so the one starting last before `line` ends last.
    let idx = spans.partition_point(|s| s.0 < line);
    idx.checked_sub(1).and_then(|i| spans.get(i)).map_or(0, |s| s.1)
}

impl Suppressions {
    /// Collects the pragmas of `file`.
    pub fn from_dockerfile(file: &Dockerfile) -> Self {
        let is_pragma = |text: &str| {
            let t = text.trim_start().as_bytes();
            t.len() >= 7
                && (t[..7].eq_ignore_ascii_case(b"drydock") || t.len() >= 8 && t[..8].eq_ignore_ascii_case(b"hadolint"))
        };
        if !file.comments.iter().any(|c| is_pragma(&c.text)) {
            return Self::default();
        }
        let layout = Layout::new(file);
        let mut comments: Vec<_> = file.comments.iter().filter(|c| !layout.in_heredoc(c.line)).collect();
        comments.sort_by_key(|c| c.line);
        // The first line after each comment that is not itself a comment.
        let mut below: HashMap<u32, u32> =
            HashMap::with_capacity_and_hasher(comments.len(), foldhash::fast::RandomState::default());
        for c in comments.iter().rev() {
            let next = c.line.saturating_add(1);
            let target = below.get(&next).copied().unwrap_or(next);
            below.insert(c.line, target);
        }
        let mut out = Self::default();
        for c in comments {
            let Some((tool, parsed)) = parse_pragma(&c.text) else {
                continue;
            };
            let index = out.pragmas.len();
            let kind = match parsed {
                Parsed::Ignore(reach, codes) => {
                    let applies = match reach {
                        Reach::Global => Applies::File,
                        Reach::Next => {
                            let target = below.get(&c.line).copied().unwrap_or(c.line.saturating_add(1));
                            next_target(&layout, c.line, target)
                        }
                        Reach::Stage => stage_target(&layout, c.line),
                    };
                    for code in &codes {
                        match applies {
                            Applies::File => {
                                out.global.entry(code.clone()).or_default().push(index);
                            }
                            Applies::Lines { start, end } => {
                                out.scoped.entry(code.clone()).or_default().ranges.push((start, end, index));
                            }
                            Applies::Nothing => {}
                        }
                    }
                    PragmaKind::Ignore { reach, codes, applies }
                }
                Parsed::Shell(shell) => {
                    let until = layout.shell_until(c.line);
                    out.shells.push((c.line, until, shell.clone()));
                    if out.shell.is_none() {
                        out.shell = Some(shell.clone());
                    }
                    PragmaKind::Shell { shell }
                }
                Parsed::Malformed(message) => PragmaKind::Malformed { message },
            };
            out.pragmas.push(Pragma { tool, kind, range: c.range, line: c.line });
        }
        for scoped in out.scoped.values_mut() {
            scoped.finish();
        }
        out
    }

    /// Whether the file has no pragma at all (nothing is suppressed).
    pub fn is_empty(&self) -> bool {
        self.pragmas.is_empty()
    }

    /// Whether a finding of `code` on 1-based `line` is suppressed.
    pub fn is_suppressed(&self, code: &str, line: u32) -> bool {
        if self.pragmas.is_empty() {
            return false;
        }
        let code = code.trim().to_ascii_uppercase();
        self.global.contains_key(&code) || self.scoped.get(&code).is_some_and(|s| s.covering(line).next().is_some())
    }

    /// Indexes into [`Suppressions::pragmas`] of every pragma that suppresses
    /// `code` on `line`, line-scoped ones first; empty when none does. A rule
    /// that flags unused pragmas marks these as used.
    pub fn suppressors(&self, code: &str, line: u32) -> Vec<usize> {
        let code = code.trim().to_ascii_uppercase();
        // In the order the pragmas were read (their indexes), as before the ranges were sorted.
        let mut out: Vec<usize> = self.scoped.get(&code).map(|s| s.covering(line).collect()).unwrap_or_default();
        out.sort_unstable();
        out.extend(self.global.get(&code).into_iter().flatten().copied());
        out
    }

    /// Every pragma in the file, in line order, with what it covers.
    pub fn pragmas(&self) -> &[Pragma] {
        &self.pragmas
    }

    /// The shell a `shell=` pragma declares for 1-based `line`: the latest one
    /// above it in the same stage, else the latest one above the first `FROM`
    /// (which hadolint treats as the default for every stage).
    pub fn shell_at(&self, line: u32) -> Option<&str> {
        self.shells.iter().rev().find(|(at, until, _)| *at < line && line <= *until).map(|(_, _, s)| s.as_str())
    }
}

/// Where an `ignore=` pragma on `line` lands, given the first non-comment line
/// `target` below it.
fn next_target(layout: &Layout, line: u32, target: u32) -> Applies {
    if let Some((start, end)) = layout.starting_at(target) {
        return Applies::Lines { start, end };
    }
    match (layout.containing(line), layout.containing(target)) {
        (Some(outer), Some(inner)) if outer == inner => Applies::Lines { start: target, end: target },
        _ => Applies::Nothing,
    }
}

/// Where a `stage ignore=` pragma on `line` lands.
fn stage_target(layout: &Layout, line: u32) -> Applies {
    let Some((start, _)) = layout.next_after(line) else {
        return Applies::Nothing;
    };
    match layout.stage_of(start) {
        Some((_, end)) => Applies::Lines { start, end: end.max(start) },
        None => Applies::Nothing,
    }
}

/// A parsed pragma, before it is placed.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    Ignore(Reach, Vec<String>),
    Shell(String),
    Malformed(String),
}

/// Splits a leading run of ASCII letters off `s`.
fn word(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(s.len());
    s.split_at(end)
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Reads a comment's text (after `#`, trimmed) as a pragma. `None` when it is
/// an ordinary comment.
fn parse_pragma(text: &str) -> Option<(Tool, Parsed)> {
    let (name, rest) = word(text.trim_start_matches(is_space));
    let tool = if name.eq_ignore_ascii_case("hadolint") {
        Tool::Hadolint
    } else if name.eq_ignore_ascii_case("drydock") {
        Tool::Drydock
    } else {
        return None;
    };
    let after_tool = rest.trim_start_matches(is_space);
    if after_tool.len() == rest.len() {
        return None;
    }
    let (first, after_first) = word(after_tool);
    let is_keyword = ["ignore", "global", "stage", "shell"].iter().any(|k| first.eq_ignore_ascii_case(k));
    let boundary = after_first.chars().next().is_none_or(|c| is_space(c) || c == '=');
    if !is_keyword || !boundary {
        return None;
    }
    let t = tool.as_str();
    let parsed = if first.eq_ignore_ascii_case("global") || first.eq_ignore_ascii_case("stage") {
        let reach = if first.eq_ignore_ascii_case("global") { Reach::Global } else { Reach::Stage };
        let scope = first.to_ascii_lowercase();
        let (second, after_second) = word(after_first.trim_start_matches(is_space));
        if second.eq_ignore_ascii_case("ignore") {
            ignore_list(reach, after_second, &format!("{t} {scope} ignore"))
        } else if second.eq_ignore_ascii_case("shell") {
            Parsed::Malformed(format!(
                "`shell=` applies from where it is written; drop `{scope}` and write `# {t} shell=NAME`"
            ))
        } else {
            Parsed::Malformed(format!("expected `ignore=` after `{scope}`, like `# {t} {scope} ignore=DL3008`"))
        }
    } else if first.eq_ignore_ascii_case("ignore") {
        ignore_list(Reach::Next, after_first, &format!("{t} ignore"))
    } else {
        shell_name(after_first, t)
    };
    Some((tool, parsed))
}

/// After `ignore`: `= CODE, CODE # reason`.
fn ignore_list(reach: Reach, rest: &str, written: &str) -> Parsed {
    let Some(list) = rest.trim_start_matches(is_space).strip_prefix('=') else {
        return Parsed::Malformed(format!("expected `=` after `ignore`, like `# {written}=DL3008`"));
    };
    // An inline reason runs from `#` to the end.
    let list = list.split_once('#').map_or(list, |(l, _)| l);
    let mut codes = Vec::new();
    for item in list.split(',') {
        let item = item.trim_matches(is_space);
        if item.is_empty() {
            return Parsed::Malformed(if codes.is_empty() && list.trim().is_empty() {
                format!("`ignore=` names no rule; write `# {written}=DL3008`")
            } else {
                "a rule code is missing between commas; remove the extra `,`".to_string()
            });
        }
        if item.contains(is_space) {
            return Parsed::Malformed(format!(
                "unexpected text `{item}` in the rule list; separate codes with `,` and start a reason with `#`"
            ));
        }
        if !looks_like_code(item) {
            return Parsed::Malformed(format!(
                "`{item}` is not a rule code (letters then digits, like DL3008); the pragma is ignored"
            ));
        }
        let code = item.to_ascii_uppercase();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Parsed::Ignore(reach, codes)
}

/// After `shell`: `= NAME # reason`.
fn shell_name(rest: &str, tool: &str) -> Parsed {
    let Some(value) = rest.trim_start_matches(is_space).strip_prefix('=') else {
        return Parsed::Malformed(format!("expected `=` after `shell`, like `# {tool} shell=powershell`"));
    };
    let value = value.split_once('#').map_or(value, |(v, _)| v);
    let value = value.trim_matches(is_space);
    if value.is_empty() {
        return Parsed::Malformed(format!("`shell=` names no shell; write `# {tool} shell=powershell`"));
    }
    if value.contains(is_space) {
        return Parsed::Malformed(format!(
            "unexpected text after the shell name in `{value}`; start a reason with `#`"
        ));
    }
    Parsed::Shell(value.to_string())
}

/// `DL3008`, `SC2086`, `DD001`: ASCII letters, then ASCII digits.
fn looks_like_code(code: &str) -> bool {
    let letters = code.bytes().take_while(u8::is_ascii_alphabetic).count();
    let digits = code.get(letters..).unwrap_or("");
    letters > 0 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::parser::{Comment, Heredoc, Instruction, JoinedText};

    /// An instruction spanning `start..=end`; only lines and keyword matter here.
    fn inst(keyword: &str, start: u32, end: u32) -> Instruction {
        Instruction {
            keyword: Keyword::parse(keyword),
            name: keyword.to_string().into(),
            name_range: TextRange::default(),
            range: TextRange::default(),
            start_line: start,
            end_line: end,
            flags: Vec::new(),
            args: Vec::new(),
            json: false,
            heredocs: Vec::new(),
            sub: None,
            text: JoinedText::default(),
        }
    }

    /// A rough Dockerfile reader for tests: `#` lines are comments (also inside
    /// continuations), a trailing `\` continues, `<<WORD` opens a heredoc that
    /// the line `WORD` closes. Ranges are the byte spans of comment lines.
    fn df(src: &str) -> Dockerfile {
        let mut file = Dockerfile { escape: '\\', ..Dockerfile::default() };
        let mut open: Option<Instruction> = None;
        let mut heredoc: Option<String> = None;
        let mut offset = 0u32;
        for (idx, raw) in src.split('\n').enumerate() {
            let n = u32::try_from(idx).unwrap() + 1;
            let len = u32::try_from(raw.len()).unwrap();
            let t = raw.trim();
            if let Some(delim) = &heredoc {
                let cur = open.as_mut().unwrap();
                cur.end_line = n;
                if t == delim {
                    heredoc = None;
                    file.instructions.push(open.take().unwrap());
                }
            } else if let Some(text) = t.strip_prefix('#') {
                let start = offset + u32::try_from(raw.find('#').unwrap()).unwrap();
                file.comments.push(Comment {
                    text: text.trim().to_string(),
                    range: TextRange::new(start, offset + len),
                    line: n,
                });
            } else if t.is_empty() {
            } else {
                let cur = open.get_or_insert_with(|| inst(t.split_whitespace().next().unwrap(), n, n));
                cur.end_line = n;
                if let Some(pos) = t.find("<<") {
                    let word: String =
                        t[pos + 2..].trim_start_matches('-').chars().take_while(char::is_ascii_alphanumeric).collect();
                    cur.heredocs.push(Heredoc {
                        name: word.clone(),
                        strip_tabs: false,
                        quoted: false,
                        content: String::new(),
                        body_range: TextRange::default(),
                        terminated: true,
                        body_start_line: n + 1,
                    });
                    heredoc = Some(word);
                } else if !t.ends_with('\\') {
                    file.instructions.push(open.take().unwrap());
                }
            }
            offset += len + 1;
        }
        if let Some(cur) = open {
            file.instructions.push(cur);
        }
        file
    }

    fn sup(src: &str) -> Suppressions {
        Suppressions::from_dockerfile(&df(src))
    }

    /// The (line, code) pairs among `lines` × `codes` that are suppressed.
    fn suppressed(s: &Suppressions, codes: &[&str], lines: u32) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for line in 1..=lines {
            for code in codes {
                if s.is_suppressed(code, line) {
                    out.push((line, (*code).to_string()));
                }
            }
        }
        out
    }

    fn hits(pairs: &[(u32, &str)]) -> Vec<(u32, String)> {
        pairs.iter().map(|(l, c)| (*l, (*c).to_string())).collect()
    }

    fn parsed(text: &str) -> Option<Parsed> {
        parse_pragma(text).map(|(_, p)| p)
    }

    fn ignore(reach: Reach, codes: &[&str]) -> Option<Parsed> {
        let codes: Vec<String> = codes.iter().map(|c| (*c).to_string()).collect();
        (!codes.is_empty()).then_some(Parsed::Ignore(reach, codes))
    }

    #[test]
    fn ignore_applies_to_the_next_instruction_only() {
        let s = sup("FROM ubuntu\n# hadolint ignore=DL3002\nUSER root\nUSER root\n");
        assert_eq!(suppressed(&s, &["DL3002", "DL3001"], 4), hits(&[(3, "DL3002")]));
    }

    #[test]
    fn ignore_covers_every_line_of_a_continued_instruction() {
        let s = sup(
            "FROM a\n# hadolint ignore=DL3008\nRUN apt-get update \\\n  && apt-get install -y curl \\\n  && true\nRUN x\n",
        );
        assert_eq!(suppressed(&s, &["DL3008"], 6), hits(&[(3, "DL3008"), (4, "DL3008"), (5, "DL3008")]));
        let p = &s.pragmas()[0];
        assert_eq!(
            p.kind,
            PragmaKind::Ignore {
                reach: Reach::Next,
                codes: vec!["DL3008".into()],
                applies: Applies::Lines { start: 3, end: 5 }
            }
        );
        assert_eq!((p.tool, p.line), (Tool::Hadolint, 2));
    }

    #[test]
    fn multiple_codes_with_spaces_and_any_case() {
        let s = sup("FROM a\n# hadolint ignore = dl3023 ,  DL3021,sc2086\nCOPY --from=foo bar baz .\n");
        assert_eq!(
            suppressed(&s, &["DL3023", "DL3021", "SC2086", "DL3022"], 3),
            hits(&[(3, "DL3023"), (3, "DL3021"), (3, "SC2086")])
        );
        assert!(s.is_suppressed("dl3021", 3), "the queried code is case-insensitive too");
    }

    #[test]
    fn a_pragma_above_the_first_instruction_only_covers_that_instruction() {
        let s = sup("# hadolint ignore=DL3001,DL3002\nFROM ubuntu\nUSER root\n");
        assert_eq!(suppressed(&s, &["DL3002"], 3), hits(&[(2, "DL3002")]));
    }

    #[test]
    fn a_blank_line_detaches_the_pragma() {
        let s = sup("FROM a\n# hadolint ignore=DL3002\n\nUSER root\n");
        assert_eq!(suppressed(&s, &["DL3002"], 4), hits(&[]));
        assert!(matches!(s.pragmas()[0].kind, PragmaKind::Ignore { applies: Applies::Nothing, .. }));
    }

    #[test]
    fn stacked_pragmas_for_both_tools_reach_the_instruction() {
        let s = sup("FROM a\n# hadolint ignore=DL3008\n# drydock ignore=DD012\n# a reason\nRUN apt-get install curl\n");
        assert_eq!(suppressed(&s, &["DL3008", "DD012"], 5), hits(&[(5, "DL3008"), (5, "DD012")]));
        assert_eq!(s.pragmas()[1].tool, Tool::Drydock);
        assert_eq!(s.pragmas().len(), 2, "the plain comment is not a pragma");
    }

    #[test]
    fn global_ignore_applies_everywhere_wherever_written() {
        let s = sup("FROM ubuntu\nUSER root\n# hadolint global ignore = DL3023 , DL3002 # accepted\nRUN x\n");
        assert_eq!(
            suppressed(&s, &["DL3002", "DL3003"], 4),
            hits(&[(1, "DL3002"), (2, "DL3002"), (3, "DL3002"), (4, "DL3002")])
        );
        assert!(s.is_suppressed("DL3023", 1_000), "global covers any line");
        assert_eq!(
            s.pragmas()[0].kind,
            PragmaKind::Ignore {
                reach: Reach::Global,
                codes: vec!["DL3023".into(), "DL3002".into()],
                applies: Applies::File
            }
        );
    }

    #[test]
    fn drydock_global_ignore() {
        let s = sup("# DRYDOCK Global Ignore=dd001\nFROM a\n");
        assert!(s.is_suppressed("DD001", 2));
        assert_eq!(s.pragmas()[0].tool, Tool::Drydock);
    }

    #[test]
    fn trailing_reason_and_trailing_space_are_fine() {
        assert_eq!(parsed("hadolint ignore=DL3002 "), ignore(Reach::Next, &["DL3002"]));
        assert_eq!(parsed("hadolint ignore=DL3002 # foobar, DL3003"), ignore(Reach::Next, &["DL3002"]));
        assert_eq!(parsed("  hadolint\tignore=DL3002,DL3002"), ignore(Reach::Next, &["DL3002"]));
    }

    #[test]
    fn one_invalid_code_voids_the_whole_pragma() {
        let s = sup("FROM scratch\n# hadolint ignore=crazy,DL3002\nUSER root\n");
        assert!(!s.is_suppressed("DL3002", 3));
        assert_eq!(
            s.pragmas()[0].kind,
            PragmaKind::Malformed {
                message: "`crazy` is not a rule code (letters then digits, like DL3008); the pragma is ignored".into()
            }
        );
    }

    #[test]
    fn malformed_pragmas_are_recorded_with_a_fix() {
        let cases = [
            ("hadolint ignore DL3008", "expected `=` after `ignore`, like `# hadolint ignore=DL3008`"),
            ("hadolint ignore=", "`ignore=` names no rule; write `# hadolint ignore=DL3008`"),
            ("drydock ignore=DL3008,", "a rule code is missing between commas; remove the extra `,`"),
            ("hadolint ignore=DL3008,,DL3009", "a rule code is missing between commas; remove the extra `,`"),
            (
                "hadolint ignore=DL3008 because",
                "unexpected text `DL3008 because` in the rule list; separate codes with `,` and start a reason with `#`",
            ),
            ("hadolint global DL3008", "expected `ignore=` after `global`, like `# hadolint global ignore=DL3008`"),
            (
                "hadolint global shell=pwsh",
                "`shell=` applies from where it is written; drop `global` and write `# hadolint shell=NAME`",
            ),
            ("drydock shell", "expected `=` after `shell`, like `# drydock shell=powershell`"),
            ("hadolint shell=", "`shell=` names no shell; write `# hadolint shell=powershell`"),
            (
                "hadolint ignore=DL-3008",
                "`DL-3008` is not a rule code (letters then digits, like DL3008); the pragma is ignored",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parsed(text), Some(Parsed::Malformed(message.into())), "{text}");
        }
    }

    #[test]
    fn ordinary_comments_are_not_pragmas() {
        for text in [
            "",
            "hadolint",
            "hadolintignore=DL3008",
            "hadolint: ignore=DL3008",
            "hadolint ignored this",
            "drydock is a linter",
            "ignore=DL3008",
            "see hadolint ignore=DL3008",
            "hadolint ignore_me=1",
            "hadolint shellcheck=off",
        ] {
            assert_eq!(parsed(text), None, "{text}");
        }
    }

    #[test]
    fn malformed_and_plain_comments_suppress_nothing() {
        let s = sup("FROM a\n# hadolint ignore DL3008\nRUN x\n# just words\nRUN y\n");
        assert!(!s.is_suppressed("DL3008", 3));
        assert_eq!(s.pragmas().len(), 1);
        assert_eq!(s.pragmas()[0].range, TextRange::new(7, 31));
    }

    #[test]
    fn inside_a_continuation_a_pragma_covers_the_next_line() {
        let src = "FROM a\nRUN apt-get update \\\n# hadolint ignore=DL3008\n  && apt-get install -y curl \\\n  && rm -rf /var/lib/apt/lists/*\n";
        let s = sup(src);
        assert_eq!(suppressed(&s, &["DL3008"], 5), hits(&[(4, "DL3008")]));
    }

    #[test]
    fn stage_ignore_above_from_covers_that_stage_only() {
        let src = "FROM a AS build\n# hadolint stage ignore=DL3008\nFROM b AS run\nRUN apt-get install x\nRUN y\nFROM c\nRUN apt-get install z\n";
        let s = sup(src);
        assert_eq!(suppressed(&s, &["DL3008"], 7), hits(&[(3, "DL3008"), (4, "DL3008"), (5, "DL3008")]));
        assert_eq!(
            s.pragmas()[0].kind,
            PragmaKind::Ignore {
                reach: Reach::Stage,
                codes: vec!["DL3008".into()],
                applies: Applies::Lines { start: 3, end: 5 }
            }
        );
    }

    #[test]
    fn stage_ignore_mid_stage_covers_the_rest_of_it() {
        let src =
            "FROM a\nRUN one\n# drydock stage ignore=DD012\n\nRUN two\nRUN three \\\n  more\n\nFROM b\nRUN four\n";
        let s = sup(src);
        assert_eq!(suppressed(&s, &["DD012"], 10), hits(&[(5, "DD012"), (6, "DD012"), (7, "DD012")]));
    }

    #[test]
    fn stage_ignore_in_the_last_stage_runs_to_the_end() {
        let s = sup("FROM a\nRUN one\n# hadolint stage ignore=DL3059\nRUN two\nRUN three\n");
        assert_eq!(suppressed(&s, &["DL3059"], 5), hits(&[(4, "DL3059"), (5, "DL3059")]));
    }

    #[test]
    fn pragmas_with_nothing_below_apply_to_nothing() {
        let s = sup("FROM a\nRUN x\n# hadolint ignore=DL3008\n# hadolint stage ignore=DL3009\n");
        assert_eq!(suppressed(&s, &["DL3008", "DL3009"], 4), hits(&[]));
        let applies: Vec<Applies> = s
            .pragmas()
            .iter()
            .filter_map(|p| match &p.kind {
                PragmaKind::Ignore { applies, .. } => Some(*applies),
                _ => None,
            })
            .collect();
        assert_eq!(applies, vec![Applies::Nothing, Applies::Nothing]);
    }

    #[test]
    fn pragmas_in_heredoc_bodies_are_text() {
        let src = "FROM a\nRUN <<EOF\n# hadolint ignore=DL3008\napt-get install x\nEOF\nRUN apt-get install y\n";
        let mut file = df(src);
        assert_eq!(file.instructions[1].end_line, 5);
        // Were a parser to list body lines as comments, they must still not be pragmas.
        for (line, text) in [(3, "hadolint ignore=DL3008"), (4, "hadolint global ignore=DL3009")] {
            file.comments.push(Comment { text: text.into(), range: TextRange::default(), line });
        }
        let s = Suppressions::from_dockerfile(&file);
        assert!(s.pragmas().is_empty());
        assert!(!s.is_suppressed("DL3009", 6));
    }

    #[test]
    fn shell_pragma_is_exposed_and_scoped() {
        let src = "FROM mcr.microsoft.com/windows/servercore AS win\n# hadolint shell=powershell # windows\nRUN Get-Process\nFROM debian\nRUN ls\n";
        let s = sup(src);
        assert_eq!(s.shell.as_deref(), Some("powershell"));
        assert_eq!(s.shell_at(3), Some("powershell"));
        assert_eq!(s.shell_at(2), None, "not on its own line");
        assert_eq!(s.shell_at(5), None, "a new stage starts with the default shell");
        assert_eq!(s.pragmas()[0].kind, PragmaKind::Shell { shell: "powershell".into() });
        assert!(!s.is_suppressed("SC2086", 3), "shell= suppresses nothing by itself");
    }

    #[test]
    fn shell_pragma_before_the_first_from_is_the_default_for_all_stages() {
        let s = sup("# drydock shell=cmd\nFROM a\nRUN x\nFROM b\n# hadolint shell=/bin/bash\nRUN y\nFROM c\nRUN z\n");
        assert_eq!(s.shell.as_deref(), Some("cmd"));
        assert_eq!(s.shell_at(3), Some("cmd"));
        assert_eq!(s.shell_at(6), Some("/bin/bash"));
        assert_eq!(s.shell_at(8), Some("cmd"));
    }

    #[test]
    fn overlapping_scopes_are_all_found_in_pragma_order() {
        // A stage-wide pragma (lines 3–6) and next-line pragmas inside it, for the same code.
        let src = "FROM a\n# hadolint stage ignore=DL3008\nRUN apt-get install a\n# drydock ignore=DL3008\nRUN apt-get install b\nRUN apt-get install c\nFROM b\n# drydock ignore=DL3008\nRUN apt-get install d\n";
        let s = sup(src);
        assert_eq!(s.suppressors("DL3008", 3), vec![0]);
        assert_eq!(s.suppressors("DL3008", 5), vec![0, 1]);
        assert_eq!(s.suppressors("dl3008", 6), vec![0]);
        assert_eq!(s.suppressors("DL3008", 7), Vec::<usize>::new());
        assert_eq!(s.suppressors("DL3008", 9), vec![2]);
        assert!(s.is_suppressed("DL3008", 5) && !s.is_suppressed("DL3008", 7) && !s.is_suppressed("DL3009", 5));
    }

    #[test]
    fn suppressors_lists_every_covering_pragma() {
        let s = sup("# hadolint global ignore=DL3008\nFROM a\n# drydock ignore=DL3008\nRUN apt-get install x\n");
        assert_eq!(s.suppressors("DL3008", 4), vec![1, 0]);
        assert_eq!(s.suppressors("DL3008", 2), vec![0]);
        assert_eq!(s.suppressors("DL3009", 4), Vec::<usize>::new());
    }

    #[test]
    fn hand_built_ast_with_onbuild_and_no_comments() {
        let file = Dockerfile {
            escape: '\\',
            instructions: vec![inst("FROM", 1, 1), inst("ONBUILD", 3, 4)],
            comments: vec![Comment { text: "hadolint ignore=DL3008".into(), range: TextRange::new(10, 34), line: 2 }],
            ..Dockerfile::default()
        };
        let s = Suppressions::from_dockerfile(&file);
        assert!(s.is_suppressed("DL3008", 4));
        assert!(!s.is_suppressed("DL3008", 1));
        let empty = Suppressions::from_dockerfile(&Dockerfile::default());
        assert!(empty.pragmas().is_empty() && empty.shell.is_none());
        assert!(!empty.is_suppressed("DL3008", 1));
    }

    #[test]
    fn hostile_line_numbers_do_not_panic() {
        let file = Dockerfile {
            instructions: vec![inst("RUN", u32::MAX, u32::MAX), inst("FROM", 5, 2)],
            comments: vec![
                Comment { text: "hadolint ignore=DL1".into(), range: TextRange::default(), line: u32::MAX },
                Comment { text: "hadolint stage ignore=DL2".into(), range: TextRange::default(), line: 0 },
                Comment { text: "hadolint shell=x".into(), range: TextRange::default(), line: u32::MAX - 1 },
            ],
            ..Dockerfile::default()
        };
        let s = Suppressions::from_dockerfile(&file);
        assert!(s.is_suppressed("DL2", 5));
        assert!(!s.is_suppressed("DL2", 4));
        assert_eq!(s.pragmas().len(), 3);
        assert_eq!(s.shell_at(u32::MAX), Some("x"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn pragma_parser_never_panics(text in "\\PC{0,80}") {
                let _ = parse_pragma(&text);
            }

            #[test]
            fn pragma_like_text_never_panics(text in "(hadolint|drydock|HADOLINT)[ \t]{0,2}(global|stage|ignore|shell)?[ \t=,#A-Za-z0-9é]{0,30}") {
                let _ = parse_pragma(&text);
            }

            #[test]
            fn any_layout_never_panics(
                insts in proptest::collection::vec((0u32..40, 0u32..5, any::<bool>()), 0..12),
                comments in proptest::collection::vec((0u32..45, 0usize..4), 0..12),
                query in 0u32..50,
            ) {
                let texts = ["hadolint ignore=DL1", "hadolint stage ignore=DL1", "drydock global ignore=DL1", "hadolint shell=pwsh"];
                let file = Dockerfile {
                    instructions: insts
                        .iter()
                        .map(|(s, len, from)| inst(if *from { "FROM" } else { "RUN" }, *s, s + len))
                        .collect(),
                    comments: comments
                        .iter()
                        .map(|(line, t)| Comment { text: texts[*t].into(), range: TextRange::default(), line: *line })
                        .collect(),
                    ..Dockerfile::default()
                };
                let s = Suppressions::from_dockerfile(&file);
                let _ = s.is_suppressed("DL1", query);
                let _ = s.shell_at(query);
            }
        }
    }
}
