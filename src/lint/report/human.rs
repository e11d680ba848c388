//! The terminal format: rustc-style code frames drawn by annotate-snippets, one
//! per finding, then a summary line.
//!
//! This is the only module that knows annotate-snippets. Each frame is built
//! from a slice of the file holding just the lines the finding (or its fix)
//! touches, with `line_start` set to the slice's first line, so the cost of a
//! frame does not grow with the size of the file. Spans go through
//! [`LineSpan`] first, so they always land on text; fix edits are checked
//! before they are shown, and a fix that does not fit the file is not drawn.

use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet, normalize_untrusted_str};

use super::{FileReport, LineSpan, RenderOptions};
use crate::lint::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::lint::source::{LineIndex, to_u32};

/// Renders every finding of `files` as a code frame, then the [`summary`] line.
pub fn render(files: &[FileReport], opts: RenderOptions) -> String {
    let mut out = String::new();
    for file in files {
        out.push_str(&file_piece(file, opts));
    }
    out.push_str(&tail(files, opts));
    out
}

/// The frames of one file's findings, as [`render`] draws them.
pub fn file_piece(file: &FileReport, opts: RenderOptions) -> String {
    let renderer = if opts.color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    push_frames(&mut out, &renderer, &file.path, &file.source, &file.diagnostics);
    out
}

/// What follows the frames: the [`summary`] line.
pub fn tail(files: &[FileReport], opts: RenderOptions) -> String {
    if opts.color { format!("\x1b[1m{}\x1b[0m\n", summary(files)) } else { format!("{}\n", summary(files)) }
}

/// The frames of one file's findings without color or summary, for rule
/// fixture snapshots.
pub fn render_plain(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    push_frames(&mut out, &Renderer::plain(), path, source, diagnostics);
    out
}

/// `3 errors, 2 warnings, 1 info in 2 files`, counting the files that have
/// findings, with the number of safe fixes when there are any; `no findings in
/// 4 files` (or just `no findings` when nothing was checked) otherwise.
pub fn summary(files: &[FileReport]) -> String {
    let mut counts = [0usize; 4];
    let mut with_findings = 0usize;
    let mut safe_fixes = 0usize;
    for file in files {
        if !file.diagnostics.is_empty() {
            with_findings += 1;
        }
        for d in &file.diagnostics {
            let i = match d.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
                Severity::Style => 3,
            };
            counts[i] += 1;
            if d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Safe) {
                safe_fixes += 1;
            }
        }
    }
    if with_findings == 0 {
        return match files.len() {
            0 => "no findings".to_string(),
            n => format!("no findings in {}", plural(n, "file", "files")),
        };
    }
    let parts: Vec<String> = [
        plural(counts[0], "error", "errors"),
        plural(counts[1], "warning", "warnings"),
        plural(counts[2], "info", "info"),
        plural(counts[3], "style", "style"),
    ]
    .into_iter()
    .zip(counts)
    .filter(|&(_, n)| n > 0)
    .map(|(text, _)| text)
    .collect();
    let mut line = format!("{} in {}", parts.join(", "), plural(with_findings, "file", "files"));
    if safe_fixes > 0 {
        let _ = write!(line, " ({} available with `--fix`)", plural(safe_fixes, "safe fix", "safe fixes"));
    }
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn push_frames(out: &mut String, renderer: &Renderer, path: &str, source: &str, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let index = LineIndex::new(source);
    for d in diagnostics {
        out.push_str(&renderer.render(&frame(path, source, &index, d)));
        out.push_str("\n\n");
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Style => Level::HELP.with_name("style"),
    }
}

/// The groups of one finding: the frame with help and tag, then the fix.
fn frame<'a>(path: &'a str, src: &'a str, index: &LineIndex, d: &'a Diagnostic) -> Vec<Group<'a>> {
    let span = LineSpan::new(src, index, d.range);
    let (text, base) = lines(src, index, span.line, span.end_line);
    let range = (span.start - base) as usize..(span.end - base) as usize;
    let mut group = level(d.severity).primary_title(d.message.as_str()).id(d.code.as_ref()).element(
        Snippet::source(text).path(path).line_start(span.line as usize).annotation(AnnotationKind::Primary.span(range)),
    );
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(normalize_untrusted_str(help)));
    }
    if let Some(tag) = d.tag {
        group = group.element(Level::NOTE.message(format!("standard: {tag}")));
    }
    let mut groups = vec![group];
    if let Some(fix) = d.fix.as_ref().and_then(|f| fix_group(path, src, index, f)) {
        groups.push(fix);
    }
    groups
}

