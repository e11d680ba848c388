//! Byte ranges into the original text, and the one place that turns them into
//! lines and columns.
//!
//! Every span in the engine is a `u32` byte range into the file exactly as it was
//! read (BOM, CRLF and all), so a fix can replace exact bytes and a report can name
//! the exact physical line. Rules never compute lines themselves: reports do it once
//! per file through [`LineIndex`]. Inputs over `u32::MAX` bytes are refused up front
//! by [`crate::lint::check`].

use serde::Serialize;

/// A half-open byte range `start..end` into a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TextRange {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl TextRange {
    /// A range from `start` to `end`; the ends are swapped if given backwards.
    pub fn new(start: u32, end: u32) -> Self {
        if start <= end { Self { start, end } } else { Self { start: end, end: start } }
    }

    /// An empty range at `offset`.
    pub fn empty(offset: u32) -> Self {
        Self { start: offset, end: offset }
    }

    /// A range from `usize` offsets, saturating at `u32::MAX`.
    pub fn from_usize(start: usize, end: usize) -> Self {
        Self::new(to_u32(start), to_u32(end))
    }

    /// Length in bytes.
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    /// Whether the range covers no byte.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// Whether `offset` lies inside the range.
    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }

    /// The smallest range covering both.
    #[must_use]
    pub fn cover(self, other: Self) -> Self {
        Self { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// The range moved right by `delta` bytes.
    #[must_use]
    pub fn shift(self, delta: u32) -> Self {
        Self { start: self.start.saturating_add(delta), end: self.end.saturating_add(delta) }
    }

    /// The text this range covers, or `""` when it does not fit `src` or splits a
    /// UTF-8 character.
    pub fn slice(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// Converts a `usize` offset to `u32`, saturating. Callers have already refused
/// inputs larger than `u32::MAX`.
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether `haystack` contains `needle`, ASCII letters compared without case, without building a lowercase
/// copy (rules ask this of every word of every command).
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else { return true };
    let Some(starts) = h.len().checked_sub(n.len()).and_then(|last| h.get(..=last)) else { return false };
    // Candidates are where the first byte appears in either case (memchr's SIMD search); most words
    // have none.
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), starts)
        .any(|i| h.get(i + 1..i + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(rest)))
}

/// Whether `haystack` ends with `needle`, ASCII letters compared without case.
pub fn ends_with_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .len()
        .checked_sub(needle.len())
        .and_then(|start| haystack.as_bytes().get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Offsets of line starts, for offset → (line, column) lookups by binary search.
///
/// A line ends at `\n`; a `\r` before it belongs to the line's terminator and is
/// never counted as a column.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    /// Indexes `src`.
    pub fn new(src: &str) -> Self {
        let mut starts = Vec::with_capacity(src.len() / 32 + 1);
        starts.push(0);
        // SIMD newline search: every file is indexed, and most lines are short.
        starts.extend(memchr::memchr_iter(b'\n', src.as_bytes()).map(|i| to_u32(i + 1)));
        Self { starts, len: to_u32(src.len()) }
    }

    /// 1-based line of `offset` (an offset at or past the end is on the last line).
    pub fn line(&self, offset: u32) -> u32 {
        let idx = match self.starts.binary_search(&offset.min(self.len)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        to_u32(idx + 1)
    }

    /// 1-based line and 1-based column (counted in characters) of `offset`.
    pub fn line_col(&self, src: &str, offset: u32) -> (u32, u32) {
        let line = self.line(offset);
        let start = self.line_start(line);
        let text = src.get(start as usize..offset.min(self.len) as usize).unwrap_or("");
        (line, to_u32(text.chars().count() + 1))
    }

    /// Byte offset where 1-based `line` starts (the end of text past the last line).
    pub fn line_start(&self, line: u32) -> u32 {
        let i = line.saturating_sub(1) as usize;
        self.starts.get(i).copied().unwrap_or(self.len)
    }

    /// Byte range of 1-based `line` without its terminator (`\n` or `\r\n`).
    pub fn line_range(&self, src: &str, line: u32) -> TextRange {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1);
        let bytes = src.as_bytes();
        if end > start && bytes.get(end as usize - 1) == Some(&b'\n') {
            end -= 1;
            if end > start && bytes.get(end as usize - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        TextRange::new(start, end)
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> u32 {
        let n = self.starts.len();
        if n > 1 && self.starts[n - 1] == self.len { to_u32(n - 1) } else { to_u32(n) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn case_insensitive_search_matches_every_window(h in "[aAbB1=é]{0,12}", n in "[aAbB1=]{0,4}") {
            let windows = n.is_empty() || h.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n.as_bytes()));
            prop_assert_eq!(contains_ignore_ascii_case(&h, &n), windows);
        }
    }

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ignore_ascii_case("Acquire::AllowInsecureRepositories=1", "allowinsecurerepositories"));
        assert!(contains_ignore_ascii_case("abc", ""));
        assert!(!contains_ignore_ascii_case("ab", "abc"));
        assert!(!contains_ignore_ascii_case("gpgchek", "gpgcheck"));
        assert!(contains_ignore_ascii_case("xGPGCHECK", "gpgcheck"));
        assert!(contains_ignore_ascii_case("gpgcheck", "gpgcheck"));
        assert!(!contains_ignore_ascii_case("", "g"));
        assert!(ends_with_ignore_ascii_case("x=YES", "=yes"));
        assert!(!ends_with_ignore_ascii_case("es", "=yes"));
        // A multi-byte character is compared byte for byte and never splits the search.
        assert!(ends_with_ignore_ascii_case("é=1", "=1"));
        assert!(!ends_with_ignore_ascii_case("é", "\u{e9}x"));
    }

    #[test]
    fn lines_and_columns() {
        let src = "ab\r\ncé\nx";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 0), (1, 1));
        assert_eq!(idx.line_col(src, 4), (2, 1));
        assert_eq!(idx.line_col(src, 7), (2, 3));
        assert_eq!(idx.line_col(src, 8), (3, 1));
        assert_eq!(idx.line_range(src, 1).slice(src), "ab");
        assert_eq!(idx.line_range(src, 2).slice(src), "cé");
        assert_eq!(idx.line_count(), 3);
        assert_eq!(LineIndex::new("a\n").line_count(), 1);
    }
}
