use super::commands::RunCmd;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds a `RUN` that downloads a release artefact with `curl` or `wget`
    /// (a URL ending in an archive, package or binary extension such as
    /// `.tar.gz`, `.zip`, `.deb`, `.jar`, `.whl`, or a GitHub
    /// `/releases/download/` or `/releases/latest/download/` URL) and never checks a digest or signature in
    /// the same RUN: no `sha256sum`/`sha512sum`/`shasum`/`md5sum` and the
    /// like, no `gpg --verify`/`gpgv`, `cosign verify`, `minisign`,
    /// `openssl dgst`. Downloads piped into a shell are DD041's.
    ///
    /// ## Why is this bad?
    /// The standard asks for deterministic image contents. Without a digest,
    /// whatever the server returns that day goes into the image: a re-tagged
    /// release, a compromised mirror or a truncated file. `ADD --checksum`
    /// (DD042) is the same check for `ADD`.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool-1.2.3.tar.gz \
    ///  && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/tool.tar.gz https://example.com/tool-1.2.3.tar.gz \
    ///  && echo "<sha256>  /tmp/tool.tar.gz" | sha256sum -c - \
    ///  && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin
    /// ```
    pub struct DownloadWithoutChecksum { code: "DD044", name: "download-without-checksum", tag: Some(Tag::DeterministicDeps), severity: Warning, fix: None }
}

/// Extensions of artefacts worth verifying.
const ARTEFACTS: &[&str] = &[
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tbz2",
    ".tar.zst",
    ".tar",
    ".zip",
    ".gz",
    ".xz",
    ".bz2",
    ".deb",
    ".rpm",
    ".apk",
    ".jar",
    ".war",
    ".whl",
    ".gem",
    ".bin",
    ".run",
    ".appimage",
    ".exe",
    ".msi",
];

/// Commands that check a digest or a signature.
fn verifies(c: &RunCmd<'_>) -> bool {
    let name = c.name();
    let arg = |a: &str| c.args().iter().any(|w| w.text == a);
    matches!(
        name,
        "sha1sum"
            | "sha224sum"
            | "sha256sum"
            | "sha384sum"
            | "sha512sum"
            | "shasum"
            | "md5sum"
            | "b2sum"
            | "cksum"
            | "gpgv"
            | "minisign"
            | "signify"
            | "rpmkeys"
    ) || (matches!(name, "gpg" | "gpg2") && (arg("--verify") || arg("--verify-files")))
        || (name == "cosign" && c.args().first().is_some_and(|w| w.text.starts_with("verify")))
        || (name == "openssl" && c.args().first().is_some_and(|w| w.text == "dgst" || w.text.starts_with("sha")))
        || (name == "rpm" && (arg("-K") || arg("--checksig")))
        || (name == "dpkg-sig" && arg("--verify"))
        || (name == "slsa-verifier")
}

/// The first artefact URL among the command's words.
fn artefact_url<'c>(c: &RunCmd<'c>) -> Option<&'c crate::lint::model::shell::Word> {
    c.args().iter().find(|w| {
        let t = w.text.trim_matches(['"', '\'']);
        let Some(rest) = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://")) else { return false };
        let path = rest.split(['?', '#']).next().unwrap_or(rest).to_ascii_lowercase();
        path.contains("/releases/download/")
            || path.contains("/releases/latest/download/")
            || ARTEFACTS.iter().any(|e| path.ends_with(e))
    })
}

impl Rule for DownloadWithoutChecksum {
    fn check_file(&self, cx: &mut Context<'_>) {
        let mut found = Vec::new();
        for run in cx.run_scripts().iter() {
            let cmds = run.commands();
            if cmds.iter().any(verifies) {
                continue;
            }
            for (k, c) in cmds.iter().enumerate() {
                if !matches!(c.name(), "curl" | "wget") {
                    continue;
                }
                // Piped into a shell: DD041 reports it.
                if let Some((p, _)) = c.cmd.pipeline {
                    let to_shell = cmds.iter().skip(k + 1).any(|o| {
                        o.cmd.pipeline.is_some_and(|(q, _)| q == p)
                            && matches!(o.name(), "sh" | "bash" | "dash" | "ash" | "zsh" | "python" | "python3")
                    });
                    if to_shell {
                        continue;
                    }
                }
                if let Some(url) = artefact_url(c) {
                    found.push((c.word_range(url), c.name().to_string()));
                }
            }
        }
        for (range, tool) in found {
            cx.report(
                self,
                range,
                format!("`{tool}` downloads an artefact that the RUN never checks against a digest"),
            )
            .help("pin its digest and check it in the same RUN: `echo \"<sha256>  <file>\" | sha256sum -c -`");
        }
    }
}
