//! The digest PR's title, commit message and body. Pure: bumps in, Markdown out, capped within GitHub's
//! 65,536-character body limit.

use std::fmt::Write as _;

use crate::digest::{ImageDetails, short};

/// GitHub's limit on a PR body is 65,536 characters; the client cuts at 65,535 bytes, so the body is
/// built to fit in that many bytes (a cut body would differ from the PR's at every scan).
pub const MAX_BODY_BYTES: usize = 65_535;
/// The marker that identifies drydock's digest PR body.
pub const MARKER: &str = "<!-- drydock:digest-updates -->";

/// One proposed digest move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bump {
    /// File.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// The reference as displayed (`node:20@sha256:…`).
    pub reference: String,
    /// The reference without digest, canonical (`docker.io/library/node:20`).
    pub image: String,
    /// The pinned digest.
    pub old: String,
    /// The proposed digest.
    pub new: String,
    /// Platforms whose image changed (a platform pin: its platform).
    pub platforms: Vec<String>,
    /// What the new image's config and registry say, when they answered.
    pub details: Option<ImageDetails>,
}

/// The PR title.
pub fn title(bumps: &[Bump]) -> String {
    let mut images: Vec<&str> = bumps.iter().map(|b| b.image.as_str()).collect();
    images.sort_unstable();
    images.dedup();
    match images.as_slice() {
        [one] => format!("Update the pinned digest of {}", familiar(one)),
        many => format!("Update pinned image digests ({} images)", many.len()),
    }
}

/// The commit message: the title, then one line per bump.
pub fn commit_message(title: &str, bumps: &[Bump]) -> String {
    let mut m = format!("{title}\n\n");
    for b in bumps {
        let _ = writeln!(m, "{}:{}: {} {} -> {}", b.path, b.line, familiar(&b.image), short(&b.old), short(&b.new));
    }
    m
}

/// `docker.io/library/node:20` → `node:20`.
fn familiar(image: &str) -> &str {
    image.strip_prefix("docker.io/library/").or_else(|| image.strip_prefix("docker.io/")).unwrap_or(image)
}

/// The name and tag of a canonical reference (`registry/repo:tag`).
fn name_and_tag(image: &str) -> (&str, &str) {
    let slash = image.rfind('/').unwrap_or(0);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, ""),
    }
}

/// A Markdown-safe inline code span.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

/// A link for a label value, when it is an http(s) URL.
fn link_or_code(value: &str) -> String {
    if (value.starts_with("https://") || value.starts_with("http://"))
        && !value.contains([' ', '(', ')', '<', '>', '[', ']'])
    {
        format!("<{value}>")
    } else {
        code(value)
    }
}