/// The text of lines `first..=last` with their terminators, and its byte offset.
fn lines<'a>(src: &'a str, index: &LineIndex, first: u32, last: u32) -> (&'a str, u32) {
    let start = index.line_start(first);
    let end = index.line_start(last.saturating_add(1)).max(start);
    (src.get(start as usize..end as usize).unwrap_or(""), start)
}

/// The fix drawn as a patch, or `None` when it has no visible edit or its edits
/// do not fit `src` (unsorted, overlapping, out of range or inside a character).
fn fix_group<'a>(path: &'a str, src: &'a str, index: &LineIndex, fix: &Fix) -> Option<Group<'a>> {
    let patches = display_patches(src, fix)?;
    let first = patches.first()?.0.start;
    let last = patches.iter().map(|(r, _)| r.end).max()?;
    let first_line = index.line(to_u32(first));
    let last_line = index.line(to_u32(last));
    let (text, base) = lines(src, index, first_line, last_line);
    let base = base as usize;
    let snippet = Snippet::source(text)
        .path(path)
        .line_start(first_line as usize)
        .patches(patches.into_iter().map(|(r, content)| Patch::new(r.start - base..r.end - base, content)));
    let title = match fix.applicability {
        Applicability::Safe => "safe fix",
        Applicability::Unsafe => "unsafe fix: review it before applying",
    };
    Some(Level::HELP.secondary_title(title).element(snippet))
}

