use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix, Severity};
use crate::lint::parser::dockerignore::{DockerIgnore, IgnorePattern, normalise};
use crate::lint::source::{LineIndex, TextRange};

declare_rule! {
    /// ## What it does
    /// Finds `.dockerignore` patterns that change nothing:
    /// - a duplicate of another line;
    /// - a pattern inside what an earlier one already excludes (`foo/bar`
    ///   after `foo`, `app.log` after `*.log`), with no `!` exception in
    ///   between that could re-include part of it;
    /// - a pattern that a later one always overrides (`!foo/keep` followed by
    ///   `foo`: the last matching pattern decides, so the exception is dead);
    /// - a `!` exception before any exclusion, which has nothing to re-include.
    ///
    /// Patterns are compared with `BuildKit`'s matcher, so `*/x` (one level)
    /// and `**/x` (any depth) and a leading `/` mean what they mean to
    /// `docker build`.
    ///
    /// ## Why is this bad?
    /// Dead patterns mislead the reader about what the context contains. A dead
    /// `!` exception is usually a bug: the file the author wanted in the image
    /// is excluded after all, because a later line excludes it again.
    ///
    /// ## Example
    /// ```text
    /// node_modules
    /// !node_modules/keep.js
    /// node_modules
    /// *.log
    /// debug.log
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// node_modules
    /// !node_modules/keep.js
    /// *.log
    /// ```
    ///
    /// ## Fix safety
    /// Only exact duplicate lines are fixed, and the fix deletes the copy whose
    /// removal cannot change any path's outcome: the later copy when nothing
    /// between the two lines has the opposite sense, else the earlier one (the
    /// later copy decides every path the earlier one matches). Other findings
    /// need a human to say which line was meant.
    pub struct DockerignoreRedundantPattern { code: "DD202", name: "dockerignore-redundant-pattern", tag: Some(Tag::Dockerignore), severity: Info, fix: Sometimes, target: DockerIgnore }
}

/// Characters that make a pattern segment more than a literal name.
const MAGIC: &[char] = &['*', '?', '[', ']', '\\'];

/// Whether a pattern is usable for comparison: valid, not a stray comment, and
/// able to match something.
fn usable(p: &IgnorePattern) -> bool {
    p.error.is_none()
        && p.inline_comment.is_none()
        && !p.pattern.is_empty()
        && p.pattern != "."
        && p.pattern != ".."
        && !p.pattern.starts_with("../")
}

/// Whether every path `b` matches (with its parent-directory rule) is matched
/// by `a` too: `b`'s literal leading directories, or `b` itself when it has no
/// wildcard, are matched by `a`, and `a` matches everything below a match.
fn covers(a: &IgnorePattern, b: &Probe) -> bool {
    b.paths.iter().any(|p| a.matches_normalised(p))
}

/// The paths [`covers`] tries for a pattern `b`, normalised once for all the patterns it is compared with:
/// `b` itself when it has no wildcard, else its literal leading directories.
struct Probe {
    paths: Vec<String>,
}

impl Probe {
    fn new(b: &IgnorePattern) -> Self {
        if !b.pattern.contains(MAGIC) {
            return Self { paths: normalise(&b.pattern).into_iter().collect() };
        }
        let mut paths = Vec::new();
        let mut prefix = String::new();
        for seg in b.pattern.split('/') {
            if seg.contains(MAGIC) {
                break;
            }
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(seg);
            paths.extend(normalise(&prefix));
        }
        Self { paths }
    }
}

/// What makes pattern `j` redundant, if anything.
enum Finding {
    /// An exact copy of an earlier line, removable itself.
    DuplicateOfEarlier(usize),
    /// An exact copy of a later line, which always decides instead of it.
    DuplicateOfLater(usize),
    /// Inside what earlier line `i` already does.
    CoveredByEarlier(usize),
    /// Overridden by later line `k`.
    OverriddenByLater(usize),
    /// A `!` before any exclusion.
    NothingToReinclude,
}

