//! Output formats. Each format is one file; all take the same [`FileReport`]s.
//!
//! Diagnostics carry byte ranges only. This module is where they become lines and
//! columns: every format goes through [`Located`], which builds one
//! [`LineIndex`] per file and normalises each range once ([`LineSpan::new`]), so all
//! formats agree on where a finding is. Rule metadata for machine formats comes
//! from [`RuleInfo::lookup`], which also describes codes no rule owns (`ShellCheck`'s
//! `SC2086`, the parser's `DL1000`).

pub mod checkstyle;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use super::diagnostic::{Diagnostic, Severity, Tag};
use super::rules;
use super::source::{LineIndex, TextRange, to_u32};

/// The findings of one file, with the text they point into.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// Display path.
    pub path: String,
    /// The file's text.
    pub source: String,
    /// Findings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Output formats of `drydock lint --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// rustc-style code frames (annotate-snippets).
    Tty,
    /// `{"findings":[…]}`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// Checkstyle XML.
    Checkstyle,
    /// GitLab Code Quality (Code Climate) JSON.
    Gitlab,
    /// GitHub Actions workflow commands.
    Github,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 6] =
        [Format::Tty, Format::Json, Format::Sarif, Format::Checkstyle, Format::Gitlab, Format::Github];

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Tty => "tty",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Checkstyle => "checkstyle",
            Format::Gitlab => "gitlab",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses a format name, case-insensitively; `human` is an alias of `tty`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        if name == "human" {
            return Ok(Format::Tty);
        }
        Format::ALL.into_iter().find(|f| f.as_str() == name).ok_or_else(|| {
            format!("unknown format `{}`: expected tty, json, sarif, checkstyle, gitlab or github", s.trim())
        })
    }
}

/// Rendering options.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// ANSI colors (tty only).
    pub color: bool,
}

/// Writes `files` in `format` to `out`, as [`render`] renders them. The JSON formats are written as they
/// are serialized, so a large report is never held whole in memory.
pub fn render_to(
    format: Format,
    files: &[FileReport],
    opts: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(files, out),
        Format::Sarif => sarif::write(files, out),
        Format::Gitlab => gitlab::write(files, out),
        Format::Tty | Format::Checkstyle | Format::Github => out.write_all(render(format, files, opts).as_bytes()),
    }
}

/// One file's part of a `format` document, for the formats whose document is a head, one independent piece
/// per file and a tail: the CLI renders each piece on the thread that linted the file and writes them in
/// order with a [`PieceWriter`]. `None` for SARIF and GitLab, which are rendered whole (their rule table and
/// fingerprints span files).
pub fn file_piece(format: Format, file: &FileReport, opts: RenderOptions) -> Option<Vec<u8>> {
    match format {
        Format::Json => Some(json::file_piece(file)),
        Format::Tty => Some(human::file_piece(file, opts).into_bytes()),
        Format::Github => Some(github::render(std::slice::from_ref(file)).into_bytes()),
        Format::Checkstyle => Some(checkstyle::file_piece(file).into_bytes()),
        Format::Sarif | Format::Gitlab => None,
    }
}

/// Writes `files` in `format` from `pieces`, their [`file_piece`]s in the same order; the bytes are those of
/// [`render`]. Formats without pieces are rendered whole, as [`render_to`] does.
pub fn write_pieces(
    format: Format,
    files: &[FileReport],
    pieces: &[Vec<u8>],
    opts: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut writer = PieceWriter::start(format, out)?;
    for piece in pieces {
        writer.piece(piece, out)?;
    }
    writer.finish(files, opts, out)
}

/// Writes a `format` document as its files' [`file_piece`]s come, one at a time and in order: the head
/// first, each piece as soon as it is given, the tail at the end. The CLI writes a file's piece once every
/// file named before it is done, so a long run streams its report instead of holding it whole.
pub struct PieceWriter {
    format: Format,
    /// Whether a JSON finding has been written (the next one needs a comma).
    any: bool,
}

impl PieceWriter {
    /// Starts the document on `out`.
    pub fn start(format: Format, out: &mut dyn Write) -> std::io::Result<Self> {
        let head = match format {
            Format::Json => json::HEAD,
            Format::Checkstyle => checkstyle::HEAD,
            Format::Tty | Format::Github | Format::Sarif | Format::Gitlab => "",
        };
        out.write_all(head.as_bytes())?;
        Ok(Self { format, any: false })
    }

