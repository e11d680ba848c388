//! The syntax tree of a Dockerfile, shaped like BuildKit's `parser.Node` so the
//! differential test can compare the two field by field, plus byte spans for
//! every part.

use crate::lint::source::TextRange;

/// A parsed Dockerfile.
#[derive(Clone, Debug, Default)]
pub struct Dockerfile {
    /// Parser directives (`# syntax=`, `# escape=`, `# check=`) from the top of the file.
    pub directives: Vec<Directive>,
    /// The escape character: `\` unless `# escape=` says `` ` ``.
    pub escape: char,
    /// Instructions in file order.
    pub instructions: Vec<Instruction>,
    /// Every comment line (not directives), including those inside continuations.
    pub comments: Vec<Comment>,
    /// Whether the file started with a UTF-8 byte order mark.
    pub bom: bool,
}

/// `# name=value` at the top of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lowercase name: `syntax`, `escape` or `check`.
    pub name: String,
    /// The value, trimmed.
    pub value: String,
    /// The whole directive line (without the terminator).
    pub range: TextRange,
    /// 1-based line.
    pub line: u32,
}

/// A `#` comment line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// The comment, from `#` to the end of the line (without the terminator).
    pub range: TextRange,
    /// 1-based line.
    pub line: u32,
}

/// The instruction keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// Not an instruction BuildKit knows; reported as a finding.
    Unknown,
}

impl Keyword {
    /// Every instruction BuildKit knows (all but [`Self::Unknown`]), in alphabetical order.
    pub const KNOWN: &'static [Self] = &[
        Self::Add,
        Self::Arg,
        Self::Cmd,
        Self::Copy,
        Self::Entrypoint,
        Self::Env,
        Self::Expose,
        Self::From,
        Self::Healthcheck,
        Self::Label,
        Self::Maintainer,
        Self::Onbuild,
        Self::Run,
        Self::Shell,
        Self::Stopsignal,
        Self::User,
        Self::Volume,
        Self::Workdir,
    ];

    /// Parses a keyword in any case.
    pub fn parse(word: &str) -> Self {
        // Upper-case into a stack buffer (the longest keyword has 11 letters): no allocation.
        let bytes = word.as_bytes();
        let mut buf = [0u8; 11];
        if bytes.len() > buf.len() {
            return Self::Unknown;
        }
        for (d, s) in buf.iter_mut().zip(bytes) {
            *d = s.to_ascii_uppercase();
        }
        match &buf[..bytes.len()] {
            b"ADD" => Self::Add,
            b"ARG" => Self::Arg,
            b"CMD" => Self::Cmd,
            b"COPY" => Self::Copy,
            b"ENTRYPOINT" => Self::Entrypoint,
            b"ENV" => Self::Env,
            b"EXPOSE" => Self::Expose,
            b"FROM" => Self::From,
            b"HEALTHCHECK" => Self::Healthcheck,
            b"LABEL" => Self::Label,
            b"MAINTAINER" => Self::Maintainer,
            b"ONBUILD" => Self::Onbuild,
            b"RUN" => Self::Run,
            b"SHELL" => Self::Shell,
            b"STOPSIGNAL" => Self::Stopsignal,
            b"USER" => Self::User,
            b"VOLUME" => Self::Volume,
            b"WORKDIR" => Self::Workdir,
            _ => Self::Unknown,
        }
    }

    /// The canonical uppercase name (`UNKNOWN` for [`Keyword::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "ADD",
            Self::Arg => "ARG",
            Self::Cmd => "CMD",
            Self::Copy => "COPY",
            Self::Entrypoint => "ENTRYPOINT",
            Self::Env => "ENV",
            Self::Expose => "EXPOSE",
            Self::From => "FROM",
            Self::Healthcheck => "HEALTHCHECK",
            Self::Label => "LABEL",
            Self::Maintainer => "MAINTAINER",
            Self::Onbuild => "ONBUILD",
            Self::Run => "RUN",
            Self::Shell => "SHELL",
            Self::Stopsignal => "STOPSIGNAL",
            Self::User => "USER",
            Self::Volume => "VOLUME",
            Self::Workdir => "WORKDIR",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Whether BuildKit collects heredocs after this instruction (RUN, COPY, ADD).
    pub fn takes_heredocs(self) -> bool {
        matches!(self, Self::Run | Self::Copy | Self::Add)
    }
}

