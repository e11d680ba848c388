//! Which head-side (RIGHT) lines a pull-request file's unified-diff `patch`
//! shows, and in which hunk: GitHub accepts a review comment only on such a
//! line, and a multi-line comment only within one hunk.
//!
//! The parser is forgiving, since the patch is API data: lines before the first
//! hunk header (`diff --git`, `rename from`, `---`/`+++`) are skipped; a header
//! that does not parse (e.g. a combined diff's `@@@`) makes its hunk unknown, so
//! none of its lines can carry a comment; a hunk ends when the counts its header
//! gives are used up, so trailing noise is not read as lines; an empty line
//! inside a hunk is a context line whose leading space was stripped; and
//! `\ No newline at end of file` is no line at all.

use std::collections::BTreeMap;

/// How a RIGHT-side line appears in the diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Added by the change (`+`).
    Added,
    /// Unchanged, shown around a change (` `).
    Context,
}

/// The RIGHT-side lines of one file's patch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patch {
    /// Line number (1-based, at the head) → (hunk index, kind).
    lines: BTreeMap<u32, (usize, LineKind)>,
}

/// Longest patch read; GitHub leaves `patch` out for diffs far smaller than this.
const MAX_PATCH_BYTES: usize = 4 * 1024 * 1024;

impl Patch {
    /// Reads a patch's hunks.
    pub fn parse(patch: &str) -> Self {
        let patch = patch.get(..MAX_PATCH_BYTES.min(patch.len())).unwrap_or("");
        let mut lines = BTreeMap::new();
        let mut hunk: Option<usize> = None;
        let mut count = 0usize;
        let mut right = 0u32;
        // Lines of the hunk still to come on each side.
        let (mut old_left, mut new_left) = (0u32, 0u32);
        for line in patch.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.starts_with("@@") {
                count += 1;
                match parse_header(line) {
                    Some((old_len, new_start, new_len)) => {
                        hunk = Some(count - 1);
                        right = new_start;
                        old_left = old_len;
                        new_left = new_len;
                    }
                    None => hunk = None,
                }
                continue;
            }
            let Some(h) = hunk else { continue };
            if old_left == 0 && new_left == 0 {
                continue; // past the hunk's end: noise until the next header
            }
            match line.as_bytes().first() {
                Some(b'+') => {
                    if new_left > 0 {
                        lines.insert(right, (h, LineKind::Added));
                        right = right.saturating_add(1);
                        new_left -= 1;
                    }
                }
                Some(b'-') => old_left = old_left.saturating_sub(1),
                Some(b' ') | None => {
                    if new_left > 0 {
                        lines.insert(right, (h, LineKind::Context));
                        right = right.saturating_add(1);
                        new_left -= 1;
                    }
                    old_left = old_left.saturating_sub(1);
                }
                Some(_) => {} // `\ No newline at end of file`, or not a diff line
            }
        }
        Self { lines }
    }

    /// How `line` appears in the diff, if it does.
    pub fn kind(&self, line: u32) -> Option<LineKind> {
        self.lines.get(&line).map(|&(_, k)| k)
    }

    /// Whether every line of `start..=end` is shown, all in one hunk.
    pub fn spans_one_hunk(&self, start: u32, end: u32) -> bool {
        let Some(&(hunk, _)) = self.lines.get(&start) else { return false };
        start <= end && (start..=end).all(|l| self.lines.get(&l).is_some_and(|&(h, _)| h == hunk))
    }

    /// Whether a line of `start..=end` was added by the change.
    pub fn adds_any(&self, start: u32, end: u32) -> bool {
        self.lines.range(start..=end).any(|(_, &(_, k))| k == LineKind::Added)
    }

    /// Whether the patch shows no RIGHT-side line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// `@@ -a[,b] +c[,d] @@ …` → (b, c, d); a missing count is 1.
