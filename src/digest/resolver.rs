//! Resolves tags to digests and reads manifests, through one cache shared by
//! every caller: a tag's digest is keyed by (registry, repository, tag) and
//! reused for the TTL, so 200 repositories on `node:20` cost one HEAD per
//! cycle; manifests and image configs are content-addressed and kept (up to a
//! bound) without expiry. Concurrent lookups of one tag wait for a single
//! request.
//!
//! A digest fetched with credentials is cached under that credential's
//! fingerprint, so one installation's private digests are never served to
//! another; anonymous answers are shared by everybody without credentials for
//! that registry.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::client::{Kind, Registry};
use super::{Credential, Credentials, Platform, ResolveError};
use crate::lint::model::image_ref::ImageRef;

/// Most content-addressed entries kept before the oldest half is dropped.
const MAX_CONTENT_ENTRIES: usize = 20_000;

type TagKey = (String, String, String, u64);
type Slot = Arc<tokio::sync::Mutex<Option<(Instant, TagHead)>>>;

/// The shared caches (inside [`Registry`]).
#[derive(Default)]
pub(crate) struct Cache {
    tags: Mutex<HashMap<TagKey, Slot>>,
    manifests: Mutex<HashMap<(String, String, u64), Arc<Manifest>>>,
    configs: Mutex<HashMap<(String, String, u64), Arc<ImageConfig>>>,
    details: Mutex<HashMap<(String, String, u64), Arc<ImageDetails>>>,
}

/// What drydock reads of an image config blob.
struct ImageConfig {
    platform: Platform,
    created: Option<String>,
    revision: Option<String>,
    source: Option<String>,
}

impl Cache {
    pub(crate) fn clear_tags(&self) {
        self.tags.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// What a tag points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagHead {
    /// The digest (`sha256:…`).
    pub digest: String,
    /// The manifest media type, when the registry said.
    pub media_type: Option<String>,
}

/// A parsed manifest or index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// Its digest.
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// For an index: the platform entries (attestations left out).
    pub platforms: Vec<(Platform, String)>,
    /// For an image manifest: the config blob digest.
    pub config: Option<String>,
}

impl Manifest {
    /// Whether this is an index / manifest list.
    pub fn is_index(&self) -> bool {
        self.media_type == super::OCI_INDEX || self.media_type == super::DOCKER_LIST
    }

    /// The entry for `platform`.
    pub fn platform_digest(&self, platform: &Platform) -> Option<&str> {
        self.platforms.iter().find(|(p, _)| p == platform).map(|(_, d)| d.as_str())
    }
}

/// What an image's config blob says about it, for explaining a bump.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageDetails {
    /// `created` (RFC 3339), when the config has it.
    pub created: Option<String>,
    /// `org.opencontainers.image.revision`.
    pub revision: Option<String>,
    /// `org.opencontainers.image.source`.
    pub source: Option<String>,
    /// The manifest's `Last-Modified` header (unix seconds), when the registry sends one.
    pub last_modified: Option<i64>,
    /// Whether a cosign signature tag (`sha256-<hex>.sig`) exists for the digest asked about.
    pub signed: bool,
    /// Whether the registry lists OCI referrers for it.
    pub referrers: bool,
}

/// A caller's handle: the shared [`Registry`] plus this caller's credentials.
#[derive(Clone, Debug)]
pub struct Resolver {
    registry: Arc<Registry>,
    credentials: Arc<Credentials>,
}

impl Resolver {
    /// A handle on the shared registry state with `credentials`.
    pub fn new(registry: Arc<Registry>, credentials: Credentials) -> Self {
        Self { registry, credentials: Arc::new(credentials) }
    }

