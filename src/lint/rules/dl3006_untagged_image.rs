use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::ImageUseKind;

declare_rule! {
    /// ## What it does
    /// Finds `FROM` images with neither a tag nor a digest. ARG-templated
    /// references are checked after expanding their defaults.
    ///
    /// ## Why is this bad?
    /// An untagged image means `latest`, which moves whenever the publisher
    /// pushes: the same Dockerfile builds a different image tomorrow. The standard
    /// asks for base images "pinned by digest"; having no tag at all is the worst
    /// case of not doing so.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12.7-slim@sha256:<digest>
    /// ```
    ///
    /// ## References
    /// hadolint DL3006; the standard's "Pin base image versions precisely".
    pub struct UntaggedImage { code: "DL3006", name: "untagged-image", tag: Some(Tag::PinnedBase), severity: Warning, fix: None }
}

impl Rule for UntaggedImage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for image in &cx.model.images {
            if image.kind != ImageUseKind::From {
                continue;
            }
            let Some(r) = &image.image.reference else { continue };
            if r.tag.is_some() || r.digest.is_some() || !image.image.unset.is_empty() {
                continue;
            }
            let shown = &image.image.expanded;
            let msg = if image.image.templated {
                format!("image `{}` (from `{shown}`) has no tag, so it means `latest`", image.image.raw)
            } else {
                format!("image `{shown}` has no tag, so it means `latest`")
            };
            cx.report(self, image.image.range, msg)
                .help(format!("name an exact version and pin its digest, e.g. `{shown}:<version>@sha256:<digest>`"));
        }
    }
}
