//! Review comments: which findings become line comments, their bodies and
//! ```` ```suggestion ```` blocks, the hidden fingerprint that keeps a re-push
//! from repeating them, and the reconciliation with what is already posted.
//!
//! - A finding gets a line comment when its lines are shown in the file's patch,
//!   all in one hunk, and at least one of them was added by the change; findings
//!   on untouched lines (the PR did not cause them) stay annotations. A file with
//!   no patch (binary, too large, a pure rename) gets no comments.
//! - A safe fix becomes a suggestion over the whole lines it touches, when the
//!   fixed text still ends where those lines end; the comment then spans those
//!   lines (`start_line`/`line`).
//! - Each body ends with `<!-- drydock:fp=HEX -->`: 16 hex digits of SHA-256 over
//!   the rule code, the path, the finding's first line with whitespace collapsed,
//!   and which occurrence of that triple it is. Line numbers are left out, so a
//!   finding that only moved keeps its comment.
//! - Only comments by a bot login (`…[bot]`) that carry the marker are ours.
//!   One whose fingerprint no finding has any more is deleted, or, when someone
//!   replied, struck through and marked resolved (its marker changes to
//!   `drydock:resolved=`, so it is never touched again).
//! - At most [`MAX_COMMENTS_PER_REVIEW`] new comments per review (reviewdog's
//!   limit against abuse detection); the rest are in the check run and come as
//!   comments with a later push.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use super::LintedFile;
use super::diff::Patch;
use crate::github::client::{GithubError, InstallationClient, RepoRef, ReviewComment, ReviewCommentDraft};
use crate::lint::report::{LineSpan, RuleInfo};
use crate::lint::source::LineIndex;
use crate::lint::{Applicability, Diagnostic, Severity};

/// New comments posted in one review at most.
pub const MAX_COMMENTS_PER_REVIEW: usize = 30;
/// Start of the hidden fingerprint in a comment body.
pub const FP_MARKER: &str = "<!-- drydock:fp=";
/// Start of the marker of a comment drydock marked resolved.
pub const RESOLVED_MARKER: &str = "<!-- drydock:resolved=";
/// Where the rules are documented (the README's rules section).
pub const RULE_DOCS_URL: &str = "https://github.com/drydock-lint/drydock#the-rules";

/// A line comment drydock wants on the pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedComment {
    /// The comment.
    pub draft: ReviewCommentDraft,
    /// Its fingerprint.
    pub fingerprint: String,
    /// The finding's severity, to post the most serious first.
    pub severity: Severity,
}

/// What happened to a pull request's comments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewReport {
    /// The PR.
    pub pr: u64,
    /// New comments posted.
    pub posted: usize,
    /// Comments GitHub refused one by one (422) and that were dropped.
    pub dropped: usize,
    /// Comments not posted because of the per-review cap.
    pub held_back: usize,
    /// Own comments deleted because their finding is gone.
    pub deleted: usize,
    /// Own comments marked resolved because someone replied.
    pub outdated: usize,
    /// Whether the review went out one comment at a time after a 422.
    pub fell_back: bool,
}

/// Fingerprints of `file`'s findings, in the order of its diagnostics.
pub fn fingerprints(file: &LintedFile) -> Vec<String> {
    let index = LineIndex::new(&file.source);
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    file.diagnostics
        .iter()
        .map(|d| {
            let span = LineSpan::new(&file.source, &index, d.range);
            let text = index.line_range(&file.source, span.line).slice(&file.source);
            let normalised = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let key = (d.code.to_string(), normalised);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            fingerprint(&key.0, &file.path, &key.1, *n)
        })
        .collect()
}

fn fingerprint(code: &str, path: &str, line: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    for part in [code, path, line, &occurrence.to_string()] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    let mut hex = String::with_capacity(16);
    for b in &h.finalize()[..8] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// The fingerprint in a comment body drydock wrote.
pub fn fingerprint_of(body: &str) -> Option<&str> {
    let start = body.rfind(FP_MARKER)? + FP_MARKER.len();
    let rest = &body[start..];
    let end = rest.find(" -->")?;
    let fp = &rest[..end];
    (!fp.is_empty() && fp.len() <= 64 && fp.bytes().all(|b| b.is_ascii_hexdigit())).then_some(fp)
}

/// Whether `c` is one of drydock's active comments (a bot's, with a fingerprint, not a reply).
fn is_ours(c: &ReviewComment) -> bool {
    c.in_reply_to_id.is_none()
        && c.user.as_ref().is_some_and(|u| u.login.ends_with("[bot]"))
        && fingerprint_of(&c.body).is_some()
}

/// A suggestion: replace lines `start..=end` (1-based) with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// First line replaced.
    pub start: u32,
    /// Last line replaced.
    pub end: u32,
    /// The new lines, without a final line break (empty: delete them).
    pub text: String,
}

