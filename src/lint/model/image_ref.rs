//! Image references (`FROM node:20`, `COPY --from=ghcr.io/o/a@sha256:…`),
//! parsed with the grammar of `github.com/distribution/reference`, the library
//! Docker and `BuildKit` use, and normalised the way `ParseNormalizedNamed` does.
//!
//! Rules about pinning, minimal bases and digest bumps all need the same
//! answers: which registry, which repository, which tag and which digest. This
//! module is the one place that decides them, so every rule agrees.
//!
//! The grammar, in short:
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path
//! domain     := host [ ":" port ]      host := dns-name | "[" ipv6 "]"
//! path       := component ( "/" component )*
//! component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex      (sha256: 64 lowercase hex digits)
//! ```
//!
//! The first `/`-separated part is a registry when it contains `.` or `:` or is
//! `localhost`; otherwise the image is on Docker Hub (`docker.io`), and a
//! one-part Docker Hub name gets the `library/` namespace. `index.docker.io`
//! and `registry-1.docker.io` are the same registry and become `docker.io`.
//!
//! One deliberate difference from upstream: distribution also takes a first
//! part with uppercase letters (`Foo/bar`) as a registry host. No such host can
//! be a real registry, and the user almost always meant a Docker Hub namespace,
//! so here it is an error that says the name must be lowercase.

use std::fmt;
use std::str::FromStr;

/// The registry Docker Hub images are normalised to.
pub const DOCKER_HUB: &str = "docker.io";

/// Other spellings of the Docker Hub registry, normalised to [`DOCKER_HUB`].
const DOCKER_HUB_ALIASES: [&str; 2] = ["index.docker.io", "registry-1.docker.io"];

/// The namespace of Docker Hub's official images.
const OFFICIAL_PREFIX: &str = "library/";

/// Longest repository path distribution accepts, in bytes.
pub const MAX_PATH_LEN: usize = 255;

/// Longest tag, in characters.
const MAX_TAG_LEN: usize = 128;

/// A parsed image reference such as `ghcr.io/owner/app:1.2@sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host (and port), normalised: `docker.io` for Docker Hub.
    pub registry: String,
    /// Repository path; official Docker Hub images get `library/`.
    pub repository: String,
    /// Tag, if given.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if given. Kept together with the tag when both
    /// are written (`name:tag@digest`).
    pub digest: Option<String>,
}

/// Why a string is not an image reference.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference `{reference}`: {reason}")]
pub struct ImageRefError {
    /// The input.
    pub reference: String,
    /// What is wrong.
    pub reason: String,
}

impl ImageRef {
    /// Parses and normalises a reference: `node` becomes
    /// `docker.io/library/node`, `localhost:5000/app:1` keeps its registry.
    pub fn parse(s: &str) -> Result<Self, ImageRefError> {
        parse(s).map_err(|reason| ImageRefError { reference: s.to_string(), reason })
    }

    /// `registry/repository`, without tag or digest
    /// (`docker.io/library/node`).
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short name Docker prints: `node`, `owner/app`, `ghcr.io/o/a`.
    /// Only Docker Hub drops its registry, and only its official images drop
    /// `library/`.
    pub fn familiar(&self) -> String {
        if !self.is_docker_hub() {
            return self.name();
        }
        match self.repository.strip_prefix(OFFICIAL_PREFIX) {
            Some(rest) if !rest.contains('/') => rest.to_string(),
            _ => self.repository.clone(),
        }
    }

    /// [`familiar`](Self::familiar) plus the tag and digest as written:
    /// `node:20@sha256:…`.
    pub fn familiar_string(&self) -> String {
        with_suffixes(self.familiar(), self.tag.as_deref(), self.digest.as_deref())
    }

    /// Whether the image is on Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB
    }

    /// Whether the image is a Docker Hub official image (`docker.io/library/*`).
    pub fn is_official(&self) -> bool {
        self.is_docker_hub() && self.repository.strip_prefix(OFFICIAL_PREFIX).is_some_and(|rest| !rest.contains('/'))
    }

    /// Whether this is `scratch`, `BuildKit`'s empty base image. `BuildKit` only
    /// treats the bare word `scratch` that way; with a tag or digest it would
    /// try to pull an image, so those are not scratch here either.
    pub fn is_scratch(&self) -> bool {
        self.is_docker_hub() && self.repository == "library/scratch" && self.tag.is_none() && self.digest.is_none()
    }
}

