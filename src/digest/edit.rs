//! Writes digests into Dockerfile text: replaces exactly the digest bytes of
//! a pinned reference, or inserts `@sha256:…` after the tag of an unpinned
//! one. Nothing else in the file changes. Pure.
//!
//! When several references share one slot (an ARG default), they must all
//! want the same digest; otherwise the slot is left alone and reported, so
//! an ARG is never half-updated. Every edited file is parsed again and its
//! references compared with the intended result before it is returned.

use std::collections::BTreeMap;

use super::plan::{Finding, Status};
use super::refs::{Slot, sites};

/// Which findings an edit acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Pin unpinned references.
    Pin,
    /// Move stale pins.
    Update,
}

/// The result of editing one file.
#[derive(Clone, Debug, Default)]
pub struct Edited {
    /// The new text (equal to the input when nothing applied).
    pub text: String,
    /// How many references got a new or changed digest.
    pub applied: usize,
    /// `(line, note)` for references left alone.
    pub skipped: Vec<(u32, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum At {
    Insert(u32),
    Replace(u32, u32),
}

/// Applies the digests of `findings` (those `mode` acts on) to `src`.
pub fn apply(src: &str, findings: &[Finding], mode: Mode) -> Edited {
    let wanted = match mode {
        Mode::Pin => Status::Unpinned,
        Mode::Update => Status::Stale,
    };
    // slot -> (digest, lines)
    let mut slots: BTreeMap<At, (String, Vec<u32>, bool)> = BTreeMap::new();
    let mut skipped = Vec::new();
    for f in findings.iter().filter(|f| f.status == wanted) {
        let Some(digest) = f.proposed.as_deref().filter(|d| super::is_sha256_digest(d)) else { continue };
        let at = match &f.slot {
            Slot::Replace(r) => At::Replace(r.start, r.end),
            Slot::Insert(i) => At::Insert(*i),
            Slot::Refused(n) => {
                skipped.push((f.line, n.clone()));
                continue;
            }
        };
        let e = slots.entry(at).or_insert_with(|| (digest.to_string(), Vec::new(), true));
        e.1.push(f.line);
        if e.0 != digest {
            e.2 = false;
        }
    }
    // A slot shared with a reference that is not being moved the same way
    // (up to date, refused, another platform) must not change either.
    for f in findings.iter().filter(|f| f.status != wanted) {
        let at = match &f.slot {
            Slot::Replace(r) => At::Replace(r.start, r.end),
            Slot::Insert(i) => At::Insert(*i),
            Slot::Refused(_) => continue,
        };
        if let Some(e) = slots.get_mut(&at) {
            e.2 = false;
            e.1.push(f.line);
        }
    }
    let mut text = src.to_string();
    let mut applied = 0;
    for (at, (digest, lines, ok)) in slots.iter().rev() {
        if !ok {
            let mut lines = lines.clone();
            lines.sort_unstable();
            lines.dedup();
            let list = lines.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            for l in &lines {
                skipped.push((
                    *l,
                    format!(
                        "this digest is shared (lines {list}) by references that would need different digests; \
                         it was left unchanged, give each reference its own ARG or pin by hand"
                    ),
                ));
            }
            continue;
        }
        match *at {
            At::Replace(s, e) => {
                if text.get(s as usize..e as usize).is_some() {
                    text.replace_range(s as usize..e as usize, digest);
                    applied += lines.len();
                }
            }
            At::Insert(i) => {
                if text.is_char_boundary(i as usize) && (i as usize) <= text.len() {
                    text.insert_str(i as usize, &format!("@{digest}"));
                    applied += lines.len();
                }
            }
        }
    }
    if applied > 0 && !verify(src, &text) {
        return Edited {
            text: src.to_string(),
            applied: 0,
            skipped: vec![(0, "the edited file did not parse back to the same references; nothing was changed".into())],
        };
    }
    skipped.sort();
    skipped.dedup();
    Edited { text, applied, skipped }
}

/// The edited file holds the same references as before, apart from digests.
fn verify(old: &str, new: &str) -> bool {
    let strip = |src: &str| -> Vec<Option<String>> {
        sites(src)
            .into_iter()
            .map(|s| {
                s.image.map(|mut i| {
                    i.digest = None;
                    i.to_string()
                })
            })
            .collect()
    };
    strip(old) == strip(new) && super::refs::expanded_refs(old).len() == super::refs::expanded_refs(new).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::refs::sites;

    const OLD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const NEW: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    const OTHER: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

    fn findings(src: &str, status: Status, digests: &[&str]) -> Vec<Finding> {
        sites(src)
            .into_iter()
            .zip(digests)
            .map(|(s, d)| Finding {
                path: "Dockerfile".into(),
                line: s.line,
                kind: s.kind,
                reference: s.display(),
                status,
                pinned: None,
                proposed: Some((*d).to_string()),
                platforms: Vec::new(),
                note: None,
                slot: s.slot,
            })
            .collect()
    }

    #[test]
    fn replaces_only_digest_bytes() {
        let src = format!("FROM   node:20@{OLD}   AS  b # keep\nCOPY --from=alpine:3@{OLD} /a /a\n");
        let e = apply(&src, &findings(&src, Status::Stale, &[NEW, NEW]), Mode::Update);
        assert_eq!(e.text, src.replace(OLD, NEW));
        assert_eq!(e.applied, 2);
    }

    #[test]
    fn inserts_after_tag() {
        let src = "FROM node:20 AS b\nRUN --mount=from=busybox:1,target=/x true\n";
        let e = apply(src, &findings(src, Status::Unpinned, &[NEW, OTHER]), Mode::Pin);
        assert_eq!(e.text, format!("FROM node:20@{NEW} AS b\nRUN --mount=from=busybox:1@{OTHER},target=/x true\n"));
    }

    #[test]
    fn shared_arg_with_different_digests_is_left_alone() {
        let src = format!(
            "ARG BASE=node:20@{OLD}\nFROM --platform=linux/amd64 ${{BASE}}\nFROM --platform=linux/arm64 ${{BASE}}\n"
        );
        let e = apply(&src, &findings(&src, Status::Stale, &[NEW, OTHER]), Mode::Update);
        assert_eq!(e.text, src);
        assert_eq!(e.applied, 0);
        assert!(e.skipped.iter().any(|(_, n)| n.contains("shared")), "{:?}", e.skipped);
    }

    #[test]
    fn shared_arg_with_one_digest_moves_once() {
        let src = format!("ARG BASE=node:20@{OLD}\nFROM ${{BASE}}\nARG BASE\nCOPY --from=${{BASE}} /a /a\n");
        let f = findings(&src, Status::Stale, &[NEW, NEW]);
        assert_eq!(f.len(), 2);
        let e = apply(&src, &f, Mode::Update);
        assert_eq!(e.text, src.replace(OLD, NEW));
        assert_eq!(e.applied, 2);
    }

    #[test]
    fn shared_slot_with_an_up_to_date_user_is_left_alone() {
        let src = format!("ARG BASE=node:20@{OLD}\nFROM ${{BASE}}\nARG BASE\nCOPY --from=${{BASE}} /a /a\n");
        let mut f = findings(&src, Status::Stale, &[NEW, NEW]);
        f[1].status = Status::RebuildUnchanged;
        let e = apply(&src, &f, Mode::Update);
        assert_eq!(e.text, src);
    }
}
