//! A real container registry for tests: Debian's `docker-registry`
//! (distribution 2.8) on a free loopback port with a generated config (never
//! the package's default config, which listens on all interfaces) and a temp
//! storage directory, plus helpers that push synthetic images and
//! multi-platform indexes through the registry HTTP API.
//!
//! Tests that need it call [`TestRegistry::start`], which returns `None` with
//! a message when the binary is absent, and panics instead under `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::Digest as _;

/// The registry binary, if installed.
pub fn binary() -> Option<PathBuf> {
    let candidates =
        [std::env::var_os("DRYDOCK_REGISTRY_BIN").map(PathBuf::from), Some("/usr/bin/docker-registry".into())];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

/// How the registry authenticates.
pub enum Auth {
    /// Anonymous.
    None,
    /// An htpasswd file (Basic).
    Htpasswd(PathBuf),
    /// Bearer tokens from `realm`, signed by the key of `rootcert`.
    Token { realm: String, service: String, issuer: String, rootcert: PathBuf },
}

/// A running registry; killed on drop.
pub struct TestRegistry {
    child: Child,
    /// The port on 127.0.0.1.
    pub port: u16,
    _config: tempfile::TempDir,
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TestRegistry {
    /// Starts an anonymous registry storing in `storage`; `None` (with a
    /// message) when the binary is missing outside CI.
    pub fn start(storage: &Path) -> Option<Self> {
        Self::start_with(storage, &Auth::None)
    }

    /// Starts a registry with `auth`, storing in `storage` (several
    /// registries may share one storage directory).
    pub fn start_with(storage: &Path, auth: &Auth) -> Option<Self> {
        let Some(bin) = binary() else {
            assert!(
                !crate::common::in_ci(),
                "CI=true but docker-registry is not installed: `apt-get install -y docker-registry`"
            );
            eprintln!("skipping: docker-registry is not installed (apt-get install -y docker-registry)");
            return None;
        };
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().unwrap();
            let auth_yaml = match auth {
                Auth::None => String::new(),
                Auth::Htpasswd(path) => {
                    format!("auth:\n  htpasswd:\n    realm: drydock-test\n    path: {}\n", path.display())
                }
                Auth::Token { realm, service, issuer, rootcert } => format!(
                    "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
                    rootcert.display()
                ),
            };
            let config = format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    \
                 rootdirectory: {}\n  maintenance:\n    uploadpurging:\n      enabled: false\nhttp:\n  addr: \
                 127.0.0.1:{port}\n  secret: drydock-test-secret\n{auth_yaml}",
                storage.display()
            );
            let path = dir.path().join("config.yml");
            std::fs::write(&path, config).unwrap();
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let mut child = Command::new(&bin)
                .arg("serve")
                .arg(&path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start docker-registry");
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Self { child, port, _config: dir });
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // port taken in the meantime: try another
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("docker-registry did not start");
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// `sha256:<hex>`.
pub fn sha(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Pushes content to an (anonymous) registry through the HTTP API.
pub struct Pusher {
    client: reqwest::Client,
    base: String,
}

/// A pushed manifest.
#[derive(Clone, Debug)]
pub struct Pushed {
    /// Its digest.
    pub digest: String,
    /// Its size.
    pub size: usize,
    /// `os/arch[/variant]`.
    pub platform: (String, String, String),
}

impl Pusher {
    /// A pusher for the registry at `host`.
    pub fn new(host: &str) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self { client: reqwest::Client::new(), base: format!("http://{host}") }
    }

    /// Uploads a blob (POST, then a monolithic PUT).
    pub async fn blob(&self, repo: &str, bytes: &[u8]) -> (String, usize) {
        let digest = sha(bytes);
        let r = self.client.post(format!("{}/v2/{repo}/blobs/uploads/", self.base)).send().await.unwrap();
        assert_eq!(r.status(), 202, "blob upload start");
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let loc = if loc.starts_with("http") { loc } else { format!("{}{loc}", self.base) };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let r = self
            .client
            .put(format!("{loc}{sep}digest={digest}"))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "blob upload finish");
        (digest, bytes.len())
    }

    /// PUTs a manifest under `reference` (a tag or its digest).
    pub async fn manifest(&self, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) -> String {
        let r = self
            .client
            .put(format!("{}/v2/{repo}/manifests/{reference}", self.base))
            .header("content-type", media_type)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert_eq!(status, 201, "manifest PUT: {}", r.text().await.unwrap_or_default());
        sha(bytes)
    }

    /// Pushes an image for `os/arch/variant` whose content depends on `salt`,
    /// by digest only.
    pub async fn image(&self, repo: &str, platform: &str, salt: &str) -> Pushed {
        let mut parts = platform.split('/');
        let os = parts.next().unwrap().to_string();
        let arch = parts.next().unwrap().to_string();
        let variant = parts.next().unwrap_or("").to_string();
        let layer = format!("layer {repo} {platform} {salt}");
        let (layer_digest, layer_size) = self.blob(repo, layer.as_bytes()).await;
        let mut config = serde_json::json!({
            "architecture": arch, "os": os,
            "created": "2026-01-01T00:00:00Z",
            "config": {"Labels": {"salt": salt}},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        });
        if !variant.is_empty() {
            config["variant"] = serde_json::json!(variant);
        }
        let config = serde_json::to_vec(&config).unwrap();
        let (config_digest, config_size) = self.blob(repo, &config).await;
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}],
        }))
        .unwrap();
        let digest = sha(&manifest);
        self.manifest(repo, &digest, "application/vnd.oci.image.manifest.v1+json", &manifest).await;
        Pushed { digest, size: manifest.len(), platform: (os, arch, variant) }
    }

    /// Pushes a single-platform image and tags it.
    pub async fn tag_image(&self, repo: &str, tag: &str, platform: &str, salt: &str) -> Pushed {
        let p = self.image(repo, platform, salt).await;
        // Re-PUT the same bytes under the tag.
        let manifest = self.raw_manifest(repo, &p.digest).await;
        self.manifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", &manifest).await;
        p
    }

    async fn raw_manifest(&self, repo: &str, digest: &str) -> Vec<u8> {
        self.client
            .get(format!("{}/v2/{repo}/manifests/{digest}", self.base))
            .header("accept", "application/vnd.oci.image.manifest.v1+json")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }

    /// Pushes an OCI index of `images` under `tag`; returns its digest.
    pub async fn tag_index(&self, repo: &str, tag: &str, images: &[Pushed]) -> String {
        let manifests: Vec<serde_json::Value> = images
            .iter()
            .map(|p| {
                let mut platform = serde_json::json!({"os": p.platform.0, "architecture": p.platform.1});
                if !p.platform.2.is_empty() {
                    platform["variant"] = serde_json::json!(p.platform.2);
                }
                serde_json::json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": p.digest, "size": p.size, "platform": platform,
                })
            })
            .collect();
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))
        .unwrap();
        self.manifest(repo, tag, "application/vnd.oci.image.index.v1+json", &index).await
    }
}
