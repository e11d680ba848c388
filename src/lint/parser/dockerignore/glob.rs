//! A direct matcher for the `.dockerignore` patterns that are only literals,
//! `*`, `?` and `**` — almost all of them — so that they need no regular
//! expression at all.
//!
//! patternmatcher turns such a pattern into a Go expression built from four
//! pieces, and this module runs the same pieces as a small NFA over the
//! path's characters:
//!
//! | pattern | Go expression | here |
//! |---|---|---|
//! | `*` | `[^/]*` | [`Piece::Star`] |
//! | `?` | `[^/]` | [`Piece::One`] |
//! | `**/` or `**` mid-pattern | `(.*/)?` | [`Piece::Dirs`] |
//! | `**` at the end | `.*` | [`Piece::Any`] |
//!
//! Go's `.` does not match a newline, and neither do [`Piece::Dirs`] and
//! [`Piece::Any`]. Patterns with a class (`[a-z]`) or an escape (`\*`) keep
//! the regular expression; a differential test holds the two to the same
//! answers.

/// One piece of a glob pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Piece {
    /// This character.
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `(.*/)?`: nothing, or any run of characters (no newline) that ends with `/`.
    Dirs,
    /// `.*`: any run of characters other than a newline.
    Any,
}

/// A compiled glob: at most [`Glob::MAX_PIECES`] pieces, so a state set fits in a `u128`.
#[derive(Clone, Debug)]
pub(super) struct Glob {
    pieces: Box<[Piece]>,
    /// The literal characters the pattern starts with, and those it ends with after its last wildcard: a
    /// path without them cannot match, which settles most paths without running the NFA.
    prefix: Box<str>,
    suffix: Box<str>,
}

impl Glob {
    /// The longest pattern matched here; longer ones use the regular expression.
    pub(super) const MAX_PIECES: usize = 127;

    /// `None` when the pattern is too long for one state word.
    pub(super) fn new(pieces: Vec<Piece>) -> Option<Self> {
        if pieces.len() > Self::MAX_PIECES {
            return None;
        }
        let literal = |p: &Piece| match p {
            Piece::Char(c) => Some(*c),
            _ => None,
        };
        let prefix: String = pieces.iter().map_while(literal).collect();
        let suffix: String = if prefix.chars().count() == pieces.len() {
            String::new()
        } else {
            let mut tail: Vec<char> = pieces.iter().rev().map_while(literal).collect();
            tail.reverse();
            tail.into_iter().collect()
        };
        Some(Self { pieces: pieces.into_boxed_slice(), prefix: prefix.into(), suffix: suffix.into() })
    }

    /// Whether the whole of `path` matches (the Go expression is anchored at both ends).
    pub(super) fn is_match(&self, path: &str) -> bool {
        if path.len() < self.prefix.len() + self.suffix.len()
            || !path.starts_with(&*self.prefix)
            || !path.ends_with(&*self.suffix)
        {
            return false;
        }
        let n = self.pieces.len();
        // `at` bit i: the next piece to match is i (bit n: all matched). `inside` bit i: piece i is a
        // `Dirs` that has started consuming its run and waits for the `/` that ends it.
        let (mut at, mut inside) = self.closure(1, 0);
        for c in path.chars() {
            if at == 0 && inside == 0 {
                return false;
            }
            let (mut next, mut next_inside) = (0u128, 0u128);
            for (i, piece) in self.pieces.iter().enumerate() {
                let bit = 1u128 << i;
                if at & bit != 0 {
                    match *piece {
                        Piece::Char(want) if want == c => next |= bit << 1,
                        Piece::One if c != '/' => next |= bit << 1,
                        Piece::Star if c != '/' => next |= bit,
                        Piece::Any if c != '\n' => next |= bit,
                        _ => {}
                    }
                }
                if inside & bit != 0 && c != '\n' {
                    next_inside |= bit;
                    if c == '/' {
                        next |= bit << 1;
                    }
                }
            }
            (at, inside) = self.closure(next, next_inside);
        }
        at & (1u128 << n) != 0
    }

    /// Adds the states reachable without reading a character: every piece that may match nothing lets the
    /// next one start, and a `Dirs` that may start begins its run.
    fn closure(&self, mut at: u128, mut inside: u128) -> (u128, u128) {
        for (i, piece) in self.pieces.iter().enumerate() {
            let bit = 1u128 << i;
            if at & bit != 0 {
                match piece {
                    Piece::Star | Piece::Any => at |= bit << 1,
                    Piece::Dirs => {
                        at |= bit << 1;
                        inside |= bit;
                    }
                    Piece::Char(_) | Piece::One => {}
                }
            }
        }
        (at, inside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &[Piece]) -> Glob {
        Glob::new(p.to_vec()).unwrap()
    }

    #[test]
    fn pieces_match_as_their_expressions() {
        use Piece::*;
        let star_md = glob(&[Star, Char('.'), Char('m'), Char('d')]);
        assert!(star_md.is_match("a.md"));
        assert!(star_md.is_match(".md"));
        assert!(!star_md.is_match("d/a.md"));
        let one = glob(&[Char('a'), One]);
        assert!(one.is_match("ab"));
        assert!(!one.is_match("a/"));
        assert!(!one.is_match("a"));
        let dirs = glob(&[Dirs, Char('x')]);
        assert!(dirs.is_match("x"));
        assert!(dirs.is_match("a/b/x"));
        assert!(dirs.is_match("/x"));
        assert!(!dirs.is_match("ax"));
        assert!(!dirs.is_match("a\n/x"));
        let any = glob(&[Char('a'), Any]);
        assert!(any.is_match("a"));
        assert!(any.is_match("a/b/c"));
        assert!(!any.is_match("a\nb"));
        assert!(glob(&[]).is_match(""));
        assert!(!glob(&[]).is_match("a"));
    }

    #[test]
    fn too_long_patterns_are_refused() {
        assert!(Glob::new(vec![Piece::Star; Glob::MAX_PIECES]).is_some());
        assert!(Glob::new(vec![Piece::Star; Glob::MAX_PIECES + 1]).is_none());
    }
}
