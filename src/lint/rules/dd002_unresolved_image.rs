use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds image references that cannot be resolved to a concrete image: an
    /// ARG with no default (`FROM ${BASE}`), or text that is not a valid image
    /// reference after expansion.
    ///
    /// ## Why is this bad?
    /// What gets built depends on a `--build-arg` that the Dockerfile does not
    /// show, so nobody reviewing it can tell which base is used or whether it is
    /// pinned, and a build without the argument fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG BASE
    /// FROM ${BASE}
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG BASE=python:3.12-slim@sha256:<digest>
    /// FROM ${BASE}
    /// ```
    ///
    /// ## References
    /// `BuildKit`'s `InvalidDefaultArgInFrom` check reports the same for
    /// `FROM` ("default value for ARG results in empty or invalid base image
    /// name").
    pub struct UnresolvedImage { code: "DD002", name: "unresolved-image", tag: Some(Tag::PinnedBase), severity: Warning, fix: None }
}

impl Rule for UnresolvedImage {
    fn check_file(&self, cx: &mut Context<'_>) {
        for image in &cx.model.images {
            let text = &image.image;
            if text.raw.is_empty() {
                continue;
            }
            if !text.unset.is_empty() {
                let vars = text.unset.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
                cx.report(self, text.range, format!("image `{}` cannot be resolved: {vars} has no default", text.raw))
                    .help("give the ARG a default that names a pinned image, so the Dockerfile says what it builds");
            } else if text.reference.is_none() {
                cx.report(self, text.range, format!("`{}` is not a valid image reference", text.expanded))
                    .help("write `[registry/]name[:tag][@sha256:digest]` in lowercase");
            }
        }
    }
}