impl fmt::Display for ImageRef {
    /// The canonical full form: `docker.io/library/node:20@sha256:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&with_suffixes(self.name(), self.tag.as_deref(), self.digest.as_deref()))
    }
}

impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whether a raw reference still contains `$`, i.e. an ARG that was not
/// expanded (`FROM $BASE`, `node:${TAG}`). Such text is not a reference yet.
pub fn has_variable(raw: &str) -> bool {
    raw.contains('$')
}

fn with_suffixes(mut name: String, tag: Option<&str>, digest: Option<&str>) -> String {
    if let Some(tag) = tag {
        name.push(':');
        name.push_str(tag);
    }
    if let Some(digest) = digest {
        name.push('@');
        name.push_str(digest);
    }
    name
}

/// Parses `s`; the error is the reason only.
fn parse(s: &str) -> Result<ImageRef, String> {
    if s.is_empty() {
        return Err("the reference is empty; name an image such as `debian:12`".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("a reference cannot contain whitespace; remove it".into());
    }
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("a 64-digit hex string is an image id, not a name; use `name@sha256:<hex>`".into());
    }

    // The name part never contains `@`, so the first `@` starts the digest.
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if let Some(digest) = digest {
        check_digest(digest)?;
    }

    // A tag follows the first `:` of the last path part; a `:` before the
    // last `/` belongs to the registry's port.
    let last_part_start = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest.get(last_part_start..).and_then(|p| p.find(':')) {
        Some(i) => {
            let colon = last_part_start + i;
            (rest.get(..colon).unwrap_or_default(), Some(rest.get(colon + 1..).unwrap_or_default()))
        }
        None => (rest, None),
    };
    if name.is_empty() {
        return Err("the repository name is missing; write it before the tag or digest".into());
    }
    if let Some(tag) = tag {
        check_tag(tag)?;
    }

    let (registry, repository) = split_registry(name)?;
    if repository.to_lowercase() != repository {
        return Err(format!("repository name `{repository}` must be lowercase; lowercase it"));
    }
    if registry != DOCKER_HUB {
        check_domain(&registry)?;
    }
    check_path(&repository)?;
    if repository.len() > MAX_PATH_LEN {
        return Err(format!("the repository name is longer than {MAX_PATH_LEN} characters; shorten it"));
    }

    Ok(ImageRef { registry, repository, tag: tag.map(str::to_string), digest: digest.map(str::to_string) })
}

/// Splits a name into a normalised registry and repository path, as
/// distribution's `splitDockerDomain` does.
fn split_registry(name: &str) -> Result<(String, String), String> {
    let Some((first, rest)) = name.split_once('/') else {
        return Ok((DOCKER_HUB.into(), format!("{OFFICIAL_PREFIX}{name}")));
    };
    let (registry, path) = if first == "localhost" || first.contains(['.', ':']) {
        if DOCKER_HUB_ALIASES.contains(&first) { (DOCKER_HUB, rest) } else { (first, rest) }
    } else if first.to_lowercase() != first {
        // distribution takes this as a registry host; see the module docs.
        return Err(format!(
            "repository name `{name}` must be lowercase; a registry host needs a `.` or `:` \
             or must be `localhost`"
        ));
    } else {
        (DOCKER_HUB, name)
    };
    let path = if registry == DOCKER_HUB && !path.contains('/') {
        format!("{OFFICIAL_PREFIX}{path}")
    } else {
        path.to_string()
    };
    Ok((registry.to_string(), path))
}

fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("the tag after `:` is empty; add a tag or remove the `:`".into());
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let valid = tag.chars().count() <= MAX_TAG_LEN
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "tag `{tag}` is invalid; use at most {MAX_TAG_LEN} letters, digits, `_`, `.` and `-`, \
             not starting with `.` or `-`"
        ))
    }
}

fn check_digest(digest: &str) -> Result<(), String> {
    let invalid = || format!("digest `{digest}` is invalid; use `sha256:` followed by 64 lowercase hex digits");
    let (algorithm, hex) = digest.split_once(':').ok_or_else(invalid)?;
    let component = |c: &str| {
        let mut chars = c.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric())
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(component);
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !algorithm_ok || !hex_ok {
        return Err(invalid());
    }
    // Registered algorithms fix the length and require lowercase hex.
    let expected_len = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    if let Some(len) = expected_len {
        let lower = hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if hex.len() != len || !lower {
            return Err(format!("digest `{digest}` is invalid; a {algorithm} digest is {len} lowercase hex digits"));
        }
    }
    Ok(())
}