/// The fix's edits as byte ranges and display text. An insertion at the very
/// end of a file that ends with a newline is shown as an insertion before that
/// newline (annotate-snippets would draw it on the last line), and CRLF in the
/// inserted text is shown as LF, as the source lines are.
fn display_patches(src: &str, fix: &Fix) -> Option<Vec<(Range<usize>, String)>> {
    let mut patches: Vec<(Range<usize>, String)> = Vec::with_capacity(fix.edits.len());
    let mut prev_end = 0usize;
    for edit in &fix.edits {
        let (start, end) = (edit.range.start as usize, edit.range.end as usize);
        let fits = start >= prev_end && end <= src.len() && src.is_char_boundary(start) && src.is_char_boundary(end);
        if !fits {
            return None;
        }
        prev_end = end;
        if start == end && edit.content.is_empty() {
            continue;
        }
        let mut content = edit.content.replace("\r\n", "\n");
        let mut range = start..end;
        if start == end && end == src.len() && src.ends_with('\n') {
            let term = if src.ends_with("\r\n") { 2 } else { 1 };
            let at = end - term;
            let free = patches.last().is_none_or(|(r, _)| r.end <= at);
            if free {
                let body = content.strip_suffix('\n').unwrap_or(&content);
                content = format!("\n{body}");
                range = at..at;
            }
        }
        patches.push((range, content));
    }
    if patches.is_empty() { None } else { Some(patches) }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::*;
    use crate::lint::diagnostic::Edit;
    use crate::lint::report::fixtures;
    use crate::lint::source::TextRange;

    fn diag(severity: Severity, range: TextRange) -> Diagnostic {
        Diagnostic {
            code: Cow::Borrowed("DD999"),
            tag: None,
            severity,
            message: "msg".into(),
            help: None,
            range,
            fix: None,
        }
    }

    fn file(diagnostics: Vec<Diagnostic>) -> FileReport {
        FileReport { path: "Dockerfile".into(), source: "FROM a\n".into(), diagnostics }
    }

    #[test]
    fn snapshot() {
        let mut files = fixtures::files();
        files.push(fixtures::clean());
        insta::assert_snapshot!(render(&files, RenderOptions::default()));
    }

    #[test]
    fn color_adds_ansi_and_plain_has_none() {
        let files = fixtures::files();
        let plain = render(&files, RenderOptions { color: false });
        let color = render(&files, RenderOptions { color: true });
        assert!(!plain.contains('\x1b'));
        assert!(color.contains("\x1b["));
        assert!(color.ends_with(&format!("\x1b[1m{}\x1b[0m\n", summary(&files))));
    }

    #[test]
    fn summary_counts_severities_files_and_safe_fixes() {
        let r = TextRange::new(0, 4);
        assert_eq!(summary(&[]), "no findings");
        assert_eq!(summary(&[file(vec![])]), "no findings in 1 file");
        assert_eq!(summary(&[file(vec![]), file(vec![])]), "no findings in 2 files");
        let mut fixed = diag(Severity::Error, r);
        fixed.fix = Some(Fix::safe([Edit::replace(r, "X")]));
        let mut unsafe_fixed = diag(Severity::Error, r);
        unsafe_fixed.fix = Some(Fix::unsafe_([Edit::replace(r, "X")]));
        let files = [
            file(vec![fixed, unsafe_fixed, diag(Severity::Error, r), diag(Severity::Warning, r)]),
            file(vec![]),
            file(vec![diag(Severity::Warning, r), diag(Severity::Info, r)]),
        ];
        assert_eq!(summary(&files), "3 errors, 2 warnings, 1 info in 2 files (1 safe fix available with `--fix`)");
        assert_eq!(summary(&[file(vec![diag(Severity::Style, r), diag(Severity::Style, r)])]), "2 style in 1 file");
        assert_eq!(summary(&[file(vec![diag(Severity::Warning, r)])]), "1 warning in 1 file");
    }

    #[test]
    fn eof_insertion_is_drawn_as_a_new_last_line() {
        let src = "FROM a\r\nRUN b\r\n";
        let mut d = diag(Severity::Warning, TextRange::empty(15));
        d.fix = Some(Fix::safe([Edit::insert(15, "USER x\r\n")]));
        let out = render_plain("Dockerfile", src, &[d]);
        assert!(out.contains("3 + USER x\n"), "{out}");
        assert!(!out.contains('␍'), "{out}");
        assert!(out.contains(" --> Dockerfile:2:6\n"), "{out}");
    }

    #[test]
    fn fixes_that_do_not_fit_are_not_drawn() {
        let src = "FROM é\n";
        let bad = [
            Fix::safe([Edit::replace(TextRange::new(6, 7), "e")]),  // inside é
            Fix::safe([Edit::replace(TextRange::new(3, 90), "e")]), // past the end
            Fix {
                edits: vec![Edit::replace(TextRange::new(2, 4), "x"), Edit::replace(TextRange::new(0, 3), "y")],
                applicability: Applicability::Safe,
            },
            Fix::safe([Edit::insert(2, "")]), // no visible change
        ];
        for fix in bad {
            let mut d = diag(Severity::Error, TextRange::new(0, 4));
            d.fix = Some(fix.clone());
            let out = render_plain("Dockerfile", src, &[d]);
            assert!(!out.contains("fix"), "{fix:?} drew:\n{out}");
        }
    }

    #[test]
    fn control_characters_in_messages_are_neutralised() {
        let mut d = diag(Severity::Error, TextRange::new(0, 4));
        d.message = "bad \x1b[31mred".into();
        d.help = Some("help \x1b[0m\u{202e}".into());
        let out = render_plain("Dockerfile", "FROM a\n", &[d]);
        assert!(!out.contains('\x1b') && !out.contains('\u{202e}'), "{out:?}");
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\n"),
                Just("\r\n"),
                Just("\r"),
                Just("é"),
                Just("☕"),
                Just("\t"),
                Just("RUN x"),
                Just("a"),
            ],
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn any_span_and_fix_renders(src in text(), a in 0u32..80, b in 0u32..80, c in 0u32..80, ins in text()) {
            let mut d = diag(Severity::Warning, TextRange::new(a, b));
            d.help = Some(ins.clone());
            d.fix = Some(Fix::unsafe_([Edit::replace(TextRange::new(b, c), ins.clone()), Edit::insert(c, ins)]));
            let out = render_plain("Dockerfile", &src, std::slice::from_ref(&d));
            prop_assert!(out.contains("warning[DD999]: msg"));
            let full = render(&[FileReport { path: "p".into(), source: src, diagnostics: vec![d] }], RenderOptions::default());
            prop_assert!(full.ends_with("1 warning in 1 file\n"));
        }
    }
}
