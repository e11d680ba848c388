//! Decides, per reference, what is true and what to propose: up to date,
//! stale (and the digest to move to), not pinned (and the digest to pin), or
//! one of the cases we report and never act on.
//!
//! Multi-platform rules (Renovate and Dependabot get these wrong, see
//! renovate#33173, dependabot#2962 and #8609):
//! - an index pin stays an index pin;
//! - a platform-manifest pin follows the same os/arch/variant in the tag's
//!   new index;
//! - a platform that vanished from the index is reported, never switched;
//! - when the index moved but none of the platforms the pin consumes changed
//!   (another architecture was rebuilt), nothing is proposed
//!   (dependabot#15354).

use serde::Serialize;

use super::refs::{Site, SiteKind, Slot};
use super::{Platform, ResolveError, Resolver, short};

/// The verdict for one reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Pinned, and the tag still points there.
    UpToDate,
    /// Pinned, and the tag points elsewhere now: `update` moves it.
    Stale,
    /// Not pinned: `pin` pins it.
    Unpinned,
    /// The tag moved, but not for the platforms this pin uses.
    RebuildUnchanged,
    /// The pinned platform is no longer in the tag's index.
    PlatformVanished,
    /// The tag switched between an index and a single manifest.
    KindChanged,
    /// Pinned by digest without a tag: nothing to follow.
    DigestOnly,
    /// No tag and no digest (`FROM node`): add a tag first.
    Untagged,
    /// The digest cannot be edited safely (shared ARG, variables).
    Refused,
    /// The registry lookup failed.
    Error,
}

/// One reference and its verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// File, as given.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// How the image is used.
    pub kind: SiteKind,
    /// The reference (expanded, familiar form).
    pub reference: String,
    /// The verdict.
    pub status: Status,
    /// The pinned digest, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<String>,
    /// The digest to pin or move to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed: Option<String>,
    /// The platforms the decision is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// Why, or what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the digest goes.
    #[serde(skip)]
    pub slot: Slot,
}

impl Finding {
    /// Whether this calls for action (`check` exits 1).
    pub fn needs_action(&self) -> bool {
        matches!(self.status, Status::Stale | Status::Unpinned | Status::PlatformVanished | Status::KindChanged)
    }

    /// A one-line human description.
    pub fn describe(&self) -> String {
        let pinned = self.pinned.as_deref().map(short).unwrap_or_default();
        let proposed = self.proposed.as_deref().map(short).unwrap_or_default();
        let platforms =
            if self.platforms.is_empty() { String::new() } else { format!(" [{}]", self.platforms.join(", ")) };
        let head = match self.status {
            Status::UpToDate => format!("up to date ({pinned})"),
            Status::Stale => format!("stale: pinned {pinned}, the tag now points to {proposed}{platforms}"),
            Status::Unpinned => format!("not pinned; the tag points to {proposed}"),
            Status::RebuildUnchanged => {
                format!("the tag was rebuilt, but nothing changed for the pinned platforms{platforms}; not proposed")
            }
            Status::PlatformVanished => {
                format!("pinned platform vanished from the tag's index{platforms}; not switched")
            }
            Status::KindChanged => {
                "the tag switched between a multi-platform index and a single manifest; not switched".into()
            }
            Status::DigestOnly => "pinned by digest without a tag; nothing to follow".into(),
            Status::Untagged => "has no tag; add one (DL3006) before pinning".into(),
            Status::Refused => "cannot be edited safely".into(),
            Status::Error => "registry lookup failed".into(),
        };
        match &self.note {
            Some(n) => format!("{head}: {n}"),
            None => head,
        }
    }
}

/// Assesses every site of one file.
pub async fn assess_file(resolver: &Resolver, path: &str, sites: &[Site]) -> Vec<Finding> {
    let mut out = Vec::with_capacity(sites.len());
    for site in sites {
        out.push(assess(resolver, path, site).await);
    }
    out
}