    /// Writes the next file's piece.
    pub fn piece(&mut self, piece: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
        match self.format {
            Format::Json => json::write_piece(piece, &mut self.any, out),
            _ => out.write_all(piece),
        }
    }

    /// Ends the document. `files` are every file's report: the TTY summary counts their findings, and
    /// SARIF and GitLab, which have no pieces, are rendered from them whole here.
    pub fn finish(self, files: &[FileReport], opts: RenderOptions, out: &mut dyn Write) -> std::io::Result<()> {
        match self.format {
            Format::Json => json::write_tail(self.any, out),
            Format::Tty => out.write_all(human::tail(files, opts).as_bytes()),
            Format::Checkstyle => out.write_all(checkstyle::TAIL.as_bytes()),
            Format::Github => Ok(()),
            Format::Sarif | Format::Gitlab => render_to(self.format, files, opts, out),
        }
    }
}

/// Renders `files` in `format`. Every format renders an empty `files` as a valid,
/// empty document.
pub fn render(format: Format, files: &[FileReport], opts: RenderOptions) -> String {
    match format {
        Format::Tty => human::render(files, opts),
        Format::Json => json::render(files),
        Format::Sarif => sarif::render(files),
        Format::Checkstyle => checkstyle::render(files),
        Format::Gitlab => gitlab::render(files),
        Format::Github => github::render(files),
    }
}

/// Where a finding is, in 1-based lines and columns (columns count characters).
///
/// The range is normalised for display: offsets past the text or inside a UTF-8
/// character or a line terminator are pulled back onto text, a range that ends
/// just after a line terminator ends at the end of that line instead, and an
/// offset at the very end of a file that ends with a newline points at the end
/// of the last line rather than at a line that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpan {
    /// Line of the first character.
    pub line: u32,
    /// Column of the first character.
    pub column: u32,
    /// Line of the end.
    pub end_line: u32,
    /// Column just past the last character (exclusive, as in SARIF).
    pub end_column: u32,
    /// Normalised start byte.
    pub start: u32,
    /// Normalised end byte (exclusive).
    pub end: u32,
}

impl LineSpan {
    /// Locates `range` in `src`, whose index is `index`.
    pub fn new(src: &str, index: &LineIndex, range: TextRange) -> Self {
        let last_line = index.line_count().max(1);
        // Start: on text, never on a line past the last one.
        let mut start = floor_char(src, range.start);
        let mut start_line = index.line(start);
        if start_line > last_line {
            start_line = last_line;
            start = index.line_range(src, last_line).end;
        }
        start = start.min(index.line_range(src, start_line).end);
        // End: not before start; a trailing terminator belongs to the line it ends.
        let mut end = floor_char(src, range.end).max(start);
        let mut end_line = index.line(end);
        if end > start && end_line > start_line && index.line_start(end_line) == end {
            end_line -= 1;
            end = index.line_range(src, end_line).end.max(start);
        }
        end_line = end_line.min(last_line).max(start_line);
        end = end.min(index.line_range(src, end_line).end).max(start);
        Self {
            line: start_line,
            column: column(src, index, start_line, start),
            end_line,
            end_column: column(src, index, end_line, end),
            start,
            end,
        }
    }
}

/// The exact 1-based line and column of `offset`, for fix edits: unlike
/// [`LineSpan`] it does not normalise, so an insertion at the end of a file that
/// ends with a newline is on the line after the last one, column 1.
pub fn position(src: &str, index: &LineIndex, offset: u32) -> (u32, u32) {
    let offset = floor_char(src, offset);
    let line = index.line(offset);
    (line, column(src, index, line, offset))
}

/// 1-based character column of `offset` on `line`; an offset inside the line's
/// terminator counts as the end of its text.
fn column(src: &str, index: &LineIndex, line: u32, offset: u32) -> u32 {
    let text = index.line_range(src, line);
    let end = offset.clamp(text.start, text.end);
    let chars = src.get(text.start as usize..end as usize).map_or(0, |s| s.chars().count());
    to_u32(chars).saturating_add(1)
}

/// `offset` clamped to `src` and moved back to a character boundary.
fn floor_char(src: &str, offset: u32) -> u32 {
    let mut i = (offset as usize).min(src.len());
    while i > 0 && !src.is_char_boundary(i) {
        i -= 1;
    }
    to_u32(i)
}

/// A finding with its file and its normalised location.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    /// The file it is in.
    pub file: &'a FileReport,
    /// The finding.
    pub diagnostic: &'a Diagnostic,
    /// Where it is.
    pub span: LineSpan,
}