/// `host[:port]`, where host is a DNS-like name, an IPv4 address or `[ipv6]`.
fn check_domain(domain: &str) -> Result<(), String> {
    let invalid = || {
        format!(
            "registry `{domain}` is invalid; use a host name, IP address or `[ipv6]`, \
             optionally with `:port`"
        )
    };
    let (host_ok, port) = if let Some(inner) = domain.strip_prefix('[') {
        let (ip, after) = inner.split_once(']').ok_or_else(invalid)?;
        let ip_ok = !ip.is_empty() && ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
        let port = if after.is_empty() { None } else { Some(after.strip_prefix(':').ok_or_else(invalid)?) };
        (ip_ok, port)
    } else {
        let (host, port) = match domain.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        };
        (host.split('.').all(domain_component), port)
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if host_ok && port_ok { Ok(()) } else { Err(invalid()) }
}

/// `[a-zA-Z0-9]` or `[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn domain_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

fn check_path(path: &str) -> Result<(), String> {
    if path.split('/').all(path_component) {
        Ok(())
    } else {
        Err(format!(
            "repository `{path}` is invalid; each `/`-separated part must be lowercase letters \
             and digits joined by `.`, `_`, `__` or dashes"
        ))
    }
}

/// `[a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*`.
fn path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    let mut i = 0;
    let mut need_alnum = true;
    while i < bytes.len() {
        let run_start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == run_start {
            return false;
        }
        need_alnum = false;
        if i == bytes.len() {
            break;
        }
        let sep_start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = bytes.get(sep_start..i).unwrap_or_default();
        let sep_ok = matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|b| *b == b'-');
        if !sep_ok {
            return false;
        }
        need_alnum = true;
    }
    !need_alnum
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";

    fn ok(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn parts(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = ok(s);
        (r.registry, r.repository, r.tag, r.digest)
    }

    fn reason(s: &str) -> String {
        ImageRef::parse(s).expect_err(s).reason
    }

    fn p(
        reg: &str,
        repo: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> (String, String, Option<String>, Option<String>) {
        (reg.into(), repo.into(), tag.map(Into::into), digest.map(Into::into))
    }

    #[test]
    fn official_image_gets_registry_and_library() {
        assert_eq!(parts("node"), p("docker.io", "library/node", None, None));
    }

    #[test]
    fn official_image_with_tag() {
        assert_eq!(parts("node:20-alpine"), p("docker.io", "library/node", Some("20-alpine"), None));
    }

    #[test]
    fn namespaced_docker_hub_image() {
        assert_eq!(parts("owner/app:1.2"), p("docker.io", "owner/app", Some("1.2"), None));
    }

    #[test]
    fn explicit_docker_io_single_component_gets_library() {
        assert_eq!(parts("docker.io/debian"), p("docker.io", "library/debian", None, None));
    }

    #[test]
    fn legacy_docker_hub_hosts_are_normalised() {
        assert_eq!(parts("index.docker.io/library/debian:12"), p("docker.io", "library/debian", Some("12"), None));
        assert_eq!(parts("registry-1.docker.io/debian"), p("docker.io", "library/debian", None, None));
        assert_eq!(parts("index.docker.io/o/a"), p("docker.io", "o/a", None, None));
    }

    #[test]
    fn other_registry_keeps_path_without_library() {
        assert_eq!(parts("ghcr.io/owner/app:v1"), p("ghcr.io", "owner/app", Some("v1"), None));
        assert_eq!(parts("quay.io/app"), p("quay.io", "app", None, None));
    }

    #[test]
    fn localhost_with_port() {
        assert_eq!(parts("localhost:5000/app:1"), p("localhost:5000", "app", Some("1"), None));
    }

    #[test]
    fn bare_localhost_is_a_registry() {
        assert_eq!(parts("localhost/app"), p("localhost", "app", None, None));
    }

    #[test]
    fn host_with_port_and_no_dot() {
        assert_eq!(parts("myreg:5000/team/app"), p("myreg:5000", "team/app", None, None));
    }

    #[test]
    fn ipv4_and_ipv6_registries() {
        assert_eq!(parts("127.0.0.1:5000/debian"), p("127.0.0.1:5000", "debian", None, None));
        assert_eq!(parts("[fc00::1]:5000/docker/docker"), p("[fc00::1]:5000", "docker/docker", None, None));
    }

    #[test]
    fn first_component_without_dot_is_docker_hub_namespace() {
        assert_eq!(parts("test_com/foo"), p("docker.io", "test_com/foo", None, None));
    }

    #[test]
    fn digest_only() {
        assert_eq!(parts(&format!("alpine@{SHA}")), p("docker.io", "library/alpine", None, Some(SHA)));
    }

    #[test]
    fn tag_and_digest_are_both_kept() {
        assert_eq!(parts(&format!("node:20@{SHA}")), p("docker.io", "library/node", Some("20"), Some(SHA)));
    }

    #[test]
    fn registry_port_tag_and_digest() {
        assert_eq!(parts(&format!("localhost:5000/a/b:1.0@{SHA}")), p("localhost:5000", "a/b", Some("1.0"), Some(SHA)));
    }

    #[test]
    fn other_digest_algorithms_follow_the_grammar() {
        let d = "blake3:0123456789abcdef0123456789ABCDEF";
        assert_eq!(ok(&format!("a@{d}")).digest.as_deref(), Some(d));
        let d512 = format!("sha512:{}", "ab".repeat(64));
        assert_eq!(ok(&format!("a@{d512}")).digest, Some(d512));
    }

    #[test]
    fn separators_in_path_components() {
        assert_eq!(ok("a__b/c---d.e_f").repository, "a__b/c---d.e_f");
    }

    #[test]
    fn tag_of_128_chars_is_allowed_129_is_not() {
        let tag = format!("v{}", "x".repeat(127));
        assert_eq!(ok(&format!("a:{tag}")).tag, Some(tag.clone()));
        assert!(reason(&format!("a:{tag}x")).starts_with("tag `"));
    }

    #[test]
    fn tag_may_start_with_underscore_and_contain_uppercase() {
        assert_eq!(ok("a:_Latest.1-x").tag.as_deref(), Some("_Latest.1-x"));
    }

    #[test]
    fn path_length_limit() {
        let long = "a".repeat(MAX_PATH_LEN - "library/".len());
        assert_eq!(ok(&long).repository.len(), MAX_PATH_LEN);
        assert_eq!(reason(&format!("{long}a")), "the repository name is longer than 255 characters; shorten it");
    }

    #[test]
    fn scratch_parses_normally_and_is_scratch() {
        let r = ok("scratch");
        assert_eq!(r.to_string(), "docker.io/library/scratch");
        assert!(r.is_scratch());
        assert!(!ok("scratch:latest").is_scratch());
        assert!(!ok("ghcr.io/o/scratch").is_scratch());
    }

    #[test]
    fn familiar_names() {
        assert_eq!(ok("docker.io/library/node:20").familiar(), "node");
        assert_eq!(ok("owner/app").familiar(), "owner/app");
        assert_eq!(ok("ghcr.io/o/a:1").familiar(), "ghcr.io/o/a");
        assert_eq!(ok("library/foo/bar").familiar(), "library/foo/bar");
        assert_eq!(ok(&format!("index.docker.io/node:20@{SHA}")).familiar_string(), format!("node:20@{SHA}"));
    }

    #[test]
    fn hub_and_official_flags() {
        let node = ok("node");
        assert!(node.is_docker_hub() && node.is_official());
        let app = ok("owner/app");
        assert!(app.is_docker_hub() && !app.is_official());
        let gh = ok("ghcr.io/library/x");
        assert!(!gh.is_docker_hub() && !gh.is_official());
        assert!(!ok("library/foo/bar").is_official());
    }

    #[test]
    fn name_and_display() {
        let r = ok(&format!("node:20@{SHA}"));
        assert_eq!(r.name(), "docker.io/library/node");
        assert_eq!(r.to_string(), format!("docker.io/library/node:20@{SHA}"));
        assert_eq!(ok("localhost:5000/app").to_string(), "localhost:5000/app");
    }

    #[test]
    fn display_round_trips() {
        for s in ["node", "owner/app:1", "ghcr.io/o/a:x", "localhost:5000/app:1"] {
            let r = ok(s);
            assert_eq!(ok(&r.to_string()), r);
        }
    }

    #[test]
    fn from_str_matches_parse() {
        let r: ImageRef = "alpine:3".parse().unwrap();
        assert_eq!(r, ok("alpine:3"));
    }

    #[test]
    fn has_variable_detects_dollar() {
        assert!(has_variable("$BASE"));
        assert!(has_variable("node:${TAG}"));
        assert!(!has_variable("node:20"));
    }

    #[test]
    fn error_empty() {
        assert_eq!(reason(""), "the reference is empty; name an image such as `debian:12`");
    }

    #[test]
    fn error_uppercase_first_component() {
        assert_eq!(
            reason("UPPER/x"),
            "repository name `UPPER/x` must be lowercase; a registry host needs a `.` or `:` or \
             must be `localhost`"
        );
    }

    #[test]
    fn error_uppercase_repository() {
        assert_eq!(reason("docker/Docker"), "repository name `docker/Docker` must be lowercase; lowercase it");
        assert_eq!(reason("Node:20"), "repository name `library/Node` must be lowercase; lowercase it");
        assert_eq!(reason("ghcr.io/Owner/app"), "repository name `Owner/app` must be lowercase; lowercase it");
    }

    #[test]
    fn error_bad_digest() {
        assert_eq!(
            reason("a@sha256:short"),
            "digest `sha256:short` is invalid; use `sha256:` followed by 64 lowercase hex digits"
        );
        let upper = format!("a@sha256:{}", "AB".repeat(32));
        assert_eq!(
            reason(&upper),
            format!("digest `sha256:{}` is invalid; a sha256 digest is 64 lowercase hex digits", "AB".repeat(32))
        );
        let long = format!("a@sha256:{}", "a".repeat(65));
        assert!(reason(&long).ends_with("a sha256 digest is 64 lowercase hex digits"));
        assert!(reason("a@").starts_with("digest ``"));
        assert!(reason(&format!("a@1sha:{}", "a".repeat(32))).starts_with("digest `"));
        assert!(reason(&format!("a@{SHA}@{SHA}")).starts_with("digest `"));
    }

    #[test]
    fn error_tag_only() {
        assert_eq!(reason(":tag"), "the repository name is missing; write it before the tag or digest");
        assert_eq!(reason(&format!("@{SHA}")), "the repository name is missing; write it before the tag or digest");
    }

    #[test]
    fn error_spaces() {
        assert_eq!(reason("node 20"), "a reference cannot contain whitespace; remove it");
        assert_eq!(reason(" node"), "a reference cannot contain whitespace; remove it");
    }

    #[test]
    fn error_bad_tags() {
        assert_eq!(reason("node:"), "the tag after `:` is empty; add a tag or remove the `:`");
        assert!(reason("node:-x").starts_with("tag `-x` is invalid"));
        assert!(reason("node:.x").starts_with("tag `.x` is invalid"));
        assert!(reason("node:a:b").starts_with("tag `a:b` is invalid"));
        assert!(reason("node:a+b").starts_with("tag `a+b` is invalid"));
    }

    #[test]
    fn error_bad_paths() {
        for s in [
            "-docker",
            "docker///docker",
            "docker/",
            "dock..er/x",
            "dock_.er/x",
            "____/____",
            "a/b-",
            "https://github.com/docker/docker",
        ] {
            let r = ImageRef::parse(s);
            assert!(r.is_err(), "{s} should be invalid: {r:?}");
        }
        assert!(reason("a/b_").starts_with("repository `a/b_` is invalid"));
    }

    #[test]
    fn error_bad_registries() {
        assert!(reason("-docker.io/docker/docker").starts_with("registry `-docker.io` is invalid"));
        assert!(reason("fc00::1:5000/debian").starts_with("registry `fc00::1:5000` is invalid"));
        assert!(reason("[fc00::1/x").starts_with("registry `[fc00::1` is invalid"));
        assert!(reason("reg:/x").starts_with("registry `reg:` is invalid"));
        assert!(reason("[fe80::1%eth0]:5000/debian").starts_with("registry `"));
    }

    #[test]
    fn error_image_id() {
        let id = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";
        assert_eq!(reason(id), "a 64-digit hex string is an image id, not a name; use `name@sha256:<hex>`");
        // With a registry, the same string is a valid repository.
        assert_eq!(ok(&format!("docker.io/{id}")).repository, format!("library/{id}"));
    }

    #[test]
    fn error_unexpanded_variable() {
        assert!(reason("$base").starts_with("repository `library/$base` is invalid"));
        assert!(reason("$BASE").starts_with("repository name `library/$BASE` must be lowercase"));
    }

    #[test]
    fn error_display() {
        let e = ImageRef::parse("").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid image reference ``: the reference is empty; name an image such as `debian:12`"
        );
    }
}