/// The PR body.
pub fn render(bumps: &[Bump], notes: &[String]) -> String {
    let mut out = format!("{MARKER}\n");
    let _ = writeln!(
        out,
        "drydock found {} pinned image reference(s) whose tag now points to a newer image, and moves the pins. \
         The tags stay as they are; only the `@sha256:` digests change.\n",
        bumps.len()
    );
    out.push_str(
        "This serves the standard's **Pin base image versions precisely** (every base image stays pinned by \
         digest) and **Base image updates are automated** (the pins follow the tags' rebuilds, so fixes arrive \
         without manual edits).\n",
    );
    let mut sections = Vec::new();
    for b in bumps {
        let mut s = String::new();
        let (name, tag) = name_and_tag(&b.image);
        let _ = writeln!(s, "\n### {} in {} (line {})\n", code(familiar(&b.image)), code(&b.path), b.line);
        let _ = writeln!(s, "| | |\n|---|---|");
        let _ = writeln!(s, "| Image | {} |", code(name));
        let _ = writeln!(s, "| Tag | {} |", code(tag));
        let _ = writeln!(s, "| Digest | {} → {} |", code(short(&b.old)), code(short(&b.new)));
        let _ = writeln!(s, "| Old | {} |", code(&b.old));
        let _ = writeln!(s, "| New | {} |", code(&b.new));
        if !b.platforms.is_empty() {
            let p: Vec<String> = b.platforms.iter().map(|p| code(p)).collect();
            let _ = writeln!(s, "| Platforms | {} |", p.join(", "));
        }
        match &b.details {
            Some(d) => {
                let _ =
                    writeln!(s, "| Created | {} |", d.created.as_deref().map_or_else(|| "unknown".to_owned(), code));
                let source = d.source.as_deref();
                let revision = match (d.revision.as_deref(), source) {
                    (Some(r), Some(src))
                        if src.starts_with("https://github.com/") && r.bytes().all(|c| c.is_ascii_hexdigit()) =>
                    {
                        format!("[{}]({}/commit/{r})", code(r), src.trim_end_matches('/').trim_end_matches(".git"))
                    }
                    (Some(r), _) => code(r),
                    (None, _) => "not labelled (`org.opencontainers.image.revision`)".to_owned(),
                };
                let _ = writeln!(s, "| Revision | {revision} |");
                let _ = writeln!(
                    s,
                    "| Source | {} |",
                    source.map_or_else(|| "not labelled (`org.opencontainers.image.source`)".to_owned(), link_or_code)
                );
                let sig = match (d.signed, d.referrers) {
                    (true, true) => "cosign signature tag and OCI referrers found",
                    (true, false) => "cosign signature tag (`sha256-….sig`) found",
                    (false, true) => "OCI referrers found (signatures or attestations)",
                    (false, false) => "none found (no cosign `.sig` tag, no OCI referrers)",
                };
                let _ = writeln!(s, "| Signature | {sig} |");
            }
            None => {
                let _ = writeln!(s, "| Details | the registry did not describe the new image |");
            }
        }
        sections.push(s);
    }
    let mut tail = String::new();
    if !notes.is_empty() {
        tail.push_str("\n<details><summary>Left alone</summary>\n\n");
        for n in notes {
            let _ = writeln!(tail, "- {n}");
        }
        tail.push_str("\n</details>\n");
    }
    tail.push_str(
        "\n---\ndrydock keeps this one PR up to date: newer digests move it, and if you close it without merging, \
         these digests are not proposed again (a newer one is). Configure with the `digest:` key of \
         `.github/drydock.yml`.\n",
    );
    let budget = MAX_BODY_BYTES.saturating_sub(out.len() + tail.len() + 200);
    let mut used = 0;
    let mut left_out = 0;
    for s in &sections {
        let n = s.len();
        if used + n > budget {
            left_out += 1;
            continue;
        }
        used += n;
        out.push_str(s);
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n… and {left_out} more bump(s), left out to keep this body within GitHub's limit; the diff has them all."
        );
    }
    out.push_str(&tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const NEW: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn bump(path: &str, details: Option<ImageDetails>) -> Bump {
        Bump {
            path: path.to_owned(),
            line: 3,
            reference: format!("node:20@{OLD}"),
            image: "docker.io/library/node:20".to_owned(),
            old: OLD.to_owned(),
            new: NEW.to_owned(),
            platforms: vec!["linux/amd64".to_owned(), "linux/arm64".to_owned()],
            details,
        }
    }

    #[test]
    fn body_snapshot() {
        let details = ImageDetails {
            created: Some("2026-11-20T08:00:00Z".to_owned()),
            revision: Some("0123456789abcdef0123456789abcdef01234567".to_owned()),
            source: Some("https://github.com/nodejs/docker-node".to_owned()),
            last_modified: None,
            signed: true,
            referrers: false,
        };
        let bumps = vec![bump("Dockerfile", Some(details)), bump("svc/Dockerfile", None)];
        let notes = vec!["`svc/Dockerfile` line 9: redis:7: waiting until it is 24h old (`digest.min-age`)".to_owned()];
        assert_eq!(title(&bumps), "Update the pinned digest of node:20");
        insta::assert_snapshot!(render(&bumps, &notes));
    }

    #[test]
    fn body_is_capped() {
        let bumps: Vec<Bump> = (0..2000).map(|i| bump(&format!("svc{i}/Dockerfile"), None)).collect();
        let body = render(&bumps, &[]);
        assert!(body.len() <= MAX_BODY_BYTES, "{}", body.len());
        assert!(body.contains("more bump(s), left out"));
        assert!(body.ends_with("`.github/drydock.yml`.\n"));
    }

    #[test]
    fn names_and_tags() {
        assert_eq!(name_and_tag("127.0.0.1:5000/lib/app:1"), ("127.0.0.1:5000/lib/app", "1"));
        assert_eq!(name_and_tag("docker.io/library/node:20"), ("docker.io/library/node", "20"));
        assert_eq!(name_and_tag("x"), ("x", ""));
    }
}
