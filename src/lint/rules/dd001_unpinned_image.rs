use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::ImageUseKind;

declare_rule! {
    /// ## What it does
    /// Finds external images that are not pinned by digest: in `FROM`, in
    /// `COPY --from=<image>` and in `RUN --mount=from=<image>`. References built
    /// from ARGs are checked after expanding the ARG defaults.
    ///
    /// ## Why is this bad?
    /// A tag is a moving target: the publisher can push a new image under
    /// `node:20.11.1-alpine3.19` at any time, and your next build silently uses it.
    /// Only a digest guarantees that the image built in CI is bit-for-bit the one
    /// built three months later. The standard calls a digest-less pin "wrong".
    /// Pinning does not mean falling behind: `drydock digest update` and the
    /// drydock App move pins forward when the tag gets a patched image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19
    /// COPY --from=busybox:1.36 /bin/busybox /bin/busybox
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20.11.1-alpine3.19@sha256:<digest>
    /// COPY --from=busybox:1.36@sha256:<digest> /bin/busybox /bin/busybox
    /// ```
    ///
    /// ## References
    /// The standard's "Pin base image versions precisely". No other linter checks
    /// this; Renovate and Dependabot only keep existing pins fresh.
    pub struct UnpinnedImage { code: "DD001", name: "unpinned-image", tag: Some(Tag::PinnedBase), severity: Error, fix: None }
}

impl Rule for UnpinnedImage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for image in &cx.model.images {
            let text = &image.image;
            let Some(r) = &text.reference else { continue };
            if r.digest.is_some() || !text.unset.is_empty() {
                continue;
            }
            let what = match image.kind {
                ImageUseKind::From => "base image",
                ImageUseKind::CopyFrom => "`COPY --from` image",
                ImageUseKind::MountFrom => "`RUN --mount=from` image",
            };
            // Most FROMs are reported: the messages are joined from their pieces, not formatted.
            let shown = if text.templated {
                ["`", &text.raw, "` (resolves to `", &text.expanded, "`)"].concat()
            } else {
                ["`", &text.expanded, "`"].concat()
            };
            let why = match r.tag.as_deref() {
                None => " has no tag and no digest, so it floats with `latest`",
                Some("latest") => " uses the moving `latest` tag and no digest",
                Some(_) => " is not pinned by digest",
            };
            let msg = [what, " ", &shown, why].concat();
            let help = if text.arg_default.is_some() {
                "pin the ARG default with its digest (`name:tag@sha256:…`); `drydock digest pin` finds it".to_string()
            } else {
                ["pin it as `", &text.expanded, "@sha256:<digest>`; `drydock digest pin` looks the digest up"].concat()
            };
            cx.report(self, text.range, msg).help(help);
        }
    }
}
