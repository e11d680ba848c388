use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::ImageUseKind;

declare_rule! {
    /// ## What it does
    /// Finds `FROM` images tagged `latest` without a digest.
    ///
    /// ## Why is this bad?
    /// `latest` is a moving tag: every push by the publisher changes what the
    /// same Dockerfile builds, and a rollback does not bring the old base back.
    /// The standard names `FROM ubuntu:latest` as a common pitfall.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19@sha256:<digest>
    /// ```
    ///
    /// ## References
    /// hadolint DL3007. Unlike hadolint, `latest@sha256:…` is not reported: the
    /// digest pins it.
    pub struct LatestTag { code: "DL3007", name: "latest-tag", tag: Some(Tag::PinnedBase), severity: Warning, fix: None }
}

impl Rule for LatestTag {
    fn check_file(&self, cx: &mut Context<'_>) {
        for image in &cx.model.images {
            if image.kind != ImageUseKind::From {
                continue;
            }
            let Some(r) = &image.image.reference else { continue };
            if r.digest.is_some() || r.tag.as_deref() != Some("latest") {
                continue;
            }
            cx.report(
                self,
                image.image.range,
                format!("image `{}` uses the moving `latest` tag", image.image.expanded),
            )
            .help("name an exact version, and pin its digest so rebuilds are identical");
        }
    }
}