/// Prefix counts over the patterns, so that "is there a pattern of the other polarity between two lines"
/// is a subtraction instead of a scan (the scan made [`find`] cubic in the number of patterns).
struct Counts {
    /// `negated[x]`: negated patterns among the first `x`.
    negated: Vec<usize>,
    /// `plain_usable[x]`: usable patterns that are not negated among the first `x`.
    plain_usable: Vec<usize>,
}

impl Counts {
    fn new(pats: &[IgnorePattern]) -> Self {
        let (mut negated, mut plain_usable) = (vec![0], vec![0]);
        let (mut n, mut u) = (0, 0);
        for p in pats {
            n += usize::from(p.negated);
            u += usize::from(!p.negated && usable(p));
            negated.push(n);
            plain_usable.push(u);
        }
        Self { negated, plain_usable }
    }

    /// Whether a pattern in `range` has a polarity other than `negated`.
    fn other_polarity(&self, range: std::ops::Range<usize>, negated: bool) -> bool {
        if range.start >= range.end {
            return false;
        }
        let count = |v: &Vec<usize>, x: usize| v.get(x).copied().unwrap_or(0);
        let negs = count(&self.negated, range.end) - count(&self.negated, range.start);
        if negated { negs < range.end - range.start } else { negs > 0 }
    }
}

fn find(ignore: &DockerIgnore, counts: &Counts, j: usize) -> Option<Finding> {
    let pats = &ignore.patterns;
    let b = pats.get(j)?;
    if !usable(b) {
        return None;
    }
    let probe = Probe::new(b);
    // Later lines first: a pattern that a later one covers is never the last match.
    for (k, later) in pats.iter().enumerate().skip(j + 1) {
        if !usable(later) {
            continue;
        }
        let same = later.pattern == b.pattern && later.negated == b.negated;
        let opposite_between = counts.other_polarity(j + 1..k, b.negated);
        if same && !opposite_between {
            // The later copy is the one reported (as a repeat of this line).
            break;
        }
        if same {
            return Some(Finding::DuplicateOfLater(k));
        }
        if covers(later, &probe) {
            return Some(Finding::OverriddenByLater(k));
        }
    }
    for i in (0..j).rev() {
        let Some(a) = pats.get(i) else { continue };
        if !usable(a) || a.negated != b.negated {
            continue;
        }
        if counts.other_polarity(i + 1..j, b.negated) {
            break;
        }
        if a.pattern == b.pattern {
            return Some(Finding::DuplicateOfEarlier(i));
        }
        if covers(a, &probe) {
            return Some(Finding::CoveredByEarlier(i));
        }
    }
    if b.negated && counts.plain_usable.get(j).copied().unwrap_or(0) == 0 {
        return Some(Finding::NothingToReinclude);
    }
    None
}

/// The pattern as written, `!` included.
fn shown(p: &IgnorePattern) -> String {
    if p.negated { format!("!{}", p.text) } else { p.text.clone() }
}

/// Deletes line `line` with its line break.
fn delete_line(src: &str, index: &LineIndex, line: u32) -> Edit {
    let start = index.line_start(line);
    let end = index.line_start(line + 1).max(index.line_range(src, line).end);
    Edit::delete(TextRange::new(start, end))
}