/// The safe fix of `d` as a whole-line suggestion, if it is one.
pub fn suggestion(source: &str, index: &LineIndex, d: &Diagnostic) -> Option<Suggestion> {
    let fix = d.fix.as_ref().filter(|f| f.applicability == Applicability::Safe && !f.edits.is_empty())?;
    let range = fix.range()?;
    let len = u32::try_from(source.len()).ok()?;
    if range.end > len || fix.edits.windows(2).any(|w| w[0].range.end > w[1].range.start) {
        return None;
    }
    let start_line = index.line(range.start);
    let mut end_line = index.line(range.end);
    if range.end > range.start && end_line > start_line && index.line_start(end_line) == range.end {
        end_line -= 1; // the fix ends with a line break: that line is not touched
    }
    let block_start = index.line_start(start_line);
    let block_end = index.line_start(end_line + 1).min(len); // with the line break
    if range.start < block_start || range.end > block_end {
        return None;
    }
    let mut new = String::new();
    let mut at = block_start as usize;
    for e in &fix.edits {
        new.push_str(source.get(at..e.range.start as usize)?);
        new.push_str(&e.content);
        at = e.range.end as usize;
    }
    new.push_str(source.get(at..block_end as usize)?);
    let old = source.get(block_start as usize..block_end as usize)?;
    if new == old {
        return None;
    }
    let text = if new.is_empty() {
        "" // the lines are deleted
    } else if old.ends_with('\n') {
        // The fixed text must end where the lines end, or it would join the next line.
        let t = new.strip_suffix('\n')?;
        t.strip_suffix('\r').unwrap_or(t)
    } else {
        new.as_str()
    };
    Some(Suggestion { start: start_line, end: end_line, text: text.to_owned() })
}

/// A fence longer than any run of backticks in `text` (at least three).
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// A comment's Markdown body.
pub fn comment_body(d: &Diagnostic, suggestion: Option<&Suggestion>, fp: &str) -> String {
    let info = RuleInfo::lookup(&d.code);
    let mut body = format!("**{}** `{}` ({}", d.code, info.name, d.severity);
    if let Some(tag) = d.tag {
        let _ = write!(body, ", standard: {tag}");
    }
    let _ = write!(body, "): {}", d.message);
    if let Some(help) = &d.help {
        let _ = write!(body, "\n\n{help}");
    }
    if let Some(s) = suggestion {
        let f = fence(&s.text);
        let _ = write!(body, "\n\n{f}suggestion\n{}", s.text);
        if !s.text.is_empty() {
            body.push('\n');
        }
        body.push_str(&f);
    }
    let _ =
        write!(body, "\n\n<sub>[rule docs]({RULE_DOCS_URL}) · `drydock explain {}`</sub>\n{FP_MARKER}{fp} -->", d.code);
    body
}

/// The body of a comment whose finding is gone but that has replies.
pub fn resolved_body(body: &str, head_sha: &str) -> String {
    let fp = fingerprint_of(body).unwrap_or("").to_owned();
    let first = body.lines().next().unwrap_or("").trim();
    let short: String = head_sha.chars().take(7).collect();
    format!("~~{first}~~\n\nResolved in {short}: drydock no longer finds this.\n{RESOLVED_MARKER}{fp} -->")
}

/// The comments drydock wants for `files` on a pull request whose patches are `patches`
/// (path → patch; files without a patch are absent). Most serious first, then by path and line.
pub fn plan(files: &[LintedFile], patches: &BTreeMap<String, Patch>) -> Vec<PlannedComment> {
    let mut out = Vec::new();
    for file in files {
        let Some(patch) = patches.get(&file.path) else { continue };
        if patch.is_empty() || file.skipped.is_some() {
            continue;
        }
        let index = LineIndex::new(&file.source);
        let fps = fingerprints(file);
        for (d, fp) in file.diagnostics.iter().zip(fps) {
            let span = LineSpan::new(&file.source, &index, d.range);
            let sugg = suggestion(&file.source, &index, d)
                .filter(|s| patch.spans_one_hunk(s.start, s.end) && patch.adds_any(s.start, s.end));
            let (start, line) = if let Some(s) = &sugg {
                (s.start, s.end)
            } else {
                // A plain comment sits on the finding's first line.
                if !patch.spans_one_hunk(span.line, span.line) || !patch.adds_any(span.line, span.end_line) {
                    continue;
                }
                (span.line, span.line)
            };
            out.push(PlannedComment {
                draft: ReviewCommentDraft {
                    path: file.path.clone(),
                    line,
                    start_line: (start < line).then_some(start),
                    body: comment_body(d, sugg.as_ref(), &fp),
                },
                fingerprint: fp,
                severity: d.severity,
            });
        }
    }
    out.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), &a.draft.path, a.draft.line).cmp(&(
            std::cmp::Reverse(b.severity),
            &b.draft.path,
            b.draft.line,
        ))
    });
    out
}