    /// The shared registry state (counters, options).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn cred(&self, registry: &str) -> Option<Credential> {
        self.credentials.for_registry(registry)
    }

    /// GETs a manifest-like document (`path` under `/v2/`) of `image`'s repository, within the manifest size cap.
    async fn get_manifest(
        &self,
        image: &ImageRef,
        cred: Option<&Credential>,
        path: &str,
    ) -> Result<super::client::Reply, ResolveError> {
        self.registry
            .request(
                &image.registry,
                &image.repository,
                cred,
                Kind::ManifestGet,
                path,
                self.registry.options.max_manifest_bytes,
            )
            .await
    }

    /// The digest `image`'s tag points to now (cached for the TTL).
    #[allow(clippy::single_match_else)]
    pub async fn tag_head(&self, image: &ImageRef) -> Result<TagHead, ResolveError> {
        let Some(tag) = image.tag.as_deref() else {
            return Err(ResolveError::NotFound { reference: format!("{} (no tag)", image.name()) });
        };
        let cred = self.cred(&image.registry);
        let key = (
            image.registry.clone(),
            image.repository.clone(),
            tag.to_string(),
            cred.as_ref().map_or(0, Credential::id),
        );
        let slot: Slot = {
            let mut tags = self.registry.cache.tags.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(tags.entry(key).or_default())
        };
        let mut guard = slot.lock().await;
        if let Some((at, head)) = guard.as_ref()
            && at.elapsed() < self.registry.options.ttl
        {
            metrics::counter!("drydock_registry_cache_total", "result" => "hit").increment(1);
            return Ok(head.clone());
        }
        metrics::counter!("drydock_registry_cache_total", "result" => "miss").increment(1);
        let path = format!("/v2/{}/manifests/{tag}", image.repository);
        let reply = self
            .registry
            .request(&image.registry, &image.repository, cred.as_ref(), Kind::ManifestHead, &path, 0)
            .await?;
        let digest = reply
            .headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .filter(|d| super::is_sha256_digest(d));
        let media_type = reply
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        let head = match digest {
            Some(digest) => TagHead { digest, media_type },
            None => {
                // No header: GET the manifest and hash what we got.
                let reply = self.get_manifest(image, cred.as_ref(), &path).await?;
                let digest = super::sha256_digest(&reply.body);
                let manifest = parse_manifest(&image.registry, &digest, &reply.body)?;
                let media_type = Some(manifest.media_type.clone());
                self.store_manifest(image, cred.as_ref(), manifest);
                TagHead { digest, media_type }
            }
        };
        *guard = Some((Instant::now(), head.clone()));
        Ok(head)
    }

    fn store_manifest(&self, image: &ImageRef, cred: Option<&Credential>, m: Manifest) -> Arc<Manifest> {
        let m = Arc::new(m);
        let mut map = self.registry.cache.manifests.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_CONTENT_ENTRIES {
            map.clear();
        }
        map.insert((image.name(), m.digest.clone(), cred.map_or(0, Credential::id)), Arc::clone(&m));
        m
    }

    /// The manifest or index `digest` of `image`'s repository (cached).
    pub async fn manifest(&self, image: &ImageRef, digest: &str) -> Result<Arc<Manifest>, ResolveError> {
        let cred = self.cred(&image.registry);
        let key = (image.name(), digest.to_string(), cred.as_ref().map_or(0, Credential::id));
        if let Some(m) = self.registry.cache.manifests.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(Arc::clone(m));
        }
        let path = format!("/v2/{}/manifests/{digest}", image.repository);
        let reply = self.get_manifest(image, cred.as_ref(), &path).await?;
        if super::sha256_digest(&reply.body) != digest {
            return Err(ResolveError::Invalid {
                registry: image.registry.clone(),
                detail: format!("the manifest it sent for {digest} does not hash to that digest"),
            });
        }
        let m = parse_manifest(&image.registry, digest, &reply.body)?;
        Ok(self.store_manifest(image, cred.as_ref(), m))
    }

    /// The platform of the image manifest `digest`, read from its config blob.
    pub async fn platform_of(&self, image: &ImageRef, manifest: &Manifest) -> Result<Platform, ResolveError> {
        Ok(self.image_config(image, manifest).await?.platform.clone())
    }

    /// What drydock reads of an image manifest's config blob (platform, created time, OCI labels),
    /// fetched once per blob and cached: the platform checks and the PR body both read it.
    async fn image_config(&self, image: &ImageRef, manifest: &Manifest) -> Result<Arc<ImageConfig>, ResolveError> {
        #[derive(serde::Deserialize, Default)]
        struct Inner {
            #[serde(default, rename = "Labels")]
            labels: Option<HashMap<String, String>>,
        }
        #[derive(serde::Deserialize)]
        struct ConfigJson {
            #[serde(default)]
            os: String,
            #[serde(default)]
            architecture: String,
            #[serde(default)]
            variant: Option<String>,
            #[serde(default)]
            created: Option<String>,
            #[serde(default)]
            config: Option<Inner>,
        }
        let cred = self.cred(&image.registry);
        let key = (image.name(), manifest.digest.clone(), cred.as_ref().map_or(0, Credential::id));
        if let Some(c) = self.registry.cache.configs.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(Arc::clone(c));
        }
        let Some(config) = manifest.config.as_deref() else {
            return Err(ResolveError::Invalid {
                registry: image.registry.clone(),
                detail: format!("manifest {} names no config blob", manifest.digest),
            });
        };
        let path = format!("/v2/{}/blobs/{config}", image.repository);
        let reply = self
            .registry
            .request(
                &image.registry,
                &image.repository,
                cred.as_ref(),
                Kind::BlobGet,
                &path,
                self.registry.options.max_config_bytes,
            )
            .await?;
        let c: ConfigJson = serde_json::from_slice(&reply.body).map_err(|e| ResolveError::Invalid {
            registry: image.registry.clone(),
            detail: format!("image config {config} is not JSON ({e})"),
        })?;
        let labels = c.config.and_then(|i| i.labels).unwrap_or_default();
        let parsed = Arc::new(ImageConfig {
            platform: Platform::new(&c.os, &c.architecture, c.variant.as_deref().unwrap_or("")),
            created: c.created,
            revision: labels.get("org.opencontainers.image.revision").cloned(),
            source: labels.get("org.opencontainers.image.source").cloned(),
        });
        let mut map = self.registry.cache.configs.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_CONTENT_ENTRIES {
            map.clear();
        }
        map.insert(key, Arc::clone(&parsed));
        Ok(parsed)
    }

    /// The created time, OCI labels and signature of `digest` (an index is described by its first
    /// platform's image, or `platform`'s when given). Cached; failures of the optional parts
    /// (signature, referrers) read as absent.
    pub async fn image_details(
        &self,
        image: &ImageRef,
        digest: &str,
        platform: Option<&Platform>,
    ) -> Result<Arc<ImageDetails>, ResolveError> {
        let cred = self.cred(&image.registry);
        let key = (image.name(), digest.to_string(), cred.as_ref().map_or(0, Credential::id));
        if let Some(d) = self.registry.cache.details.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(Arc::clone(d));
        }
        let mut manifest = self.manifest(image, digest).await?;
        if manifest.is_index() {
            let entry = platform
                .and_then(|p| manifest.platform_digest(p))
                .or_else(|| manifest.platforms.first().map(|(_, d)| d.as_str()))
                .map(str::to_string);
            if let Some(d) = entry {
                manifest = self.manifest(image, &d).await?;
            }
        }
        let mut details = ImageDetails::default();
        if manifest.config.is_some() {
            match self.image_config(image, &manifest).await {
                Ok(c) => {
                    details.created.clone_from(&c.created);
                    details.revision.clone_from(&c.revision);
                    details.source.clone_from(&c.source);
                }
                // A config that does not read leaves the details empty; a failed request is an error.
                Err(ResolveError::Invalid { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let path = format!("/v2/{}/manifests/{digest}", image.repository);
        if let Ok(reply) =
            self.registry.request(&image.registry, &image.repository, cred.as_ref(), Kind::ManifestHead, &path, 0).await
        {
            details.last_modified = reply
                .headers
                .get(reqwest::header::LAST_MODIFIED)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_secs()).ok());
        }
        if let Some(hex) = digest.strip_prefix("sha256:") {
            let path = format!("/v2/{}/manifests/sha256-{hex}.sig", image.repository);
            details.signed = self
                .registry
                .request(&image.registry, &image.repository, cred.as_ref(), Kind::ManifestHead, &path, 0)
                .await
                .is_ok();
            let path = format!("/v2/{}/referrers/{digest}", image.repository);
            details.referrers = match self.get_manifest(image, cred.as_ref(), &path).await {
                Ok(reply) => serde_json::from_slice::<serde_json::Value>(&reply.body)
                    .ok()
                    .and_then(|v| v.get("manifests").and_then(|m| m.as_array()).map(|m| !m.is_empty()))
                    .unwrap_or(false),
                Err(_) => false,
            };
        }
        let details = Arc::new(details);
        let mut map = self.registry.cache.details.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_CONTENT_ENTRIES {
            map.clear();
        }
        map.insert(key, Arc::clone(&details));
        Ok(details)
    }
}

