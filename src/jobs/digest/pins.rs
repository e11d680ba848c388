//! Pin suggestions in PR reviews: an unpinned `FROM` flagged by the pinned-base rule (DD001) gets a safe
//! fix that inserts the digest its tag points to now (`FROM node:20` → `FROM node:20@sha256:…`), so the
//! review comment carries a ```` ```suggestion ```` block. Only when the registry is allowed by the SSRF
//! guard and answers; otherwise the finding stays as it is. Never an error: a lookup that fails leaves
//! the plain finding.

use crate::digest::plan::{self, Status};
use crate::digest::refs::{self, SiteKind, Slot};
use crate::digest::{Resolver, is_sha256_digest};
use crate::lint::source::LineIndex;
use crate::lint::{Diagnostic, Edit, Fix};

/// The pinned-base rule whose findings get a pin suggestion.
pub const PINNED_BASE_CODE: &str = "DD001";
/// Most registry lookups for one file.
pub const MAX_LOOKUPS_PER_FILE: usize = 10;

/// Gives DD001 findings on unpinned `FROM` lines of `source` a safe fix that pins the tag's current
/// digest; returns how many got one.
pub async fn suggest(resolver: &Resolver, path: &str, source: &str, diagnostics: &mut [Diagnostic]) -> usize {
    if !diagnostics.iter().any(|d| d.code == PINNED_BASE_CODE && d.fix.is_none()) {
        return 0;
    }
    let sites = refs::sites(source);
    let index = LineIndex::new(source);
    let mut given = 0;
    for d in diagnostics.iter_mut().filter(|d| d.code == PINNED_BASE_CODE && d.fix.is_none()).take(MAX_LOOKUPS_PER_FILE)
    {
        let line = index.line(d.range.start);
        let Some(site) = sites.iter().find(|s| {
            s.kind == SiteKind::From
                && s.line == line
                && matches!(s.slot, Slot::Insert(_))
                && s.image.as_ref().is_some_and(|i| i.digest.is_none() && i.tag.is_some() && !i.is_scratch())
        }) else {
            continue;
        };
        let Slot::Insert(at) = site.slot else { continue };
        let finding = plan::assess(resolver, path, site).await;
        match finding.proposed {
            Some(digest) if finding.status == Status::Unpinned && is_sha256_digest(&digest) => {
                d.fix = Some(Fix::safe([Edit::insert(at, format!("@{digest}"))]));
                given += 1;
            }
            _ => {
                tracing::debug!(path, line, note = ?finding.note, "no pin suggestion");
            }
        }
    }
    given
}
