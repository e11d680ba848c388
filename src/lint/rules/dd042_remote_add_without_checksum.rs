use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `ADD` of an `http://` or `https://` URL without `--checksum`.
    ///
    /// ## Why is this bad?
    /// The file behind a URL can change at any time, or be swapped by whoever
    /// controls the server, and the build takes whatever it gets. The standard
    /// requires deterministic image contents. `ADD --checksum=sha256:…` makes
    /// BuildKit verify the download and fail when it changes.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD https://example.com/tool-1.2.3.tar.gz /tmp/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD --checksum=sha256:<sha256 of the file> https://example.com/tool-1.2.3.tar.gz /tmp/
    /// ```
    pub struct RemoteAddWithoutChecksum { code: "DD042", name: "remote-add-without-checksum", tag: Some(Tag::DeterministicDeps), severity: Error, fix: None }
}

impl Rule for RemoteAddWithoutChecksum {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if inst.keyword != Keyword::Add || inst.flag("checksum").is_some() {
            return;
        }
        for src in super::dd050_whole_context_copy::sources(inst) {
            let v = src.value.to_ascii_lowercase();
            if v.starts_with("http://") || v.starts_with("https://") {
                cx.report(self, src.range, format!("`ADD {}` downloads without verifying a checksum", src.value))
                    .help("add `--checksum=sha256:<digest of the file>` so the build fails if the download changes");
            }
        }
    }
}