/// Parses a manifest or index body.
pub fn parse_manifest(registry: &str, digest: &str, body: &[u8]) -> Result<Manifest, ResolveError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct PlatformJson {
        #[serde(default)]
        os: String,
        #[serde(default)]
        architecture: String,
        #[serde(default)]
        variant: Option<String>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Descriptor {
        #[serde(default)]
        digest: String,
        #[serde(default)]
        platform: Option<PlatformJson>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        #[serde(default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<Vec<Descriptor>>,
        #[serde(default)]
        config: Option<Descriptor>,
    }
    let b: Body = serde_json::from_slice(body).map_err(|e| ResolveError::Invalid {
        registry: registry.to_string(),
        detail: format!("manifest {digest} is not JSON ({e})"),
    })?;
    let is_index = b.manifests.is_some();
    let media_type =
        b.media_type.unwrap_or_else(|| (if is_index { super::OCI_INDEX } else { super::OCI_MANIFEST }).into());
    let platforms = b
        .manifests
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| {
            let p = d.platform?;
            let p = Platform::new(&p.os, &p.architecture, p.variant.as_deref().unwrap_or(""));
            (!p.is_attestation() && super::is_sha256_digest(&d.digest)).then_some((p, d.digest))
        })
        .collect();
    Ok(Manifest {
        digest: digest.to_string(),
        media_type,
        platforms,
        config: b.config.map(|c| c.digest).filter(|d| super::is_sha256_digest(d)),
    })
}