/// Every finding of `files` in order, located with one [`LineIndex`] per file.
/// `each` also receives the file's index, for formats that locate fix edits.
pub fn for_each_located<'a>(files: &'a [FileReport], mut each: impl FnMut(Located<'a>, &LineIndex)) {
    for file in files {
        if file.diagnostics.is_empty() {
            continue;
        }
        let index = LineIndex::new(&file.source);
        for diagnostic in &file.diagnostics {
            let span = LineSpan::new(&file.source, &index, diagnostic.range);
            each(Located { file, diagnostic, span }, &index);
        }
    }
}

/// What a machine format says about a rule code, whether or not a rule owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// The code.
    pub code: String,
    /// Kebab-case name.
    pub name: String,
    /// One-line description.
    pub summary: String,
    /// Full Markdown docs, for registered rules.
    pub docs: Option<String>,
    /// Default severity, for registered rules.
    pub severity: Option<Severity>,
    /// Standard section, for registered rules.
    pub tag: Option<Tag>,
    /// An external page about the code (the `ShellCheck` wiki), if known.
    pub help_uri: Option<String>,
}

impl RuleInfo {
    /// Describes a registered rule.
    pub fn from_meta(meta: &rules::Meta) -> Self {
        Self {
            code: meta.code.to_string(),
            name: meta.name.to_string(),
            summary: meta.summary(),
            docs: Some(meta.docs()),
            severity: Some(meta.severity),
            tag: meta.tag,
            help_uri: None,
        }
    }

    /// Describes `code`: from the registry when a rule owns it, else a generic
    /// description (the parser's `DL1000`, `ShellCheck`'s `SCxxxx`, anything else).
    pub fn lookup(code: &str) -> Self {
        if let Some(rule) = rules::by_code(code) {
            return Self::from_meta(rule.meta());
        }
        let upper = code.to_ascii_uppercase();
        let (name, summary, help_uri) = if upper == "DL1000" {
            ("parse-error".to_string(), "The Dockerfile could not be parsed".to_string(), None)
        } else if upper.len() > 2 && upper.starts_with("SC") && upper[2..].bytes().all(|b| b.is_ascii_digit()) {
            (
                format!("shellcheck-{}", upper[2..].trim_start_matches('0')),
                format!("ShellCheck {upper} in a RUN command"),
                Some(format!("https://www.shellcheck.net/wiki/{upper}")),
            )
        } else {
            (code.to_ascii_lowercase(), format!("Finding {code}"), None)
        };
        Self { code: code.to_string(), name, summary, docs: None, severity: None, tag: None, help_uri }
    }
}

/// `path` as a path relative to the repository root, as CI services want it:
/// forward slashes and no leading `./`.
pub(crate) fn repo_path(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut rest = slashed.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r.trim_start_matches('/');
    }
    rest.to_string()
}

