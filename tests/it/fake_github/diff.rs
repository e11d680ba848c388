//! Which head-side (RIGHT) lines a unified-diff `patch` shows, and in which
//! hunk: what GitHub checks before it accepts a review comment.

use std::collections::HashMap;

/// RIGHT-side line number → index of the hunk that shows it.
pub fn right_lines(patch: &str) -> HashMap<u64, usize> {
    let mut lines = HashMap::new();
    let mut hunk: Option<usize> = None;
    let mut next_right = 0u64;
    let mut count = 0usize;
    for line in patch.lines() {
        if let Some(header) = line.strip_prefix("@@ ") {
            // `@@ -a,b +c,d @@ optional context`
            let start = header
                .split_whitespace()
                .find_map(|part| part.strip_prefix('+'))
                .and_then(|plus| plus.split(',').next())
                .and_then(|n| n.parse::<u64>().ok());
            next_right = start.unwrap_or(0);
            hunk = Some(count);
            count += 1;
            continue;
        }
        let Some(h) = hunk else { continue };
        match line.as_bytes().first() {
            Some(b'+' | b' ') | None => {
                lines.insert(next_right, h);
                next_right += 1;
            }
            _ => {} // `-` (base side only) and `\ No newline at end of file`
        }
    }
    lines
}

#[test]
fn right_lines_follow_hunks() {
    let patch = "@@ -1,3 +1,4 @@\n FROM a\n-RUN x\n+RUN y\n+RUN z\n USER u\n@@ -10,2 +11,2 @@ ctx\n-A\n+B\n C";
    let lines = right_lines(patch);
    let mut got: Vec<(u64, usize)> = lines.into_iter().collect();
    got.sort_unstable();
    assert_eq!(got, vec![(1, 0), (2, 0), (3, 0), (4, 0), (11, 1), (12, 1)]);
}