impl Rule for DockerignoreRedundantPattern {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(ignore) = cx.dockerignore else { return };
        let src = cx.src;
        let index = LineIndex::new(src);
        let counts = Counts::new(&ignore.patterns);
        for (j, b) in ignore.patterns.iter().enumerate() {
            let Some(finding) = find(ignore, &counts, j) else { continue };
            let other = |i: usize| ignore.patterns.get(i).map_or((String::new(), 0), |p| (shown(p), p.line));
            let me = shown(b);
            match finding {
                Finding::DuplicateOfEarlier(i) => {
                    let (_, line) = other(i);
                    cx.report(self, b.range, format!("`{me}` repeats line {line}"))
                        .help("delete this line")
                        .fix(Fix::safe([delete_line(src, &index, b.line)]))
                }
                Finding::DuplicateOfLater(k) => {
                    let (_, line) = other(k);
                    cx.report(
                        self,
                        b.range,
                        format!("`{me}` has no effect: line {line} repeats it and decides instead"),
                    )
                    .help("delete this line; the later copy is the one that counts")
                    .fix(Fix::safe([delete_line(src, &index, b.line)]))
                }
                Finding::CoveredByEarlier(i) => {
                    let (text, line) = other(i);
                    let verb = if b.negated { "re-includes" } else { "excludes" };
                    cx.report(self, b.range, format!("`{me}` is redundant: `{text}` on line {line} already {verb} it"))
                        .help("delete this line")
                }
                Finding::OverriddenByLater(k) => {
                    let (text, line) = other(k);
                    let later_negated = ignore.patterns.get(k).is_some_and(|p| p.negated);
                    let d = cx.report(
                        self,
                        b.range,
                        format!("`{me}` has no effect: `{text}` on line {line} decides every path it matches"),
                    );
                    if b.negated && !later_negated {
                        d.severity = Severity::Warning;
                        d.help(format!("move `{me}` below line {line}, or the files it names stay excluded"))
                    } else {
                        d.help("delete this line, or move it below the line that overrides it")
                    }
                }
                Finding::NothingToReinclude => cx
                    .report(self, b.range, format!("`{me}` comes before any exclusion, so it re-includes nothing"))
                    .help("move the `!` exception below the pattern that excludes the files"),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Counts;
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::parser::dockerignore::parse;
    use crate::lint::{FileKind, LintInput, Settings, check};

    #[test]
    fn polarity_counts_answer_as_a_scan_would() {
        let ignore = parse("a\n!b\nc\nd\n!e\n[\n");
        let counts = Counts::new(&ignore.patterns);
        let n = ignore.patterns.len();
        for start in 0..=n {
            for end in start..=n {
                for negated in [false, true] {
                    let scan = ignore.patterns[start..end].iter().any(|p| p.negated != negated);
                    assert_eq!(counts.other_polarity(start..end, negated), scan, "{start}..{end} {negated}");
                }
            }
        }
        // `[` is invalid, so not usable: one usable plain pattern before `!b`, three before `!e`.
        assert_eq!(counts.plain_usable, vec![0, 1, 1, 2, 3, 3, 3]);
    }

    fn run(src: &str) -> (Vec<u32>, String) {
        let input = LintInput { kind: FileKind::DockerIgnore, ..LintInput::dockerfile(".dockerignore", src) };
        let diags = check(&input, &Settings::only("DD202"));
        let index = crate::lint::source::LineIndex::new(src);
        let lines = diags.iter().map(|d| index.line(d.range.start)).collect();
        (lines, apply_safe_fixes(src, &diags).0)
    }

    #[test]
    fn duplicates_delete_the_removable_copy() {
        assert_eq!(run("a\nb\na\n"), (vec![3], "a\nb\n".into()));
        // An exception in between: the later copy re-excludes, the earlier is dead.
        assert_eq!(run("a\n!a/k\na\n"), (vec![1, 2], "!a/k\na\n".into()));
        assert_eq!(run("a\r\na"), (vec![2], "a\r\n".into()));
    }

    #[test]
    fn buildkit_semantics_decide_coverage() {
        // `*/x` is one level deep, so it does not cover `a/b/x`; `**/x` does.
        assert_eq!(run("*/x\na/b/x\n").0, Vec::<u32>::new());
        assert_eq!(run("**/x\na/b/x\n").0, vec![2]);
        // A leading `/` is dropped: `/foo` and `foo` are the same pattern.
        assert_eq!(run("/foo\nfoo\n").0, vec![2]);
        // A wildcard pattern inside an excluded directory.
        assert_eq!(run("build\nbuild/**/*.o\n").0, vec![2]);
        // Siblings are not redundant.
        assert_eq!(run("foo\nfoobar\n").0, Vec::<u32>::new());
    }

    #[test]
    fn fix_is_idempotent() {
        let (lines, once) = run("x\nx\nx\n");
        assert_eq!((lines, once.as_str()), (vec![2, 3], "x\n"));
        assert_eq!(run(&once), (vec![], once.clone()));
    }
}