/// FNV-1a, 64 bits: a hash that is the same on every platform and Rust version,
/// for fingerprints that CI services compare across runs.
pub(crate) fn fnv1a64(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // Separator, so ("ab", "c") and ("a", "bc") differ.
            hash ^= 0xff;
            hash = hash.wrapping_mul(PRIME);
        }
        for &b in *part {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

/// Serialises a report document. Our documents are plain structs with string
/// keys, which `serde_json` always serialises, so the fallback is never used.
/// Writes `value` as pretty JSON and a newline.
pub(crate) fn write_json_pretty(value: &impl serde::Serialize, out: &mut dyn Write) -> std::io::Result<()> {
    // serde_json makes many small writes: buffer them here, where the writer's type is known, rather than
    // make each a call through `dyn Write`.
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// What `write` writes, as a string. The buffer is sized up front from the number of findings (`bytes_per`
/// each): a growing buffer is copied each time it doubles, and the copies would set the peak memory of a
/// large report.
pub(crate) fn json_string(
    files: &[FileReport],
    bytes_per: usize,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> String {
    let findings: usize = files.iter().map(|f| f.diagnostics.len()).sum();
    let mut buf = Vec::with_capacity(findings.saturating_mul(bytes_per).saturating_add(1024));
    if write(&mut buf).is_err() {
        return "\n".to_owned();
    }
    // serde_json writes UTF-8 only.
    String::from_utf8(buf).unwrap_or_default()
}

/// A guess of the bytes one pretty-printed finding takes (about 520 on the corpus).
pub(crate) const JSON_BYTES_PER_FINDING: usize = 640;

#[cfg(test)]
pub(crate) mod fixtures {
    //! The fixed set of files every format's snapshot renders.

    use std::borrow::Cow;

    use super::FileReport;
    use crate::lint::diagnostic::{Diagnostic, Edit, Fix, Severity, Tag};
    use crate::lint::source::TextRange;

    fn at(src: &str, needle: &str) -> TextRange {
        let start = src.find(needle).expect("needle in fixture");
        TextRange::from_usize(start, start + needle.len())
    }

    fn diag(code: &'static str, tag: Option<Tag>, severity: Severity, range: TextRange) -> Diagnostic {
        Diagnostic { code: Cow::Borrowed(code), tag, severity, message: String::new(), help: None, range, fix: None }
    }

    /// Two files: a Dockerfile with a fix, a multi-line span, a non-ASCII line,
    /// XML/JSON/command metacharacters and a `ShellCheck` code; and a CRLF file with a
    /// parse error, an insertion fix at EOF and a finding at EOF.
    pub(crate) fn files() -> Vec<FileReport> {
        let a = "FROM debian AS build\nRUN apt-get update && \\\n    apt-get install -y curl\n# café ☕ \"<&>\"\nLABEL maintainer=\"zoë\"\nCOPY . .\n";
        let b = "FROM node:20\r\nUSER root\r\nRUN echo $HOME\r\n";
        let mut untagged = diag("DL3006", Some(Tag::PinnedBase), Severity::Warning, at(a, "debian"));
        untagged.message = "image `debian` has no tag or digest".into();
        untagged.help = Some("pin it: `debian:12.5@sha256:…`".into());
        untagged.fix = Some(Fix::unsafe_([Edit::replace(at(a, "debian"), "debian:12")]));
        let mut update = diag(
            "DL3009",
            Some(Tag::DeterministicDeps),
            Severity::Info,
            at(a, "RUN apt-get update && \\\n    apt-get install -y curl\n"),
        );
        update.message = "apt lists are left in the layer".into();
        update.help = Some("add `&& rm -rf /var/lib/apt/lists/*`".into());
        let mut label = diag("DD301", None, Severity::Style, at(a, "zoë"));
        label.message = "label value \"zoë\" has <non-ascii> & 'odd' chars, 100% sure: yes".into();
        let mut copy = diag("DD060", Some(Tag::SpecificCopy), Severity::Error, at(a, "COPY . ."));
        copy.message = "`COPY . .` copies the whole build context".into();
        copy.help = Some("copy the files the image needs\nby name".into());

        let mut parse = diag("DL1000", None, Severity::Error, at(b, "node:20"));
        parse.message = "unexpected token".into();
        let mut root = diag("DL3002", Some(Tag::NonRoot), Severity::Error, at(b, "USER root"));
        root.message = "the final stage runs as root".into();
        root.fix = Some(Fix::safe([Edit::replace(at(b, "root"), "node")]));
        let mut sc = diag("SC2086", None, Severity::Info, at(b, "$HOME"));
        sc.message = "double quote to prevent globbing and word splitting".into();
        sc.help = Some("use \"$HOME\"".into());
        let eof = TextRange::from_usize(b.len(), b.len());
        let mut health = diag("DD090", Some(Tag::Healthcheck), Severity::Warning, eof);
        health.message = "the image runs a service but has no HEALTHCHECK".into();
        health.fix = Some(Fix::unsafe_([Edit::insert(eof.start, "HEALTHCHECK CMD node healthcheck.js\r\n")]));
        vec![
            FileReport {
                path: "services/api/Dockerfile".into(),
                source: a.into(),
                diagnostics: vec![untagged, update, label, copy],
            },
            FileReport {
                path: "./web app/Dockerfile".into(),
                source: b.into(),
                diagnostics: vec![parse, root, sc, health],
            },
        ]
    }

    /// A file that was checked and has no findings.
    pub(crate) fn clean() -> FileReport {
        FileReport { path: "clean/Dockerfile".into(), source: "FROM scratch\n".into(), diagnostics: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(src: &str, start: u32, end: u32) -> LineSpan {
        LineSpan::new(src, &LineIndex::new(src), TextRange::new(start, end))
    }

    fn lc(s: LineSpan) -> (u32, u32, u32, u32, u32, u32) {
        (s.line, s.column, s.end_line, s.end_column, s.start, s.end)
    }

    #[test]
    fn pieces_assemble_to_the_whole_document() {
        let mut files = fixtures::files();
        files.insert(0, fixtures::clean());
        files.push(fixtures::clean());
        for color in [false, true] {
            let opts = RenderOptions { color };
            for format in Format::ALL {
                for files in [&files[..], &files[..1], &[]] {
                    let pieces: Vec<Vec<u8>> = files.iter().filter_map(|f| file_piece(format, f, opts)).collect();
                    let mut out = Vec::new();
                    write_pieces(format, files, &pieces, opts, &mut out).unwrap();
                    assert_eq!(String::from_utf8(out).unwrap(), render(format, files, opts), "{format} {color}");
                }
            }
        }
    }

    #[test]
    fn spans_are_normalised() {
        let src = "FROM débian\r\nRUN x\r\n";
        // Plain, with a multi-byte character before the end.
        assert_eq!(lc(span(src, 5, 12)), (1, 6, 1, 12, 5, 12));
        // Ending after a CRLF: ends at the end of that line's text.
        assert_eq!(lc(span(src, 0, 14)), (1, 1, 1, 12, 0, 12));
        // Inside a terminator.
        assert_eq!(lc(span(src, 13, 13)), (1, 12, 1, 12, 12, 12));
        // At EOF after the final newline: the end of the last line.
        assert_eq!(lc(span(src, 21, 21)), (2, 6, 2, 6, 19, 19));
        // Past the end and backwards.
        assert_eq!(lc(span(src, 500, 400)), (2, 6, 2, 6, 19, 19));
        // Inside a UTF-8 character.
        assert_eq!(lc(span(src, 7, 8)), (1, 7, 1, 8, 6, 8));
        // Multi-line.
        assert_eq!(lc(span(src, 5, 18)), (1, 6, 2, 5, 5, 18));
        assert_eq!(lc(span("", 0, 3)), (1, 1, 1, 1, 0, 0));
        assert_eq!(lc(span("\n\n", 2, 2)), (2, 1, 2, 1, 1, 1));
    }

    #[test]
    fn exact_positions_for_edits() {
        let src = "ab\r\ncd\n";
        let index = LineIndex::new(src);
        assert_eq!(position(src, &index, 0), (1, 1));
        assert_eq!(position(src, &index, 3), (1, 3));
        assert_eq!(position(src, &index, 6), (2, 3));
        assert_eq!(position(src, &index, 7), (3, 1));
        assert_eq!(position(src, &index, 70), (3, 1));
    }

    #[test]
    fn formats_parse_and_print() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string().to_uppercase().parse::<Format>(), Ok(f));
        }
        assert_eq!("human".parse::<Format>(), Ok(Format::Tty));
        assert_eq!(
            "xml".parse::<Format>(),
            Err("unknown format `xml`: expected tty, json, sarif, checkstyle, gitlab or github".to_string())
        );
    }

    #[test]
    fn unknown_codes_are_described() {
        let sc = RuleInfo::lookup("SC2086");
        assert_eq!(sc.name, "shellcheck-2086");
        assert_eq!(sc.help_uri.as_deref(), Some("https://www.shellcheck.net/wiki/SC2086"));
        assert_eq!(RuleInfo::lookup("DL1000").name, "parse-error");
        let other = RuleInfo::lookup("XY42");
        assert_eq!(
            (other.name.as_str(), other.summary.as_str(), other.docs, other.severity),
            ("xy42", "Finding XY42", None, None)
        );
    }

    #[test]
    fn repo_paths_and_hashes() {
        assert_eq!(repo_path("./a\\b/Dockerfile"), "a/b/Dockerfile");
        assert_eq!(repo_path(".//./x"), "x");
        assert_eq!(repo_path("/abs/x"), "/abs/x");
        // Published FNV-1a 64 test vectors (with no separator involved).
        assert_eq!(fnv1a64(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(&[b"foobar"]), 0x8594_4171_f739_67e8);
        assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
    }

    #[test]
    fn empty_input_renders_valid_documents() {
        let opts = RenderOptions::default();
        for f in [Format::Json, Format::Sarif, Format::Gitlab] {
            let out = render(f, &[], opts);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            match f {
                Format::Json => assert_eq!(v, serde_json::json!({"findings": []})),
                Format::Gitlab => assert_eq!(v, serde_json::json!([])),
                _ => {
                    assert_eq!(v["version"], "2.1.0");
                    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
                    assert_eq!(v["runs"][0]["tool"]["driver"]["rules"], serde_json::json!([]));
                }
            }
        }
        assert_eq!(render(Format::Tty, &[], opts), "no findings\n");
        assert_eq!(render(Format::Github, &[], opts), "");
        assert_eq!(
            render(Format::Checkstyle, &[], opts),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n</checkstyle>\n"
        );
    }
}