/// One instruction, possibly spanning several physical lines.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// The keyword.
    pub keyword: Keyword,
    /// The keyword as written (`from`, `Run`, …). Borrowed from
    /// [`Keyword::as_str`] when written in upper case, as nearly every one is.
    pub name: std::borrow::Cow<'static, str>,
    /// Span of the keyword.
    pub name_range: TextRange,
    /// The whole instruction: keyword to the end of its last line, heredoc
    /// bodies and terminators included; no trailing newline.
    pub range: TextRange,
    /// 1-based first line.
    pub start_line: u32,
    /// 1-based last line (the heredoc terminator's line when there are heredocs).
    pub end_line: u32,
    /// `--name[=value]` flags before the arguments, as BuildKit splits them.
    pub flags: Vec<Flag>,
    /// Arguments as BuildKit's parser yields them (`Node.Next`): the shell-form
    /// command as one string, each JSON element, ENV/LABEL keys and values in
    /// turn (quotes kept, as BuildKit keeps them), whitespace-split words
    /// for FROM, EXPOSE and the like.
    pub args: Vec<Arg>,
    /// Whether the arguments were a JSON array (exec form).
    pub json: bool,
    /// Heredocs collected after the instruction line.
    pub heredocs: Vec<Heredoc>,
    /// For ONBUILD: the instruction it wraps.
    pub sub: Option<Box<Instruction>>,
    /// The logical line after joining continuations (escape + newline removed,
    /// comment lines dropped), from the keyword on, with a map back to source
    /// bytes.
    pub text: JoinedText,
}

impl Instruction {
    /// The flag named `name` (without `--`), if given; the last one wins, as in BuildKit.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The instruction's own keyword, or the wrapped one for ONBUILD.
    pub fn effective(&self) -> &Instruction {
        match &self.sub {
            Some(sub) => sub,
            None => self,
        }
    }
}

/// A `--name` or `--name=value` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name without the leading `--`.
    pub name: String,
    /// The value after `=`, if any (`None` for a bare flag like `--link`).
    pub value: Option<String>,
    /// The whole flag, `--` included.
    pub range: TextRange,
    /// The value's span, if there is a value.
    pub value_range: Option<TextRange>,
}

/// One argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The text as BuildKit yields it (JSON strings decoded; shell words raw).
    pub value: String,
    /// Span of the argument's source text (for JSON, the string literal with quotes;
    /// for a shell-form command, the command text).
    pub range: TextRange,
}

/// A heredoc body collected after an instruction line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, without quotes.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// The delimiter was quoted, so the body is not expanded.
    pub quoted: bool,
    /// The body exactly as BuildKit's parser keeps it: raw lines with their
    /// endings (see `Heredoc::body` for the `<<-` view with tabs stripped).
    pub content: String,
    /// Span of the body lines (without the terminator line).
    pub body_range: TextRange,
    /// A line with the delimiter closes the body (an unterminated one runs to the end of the file,
    /// and its terminator is in no source byte).
    pub terminated: bool,
    /// 1-based first line of the body.
    pub body_start_line: u32,
}

/// The joined logical line of an instruction with a map back to source offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinedText {
    /// The text.
    pub text: String,
    /// `(offset in text, offset in source)` at the start of each contiguous piece,
    /// sorted by text offset.
    pub segments: Segments,
}

/// The segment list of a [`JoinedText`]: a slice of `(offset in text, offset
/// in source)` pairs. Most instructions are one line, so one segment is kept
/// inline, without a heap allocation.
#[derive(Clone, Default)]
pub struct Segments(SegmentsRepr);