/// Assesses one site.
pub async fn assess(resolver: &Resolver, path: &str, site: &Site) -> Finding {
    let mut f = Finding {
        path: path.to_string(),
        line: site.line,
        kind: site.kind,
        reference: site.display(),
        status: Status::Error,
        pinned: site.image.as_ref().and_then(|i| i.digest.clone()),
        proposed: None,
        platforms: Vec::new(),
        note: None,
        slot: site.slot.clone(),
    };
    let Some(image) = &site.image else {
        f.status = Status::Refused;
        if let Slot::Refused(n) = &site.slot {
            f.note = Some(n.clone());
        }
        return f;
    };
    if image.is_scratch() {
        f.status = Status::UpToDate;
        return f;
    }
    if image.tag.is_none() {
        f.status = if image.digest.is_some() { Status::DigestOnly } else { Status::Untagged };
        return f;
    }
    let hint = site.platform.as_deref().and_then(Platform::parse);
    match decide(resolver, image, hint.as_ref(), &mut f).await {
        Ok(()) => {}
        Err(e) => {
            f.status = Status::Error;
            f.note = Some(e.to_string());
        }
    }
    if matches!(f.status, Status::Stale | Status::Unpinned)
        && let Slot::Refused(n) = &site.slot
    {
        f.note = Some(format!("{}; {n}", f.describe()));
        f.status = Status::Refused;
    }
    f
}

#[allow(clippy::single_match_else)]
async fn decide(
    resolver: &Resolver,
    image: &crate::lint::model::image_ref::ImageRef,
    hint: Option<&Platform>,
    f: &mut Finding,
) -> Result<(), ResolveError> {
    let head = resolver.tag_head(image).await?;
    let Some(old) = image.digest.as_deref() else {
        f.status = Status::Unpinned;
        f.proposed = Some(head.digest);
        return Ok(());
    };
    if old == head.digest {
        f.status = Status::UpToDate;
        return Ok(());
    }
    let old_m = match resolver.manifest(image, old).await {
        Ok(m) => m,
        Err(ResolveError::NotFound { .. }) => {
            f.status = Status::Error;
            f.note = Some(
                "the pinned digest is no longer in the registry, so its platform cannot be checked; remove the \
                 digest and run `drydock digest pin`"
                    .into(),
            );
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let new_m = resolver.manifest(image, &head.digest).await?;
    if old_m.is_index() {
        if !new_m.is_index() {
            f.status = Status::KindChanged;
            f.note = Some("the pin is a multi-platform index, the tag now a single manifest".into());
            return Ok(());
        }
        let consumed: Vec<Platform> = match hint {
            Some(p) => vec![p.clone()],
            None => old_m.platforms.iter().map(|(p, _)| p.clone()).collect(),
        };
        let vanished: Vec<String> =
            consumed.iter().filter(|p| new_m.platform_digest(p).is_none()).map(ToString::to_string).collect();
        if !vanished.is_empty() {
            f.status = Status::PlatformVanished;
            f.platforms = vanished;
            return Ok(());
        }
        let changed: Vec<String> = consumed
            .iter()
            .filter(|p| old_m.platform_digest(p) != new_m.platform_digest(p))
            .map(ToString::to_string)
            .collect();
        if changed.is_empty() && !consumed.is_empty() {
            f.status = Status::RebuildUnchanged;
            f.platforms = consumed.iter().map(ToString::to_string).collect();
            f.proposed = Some(head.digest);
            return Ok(());
        }
        f.status = Status::Stale;
        f.platforms = changed;
        f.proposed = Some(head.digest);
        return Ok(());
    }
    // A platform-manifest pin: follow its platform.
    let platform = resolver.platform_of(image, &old_m).await?;
    f.platforms = vec![platform.to_string()];
    let new_digest = if new_m.is_index() {
        match new_m.platform_digest(&platform) {
            Some(d) => d.to_string(),
            None => {
                f.status = Status::PlatformVanished;
                return Ok(());
            }
        }
    } else {
        let new_platform = resolver.platform_of(image, &new_m).await?;
        if new_platform != platform {
            f.status = Status::PlatformVanished;
            f.note = Some(format!("the tag now holds only {new_platform}"));
            return Ok(());
        }
        head.digest.clone()
    };
    if new_digest == old {
        // The tag's entry for this platform is still the pinned manifest.
        f.status = Status::UpToDate;
    } else {
        f.status = Status::Stale;
        f.proposed = Some(new_digest);
    }
    Ok(())
}