/// Whether GitHub would take `c` on a file with `patch` (what it checks before a 422).
pub fn is_postable(c: &ReviewCommentDraft, patch: &Patch) -> bool {
    let start = c.start_line.unwrap_or(c.line);
    c.line > 0 && start <= c.line && patch.spans_one_hunk(start, c.line)
}

/// Reconciles pull request `pr`'s comments with `planned`: posts the new ones in one
/// review (one at a time after a 422), deletes or marks resolved the stale ones.
/// `current` holds every fingerprint the lint found; `keep_paths` are files that
/// could not be linted this time, whose comments are left alone.
#[allow(clippy::too_many_arguments)]
pub async fn reconcile(
    client: &InstallationClient,
    repo: &RepoRef,
    pr: u64,
    head_sha: &str,
    planned: Vec<PlannedComment>,
    patches: &BTreeMap<String, Patch>,
    current: &BTreeSet<String>,
    keep_paths: &BTreeSet<String>,
) -> Result<ReviewReport, GithubError> {
    let mut report = ReviewReport { pr, ..ReviewReport::default() };
    let existing = client.list_review_comments(repo, pr).await?;
    let mut replied: BTreeSet<u64> = BTreeSet::new();
    for c in &existing {
        if let Some(parent) = c.in_reply_to_id {
            replied.insert(parent);
        }
    }
    let ours: Vec<&ReviewComment> = existing.iter().filter(|c| is_ours(c)).collect();
    let posted: BTreeSet<&str> = ours.iter().filter_map(|c| fingerprint_of(&c.body)).collect();

    // New comments: not posted yet, valid against the diff, each fingerprint once.
    let mut seen = BTreeSet::new();
    let mut new: Vec<PlannedComment> = planned
        .into_iter()
        .filter(|p| !posted.contains(p.fingerprint.as_str()))
        .filter(|p| patches.get(&p.draft.path).is_some_and(|patch| is_postable(&p.draft, patch)))
        .filter(|p| seen.insert(p.fingerprint.clone()))
        .collect();
    if new.len() > MAX_COMMENTS_PER_REVIEW {
        report.held_back = new.len() - MAX_COMMENTS_PER_REVIEW;
        new.truncate(MAX_COMMENTS_PER_REVIEW);
    }
    if !new.is_empty() {
        let drafts: Vec<ReviewCommentDraft> = new.iter().map(|p| p.draft.clone()).collect();
        let short: String = head_sha.chars().take(7).collect();
        let mut body = format!(
            "drydock found {} new finding{} in the lines this pull request changes at {short}; the `drydock` check \
             run lists every finding.",
            drafts.len(),
            if drafts.len() == 1 { "" } else { "s" }
        );
        if report.held_back > 0 {
            let _ = write!(body, " {} more are in the check run and are not repeated here.", report.held_back);
        }
        match client.create_review(repo, pr, head_sha, &body, &drafts).await {
            Ok(_) => report.posted = drafts.len(),
            Err(e) if e.status() == Some(422) => {
                // GitHub names no culprit: post one at a time and drop only the ones it refuses.
                report.fell_back = true;
                tracing::warn!(pr, error = %e, "review refused; posting its comments one at a time");
                for d in drafts {
                    match client.create_review(repo, pr, head_sha, "", std::slice::from_ref(&d)).await {
                        Ok(_) => report.posted += 1,
                        Err(e) if e.status() == Some(422) => {
                            tracing::warn!(pr, path = %d.path, line = d.line, error = %e, "comment refused; dropped");
                            report.dropped += 1;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }

    // Stale comments: their finding is gone.
    let stale: Vec<&ReviewComment> = ours
        .into_iter()
        .filter(|c| fingerprint_of(&c.body).is_some_and(|fp| !current.contains(fp)) && !keep_paths.contains(&c.path))
        .collect();
    for c in stale {
        if replied.contains(&c.id) {
            client.update_review_comment(repo, c.id, &resolved_body(&c.body, head_sha)).await?;
            report.outdated += 1;
        } else {
            match client.delete_review_comment(repo, c.id).await {
                Ok(()) => report.deleted += 1,
                Err(e) if e.is_not_found() => {} // already gone (a retry after a crash)
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}

/// Every fingerprint of `files`' findings.
pub fn all_fingerprints(files: &[LintedFile]) -> BTreeSet<String> {
    files.iter().flat_map(fingerprints).collect()
}

/// Patches of a pull request's files, by path.
pub fn patches_by_path<'a>(files: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> BTreeMap<String, Patch> {
    files.into_iter().filter_map(|(path, patch)| Some((path.to_owned(), Patch::parse(patch?)))).collect()
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::lint::{Edit, Fix, TextRange};

    fn diag(range: TextRange, fix: Option<Fix>) -> Diagnostic {
        Diagnostic {
            code: Cow::Borrowed("DL3006"),
            tag: None,
            severity: Severity::Warning,
            message: "m".into(),
            help: None,
            range,
            fix,
        }
    }

    #[test]
    fn suggestion_covers_whole_lines() {
        let src = "FROM a\nRUN  x\nUSER u\n";
        let idx = LineIndex::new(src);
        let d = diag(TextRange::new(7, 13), Some(Fix::safe([Edit::replace(TextRange::new(10, 12), " ")])));
        assert_eq!(suggestion(src, &idx, &d), Some(Suggestion { start: 2, end: 2, text: "RUN x".into() }));
        // Deleting a whole line (with its break) suggests an empty block on that line.
        let d = diag(TextRange::new(7, 14), Some(Fix::safe([Edit::delete(TextRange::new(7, 14))])));
        assert_eq!(suggestion(src, &idx, &d), Some(Suggestion { start: 2, end: 2, text: String::new() }));
        // Deleting only a line break would join two lines: no suggestion.
        let d = diag(TextRange::new(6, 7), Some(Fix::safe([Edit::delete(TextRange::new(12, 14))])));
        assert_eq!(suggestion(src, &idx, &d), None);
        // Unsafe fixes are never suggested.
        let d = diag(TextRange::new(7, 13), Some(Fix::unsafe_([Edit::replace(TextRange::new(10, 12), " ")])));
        assert_eq!(suggestion(src, &idx, &d), None);
    }

    #[test]
    fn multi_line_suggestion_and_last_line_without_break() {
        let src = "FROM a\nRUN x \\\n  && y\nUSER u";
        let idx = LineIndex::new(src);
        let d = diag(
            TextRange::new(7, 21),
            Some(Fix::safe([Edit::replace(TextRange::new(11, 12), "z"), Edit::replace(TextRange::new(20, 21), "w")])),
        );
        assert_eq!(suggestion(src, &idx, &d), Some(Suggestion { start: 2, end: 3, text: "RUN z \\\n  && w".into() }));
        let d = diag(TextRange::new(22, 28), Some(Fix::safe([Edit::replace(TextRange::new(27, 28), "v")])));
        assert_eq!(suggestion(src, &idx, &d), Some(Suggestion { start: 4, end: 4, text: "USER v".into() }));
    }

    #[test]
    fn fence_outgrows_backticks() {
        assert_eq!(fence("RUN echo"), "```");
        assert_eq!(fence("RUN echo ````"), "`````");
    }

    #[test]
    fn fingerprints_ignore_line_numbers_and_whitespace_but_count_repeats() {
        let file = |src: &str| LintedFile {
            path: "Dockerfile".into(),
            source: src.into(),
            diagnostics: vec![diag(TextRange::new(0, 1), None)],
            skipped: None,
        };
        let a = fingerprints(&file("FROM   a\n"));
        let b = fingerprints(&file("FROM a"));
        assert_eq!(a, b);
        let mut two = file("RUN x\nRUN x\n");
        two.diagnostics.push(diag(TextRange::new(6, 7), None));
        let fps = fingerprints(&two);
        assert_ne!(fps[0], fps[1], "a repeated line gets its own fingerprint");
        assert_eq!(fps[0].len(), 16);
    }

    #[test]
    fn fingerprint_round_trips_through_a_body() {
        let body = comment_body(&diag(TextRange::new(0, 1), None), None, "0123456789abcdef");
        assert_eq!(fingerprint_of(&body), Some("0123456789abcdef"));
        let resolved = resolved_body(&body, "abcdef0123");
        assert_eq!(fingerprint_of(&resolved), None);
        assert!(resolved.starts_with("~~**DL3006**"));
        assert!(resolved.contains("Resolved in abcdef0"));
        assert_eq!(fingerprint_of("<!-- drydock:fp=zz -->"), None);
        assert_eq!(fingerprint_of("<!-- drydock:fp=ab"), None);
    }
}