#[derive(Clone)]
enum SegmentsRepr {
    One([(u32, u32); 1]),
    Many(Vec<(u32, u32)>),
}

impl Default for SegmentsRepr {
    fn default() -> Self {
        Self::Many(Vec::new())
    }
}

impl Segments {
    /// One segment.
    pub fn one(segment: (u32, u32)) -> Self {
        Self(SegmentsRepr::One([segment]))
    }

    /// Appends a segment.
    pub fn push(&mut self, segment: (u32, u32)) {
        match &mut self.0 {
            SegmentsRepr::Many(v) if v.is_empty() => self.0 = SegmentsRepr::One([segment]),
            SegmentsRepr::Many(v) => v.push(segment),
            SegmentsRepr::One([first]) => self.0 = SegmentsRepr::Many(vec![*first, segment]),
        }
    }
}

impl std::ops::Deref for Segments {
    type Target = [(u32, u32)];

    fn deref(&self) -> &[(u32, u32)] {
        match &self.0 {
            SegmentsRepr::One(one) => one,
            SegmentsRepr::Many(v) => v,
        }
    }
}

impl From<Vec<(u32, u32)>> for Segments {
    fn from(v: Vec<(u32, u32)>) -> Self {
        match v.as_slice() {
            [one] => Self::one(*one),
            _ => Self(SegmentsRepr::Many(v)),
        }
    }
}

impl PartialEq for Segments {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Segments {}

impl std::fmt::Debug for Segments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl JoinedText {
    /// Source offset of byte `offset` of the joined text.
    #[inline]
    pub fn to_source(&self, offset: u32) -> u32 {
        // Most instructions are one line: one segment, no search.
        if let &[(t, s)] = &*self.segments {
            return if offset < t { offset } else { s + (offset - t) };
        }
        search_source(&self.segments, offset)
    }

    /// Source span of `start..end` in the joined text. The end maps to just past
    /// the last covered byte, so a range ending at a line join does not swallow
    /// the escape and newline.
    #[inline]
    pub fn to_source_range(&self, start: u32, end: u32) -> TextRange {
        if end <= start {
            return TextRange::empty(self.to_source(start));
        }
        TextRange::new(self.to_source(start), self.to_source(end - 1) + 1)
    }
}

/// [`JoinedText::to_source`] by binary search over `segments`.
fn search_source(segments: &[(u32, u32)], offset: u32) -> u32 {
    let i = match segments.binary_search_by_key(&offset, |s| s.0) {
        Ok(i) => i,
        Err(0) => return offset,
        Err(i) => i - 1,
    };
    let (t, s) = segments[i];
    s + (offset - t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_parse_in_any_case_and_nothing_else() {
        let all = Keyword::KNOWN.iter().copied();
        for k in all {
            let upper = k.as_str();
            assert_eq!(Keyword::parse(upper), k);
            assert_eq!(Keyword::parse(&upper.to_ascii_lowercase()), k);
            let mixed: String =
                upper.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c } else { c.to_ascii_lowercase() }).collect();
            assert_eq!(Keyword::parse(&mixed), k);
            assert_eq!(Keyword::parse(&format!("{upper}X")), Keyword::Unknown);
            assert_eq!(Keyword::parse(&upper[1..]), Keyword::Unknown);
        }
        for other in ["", "UNKNOWN", "HEALTHCHECKS", "\u{17f}hell", "ＲＵＮ", "r\u{fc}n"] {
            assert_eq!(Keyword::parse(other), Keyword::Unknown, "{other:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_segment_maps_as_the_search_does(t in 0u32..40, s in 0u32..40, offset in 0u32..80) {
            let map = JoinedText { text: String::new(), segments: Segments::one((t, s)) };
            proptest::prop_assert_eq!(map.to_source(offset), search_source(&[(t, s)], offset));
        }
    }
}
