//! Image references, parsed with the distribution grammar (placeholder).

/// A parsed image reference such as `ghcr.io/owner/app:1.2@sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (and port), normalised: `docker.io` for Docker Hub.
    pub registry: String,
    /// Repository path; official Docker Hub images get `library/`.
    pub repository: String,
    /// Tag, if given.
    pub tag: Option<String>,
    /// Digest (`sha256:…`), if given.
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
    /// Parses a reference (placeholder).
    pub fn parse(s: &str) -> Result<Self, ImageRefError> {
        Err(ImageRefError { reference: s.to_string(), reason: "not implemented".into() })
    }
}
