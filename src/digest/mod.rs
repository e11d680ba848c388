//! Digest pins: find image references ([`refs`]), ask registries what their
//! tags point to now ([`resolver`]), decide what to propose ([`plan`]) and
//! edit the exact digest bytes ([`edit`]).
//!
//! Layering: this module uses `lint` (parser, model, image references) and
//! nothing above it; `cli` and, later, the App's jobs call it. It is built by
//! the `digest` feature, which `service` includes; `--no-default-features`
//! leaves it out, so the lint-only build has no HTTP stack.
//!
//! The registry client is our own, on reqwest, rather than oci-client: we
//! need the response headers oci-client hides (`Retry-After`, `RateLimit-*`,
//! `WWW-Authenticate` on failure, so a wrong password is reported as one
//! instead of oci-client's silent anonymous fallback), a DNS resolver that
//! refuses private addresses, response-size caps, a token cache keyed per
//! credential (oci-client keeps only the first credential per registry) and
//! request counters. The protocol part is small: HEAD or GET a manifest and
//! the Bearer token dance of the distribution spec.

pub mod client;
pub mod credentials;
pub mod edit;
pub mod guard;
pub mod plan;
pub mod refs;
pub mod resolver;

use std::fmt;

pub use client::{Registry, RegistryOptions, Stats};
pub use credentials::{Credential, Credentials};
pub use guard::Guard;
pub use resolver::{ImageDetails, Resolver};

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The `Accept` header for manifests: all four types. distribution answers
/// 404 to a HEAD on an index tag whose `Accept` lacks the index type, and
/// Docker Hub down-converts to the amd64 manifest when only the v2 type is
/// listed (renovate#8445).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// Why a reference could not be resolved. Every message says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The SSRF guard refused the registry or an address it resolves to.
    #[error("refusing to contact `{registry}`: {reason}")]
    Refused {
        /// Registry or URL authority.
        registry: String,
        /// Why, and how to allow it.
        reason: String,
    },
    /// Authentication failed or is needed.
    #[error("authentication failed for `{registry}`: {reason}")]
    Auth {
        /// Registry.
        registry: String,
        /// What happened and what to do.
        reason: String,
    },
    /// The registry rate-limited us for longer than we wait.
    #[error(
        "`{registry}` is rate-limiting requests (retry after {retry_after_secs} s); try again later or log in \
         for a higher limit"
    )]
    RateLimited {
        /// Registry.
        registry: String,
        /// Seconds the registry asked us to wait.
        retry_after_secs: u64,
    },
    /// The tag or digest does not exist.
    #[error("`{reference}` was not found in the registry; check the name and tag")]
    NotFound {
        /// The reference.
        reference: String,
    },
    /// Any other unexpected status.
    #[error("`{registry}` answered {status}: {detail}")]
    Status {
        /// Registry.
        registry: String,
        /// HTTP status.
        status: u16,
        /// Body excerpt or hint.
        detail: String,
    },
    /// Network failure or timeout.
    #[error("cannot reach `{registry}`: {detail}")]
    Network {
        /// Registry.
        registry: String,
        /// The error chain.
        detail: String,
    },
    /// A reply was larger than the cap.
    #[error("`{registry}` sent a reply larger than {cap} bytes; refusing to read it")]
    TooLarge {
        /// Registry.
        registry: String,
        /// The cap.
        cap: usize,
    },
    /// A reply did not make sense.
    #[error("`{registry}` sent an invalid reply: {detail}")]
    Invalid {
        /// Registry.
        registry: String,
        /// What was wrong.
        detail: String,
    },
}

/// A platform: `os/architecture[/variant]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Platform {
    /// `linux`, `windows`.
    pub os: String,
    /// `amd64`, `arm64`.
    pub architecture: String,
    /// `v7`, `v8`; empty when none.
    pub variant: String,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().split('/');
        let os = parts.next().filter(|p| !p.is_empty())?;
        let architecture = parts.next().filter(|p| !p.is_empty())?;
        let variant = parts.next().unwrap_or("");
        if parts.next().is_some() {
            return None;
        }
        Some(Self::new(os, architecture, variant))
    }

    /// Builds a platform, normalising what containerd treats as equal
    /// (`arm64/v8` is `arm64`, `amd64/v1` is `amd64`).
    pub fn new(os: &str, architecture: &str, variant: &str) -> Self {
        let architecture = architecture.to_ascii_lowercase();
        let mut variant = variant.to_ascii_lowercase();
        if (architecture == "arm64" && variant == "v8") || (architecture == "amd64" && variant == "v1") {
            variant.clear();
        }
        Self { os: os.to_ascii_lowercase(), architecture, variant }
    }

    /// `unknown/unknown` entries carry attestations, not images.
    pub fn is_attestation(&self) -> bool {
        self.os == "unknown" || self.architecture == "unknown"
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

/// Whether `s` is `sha256:` and 64 lowercase hex digits.
pub fn is_sha256_digest(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// The first 12 hex digits of a digest, for messages.
pub fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex)
}