fn parse_header(line: &str) -> Option<(u32, u32, u32)> {
    let rest = line.strip_prefix("@@ ")?;
    let (ranges, _) = rest.split_once(" @@").unwrap_or((rest.trim_end_matches('@').trim_end(), ""));
    let mut parts = ranges.split_whitespace();
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    if parts.next().is_some() {
        return None;
    }
    let range = |s: &str| -> Option<(u32, u32)> {
        match s.split_once(',') {
            Some((start, len)) => Some((start.parse().ok()?, len.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (_, old_len) = range(old)?;
    let (new_start, new_len) = range(new)?;
    Some((old_len, new_start, new_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(p: &Patch) -> Vec<(u32, usize, LineKind)> {
        p.lines.iter().map(|(&l, &(h, k))| (l, h, k)).collect()
    }

    use LineKind::{Added as A, Context as C};

    #[test]
    fn hunks_and_kinds() {
        let p = Patch::parse(
            "@@ -1,3 +1,4 @@\n FROM a\n-RUN x\n+RUN y\n+RUN z\n USER u\n@@ -10,2 +11,2 @@ ctx\n-A\n+B\n C",
        );
        assert_eq!(shown(&p), vec![(1, 0, C), (2, 0, A), (3, 0, A), (4, 0, C), (11, 1, A), (12, 1, C)]);
        assert!(p.spans_one_hunk(1, 4));
        assert!(!p.spans_one_hunk(4, 11));
        assert!(!p.spans_one_hunk(5, 5));
        assert!(p.adds_any(1, 2));
        assert!(!p.adds_any(4, 10));
    }

    #[test]
    fn no_newline_marker_is_not_a_line() {
        let p = Patch::parse(
            "@@ -1,2 +1,2 @@\n FROM a\n-USER x\n\\ No newline at end of file\n+USER y\n\\ No newline at end of file",
        );
        assert_eq!(shown(&p), vec![(1, 0, C), (2, 0, A)]);
    }

    #[test]
    fn counts_default_to_one_and_new_files_start_at_one() {
        let p = Patch::parse("@@ -0,0 +1 @@\n+FROM scratch");
        assert_eq!(shown(&p), vec![(1, 0, A)]);
        let p = Patch::parse("@@ -5 +5 @@\n-a\n+b");
        assert_eq!(shown(&p), vec![(5, 0, A)]);
    }

    #[test]
    fn git_headers_before_the_first_hunk_are_skipped() {
        // A rename as `git diff` prints it: the `---`/`+++` lines are headers, not lines.
        let patch = "diff --git a/old/Dockerfile b/new/Dockerfile\nsimilarity index 90%\nrename from old/Dockerfile\n\
                     rename to new/Dockerfile\n--- a/old/Dockerfile\n+++ b/new/Dockerfile\n@@ -1,2 +1,2 @@\n-FROM a\n+FROM b\n USER u\n";
        assert_eq!(shown(&Patch::parse(patch)), vec![(1, 0, A), (2, 0, C)]);
        // A pure rename has no patch at all.
        assert!(Patch::parse("").is_empty());
    }

    #[test]
    fn lines_that_look_like_headers_inside_a_hunk_are_lines() {
        let p = Patch::parse("@@ -1,2 +1,2 @@\n--- removed\n+++ added\n x");
        assert_eq!(shown(&p), vec![(1, 0, A), (2, 0, C)]);
    }

    #[test]
    fn odd_headers_make_their_hunk_unknown() {
        // A combined diff's header, garbage, and a header with extra ranges.
        for header in ["@@@ -1,2 -1,2 +1,3 @@@", "@@ nonsense @@", "@@ -1,2 +x,3 @@", "@@ -1 +1 +1 @@"] {
            let p = Patch::parse(&format!("{header}\n+a\n b\n@@ -9,1 +9,1 @@\n+c"));
            assert_eq!(shown(&p), vec![(9, 1, A)], "{header}");
        }
        // No ` @@` terminator and a section name with spaces.
        let p = Patch::parse("@@ -1,1 +1,1 @@ FROM a AS b\n+x");
        assert_eq!(shown(&p), vec![(1, 0, A)]);
        let p = Patch::parse("@@ -1,1 +1,1\n+x");
        assert_eq!(shown(&p), vec![(1, 0, A)]);
    }

    #[test]
    fn noise_after_a_hunk_and_stripped_context_lines() {
        // An empty line inside a hunk is context; after the counts run out, text is ignored.
        let p = Patch::parse("@@ -1,3 +1,3 @@\n a\n\n c\ntrailing garbage\n+not a line\r\n");
        assert_eq!(shown(&p), vec![(1, 0, C), (2, 0, C), (3, 0, C)]);
        let p = Patch::parse("@@ -1,1 +1,1 @@\r\n-a\r\n+b\r\n");
        assert_eq!(shown(&p), vec![(1, 0, A)]);
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        let p = Patch::parse(&format!("@@ -1,1 +{},2 @@\n+a\n+b", u32::MAX));
        assert_eq!(p.kind(u32::MAX), Some(A));
        assert!(Patch::parse("@@ -1,1 +99999999999,1 @@\n+a").is_empty());
    }
}
