//! `drydock digest` against a real registry (Debian's `docker-registry`,
//! distribution 2.8) on loopback: check, pin and update; platform pins;
//! Basic and token auth; 429 with `Retry-After`; the SSRF guard.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use drydock::digest::plan::{self, Status};
use drydock::digest::refs;
use drydock::digest::{Credential, Credentials, Guard, Registry, RegistryOptions, ResolveError, Resolver};

use crate::registry::{Auth, Pusher, TestRegistry};

fn resolver_for(hosts: &[&str], credentials: Credentials) -> Resolver {
    let mut guard = Guard::new::<_, &str>([]);
    for h in hosts {
        guard.allow_explicit(h);
    }
    Resolver::new(Registry::new(guard, RegistryOptions::default()).unwrap(), credentials)
}

async fn statuses(resolver: &Resolver, src: &str) -> Vec<(Status, Option<String>)> {
    let sites = refs::sites(src);
    plan::assess_file(resolver, "Dockerfile", &sites).await.into_iter().map(|f| (f.status, f.proposed)).collect()
}

/// Runs the CLI in `dir` (blocking, off the async runtime).
async fn drydock(dir: &Path, args: Vec<String>, envs: Vec<(String, String)>) -> (i32, String, String) {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let out = Command::cargo_bin("drydock")
            .unwrap()
            .current_dir(&dir)
            .env_remove("DRYDOCK_REGISTRY_ALLOW")
            .env("DOCKER_CONFIG", dir.join("no-docker-config"))
            .envs(envs)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_update_and_pin_with_the_cli() {
    let storage = tempfile::tempdir().unwrap();
    let Some(reg) = TestRegistry::start(storage.path()) else { return };
    let host = reg.host();
    let push = Pusher::new(&host);
    let old = push.tag_image("lib/app", "1", "linux/amd64", "a").await;
    push.tag_image("lib/tool", "2", "linux/amd64", "t").await;
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "# syntax=docker/dockerfile:1\nARG TOOL={host}/lib/tool:2\nFROM {host}/lib/app:1@{d}   AS build\n\
         COPY --from={host}/lib/app:1 /x /x\nFROM build\nARG TOOL\nRUN --mount=from=${{TOOL}},target=/t true\n",
        d = old.digest
    );
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).unwrap();
    let allow = format!("--registry-allow={host}");

    // Without the allowance the loopback registry is refused: exit 2, clear message.
    let (code, _, err) = drydock(dir.path(), args(&["digest", "check"]), vec![]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--registry-allow"), "{err}");

    // Up to date except two unpinned references.
    let (code, out, err) = drydock(dir.path(), args(&["digest", "check", &allow]), vec![]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("3 reference(s): 0 stale, 2 not pinned, 1 up to date"), "{out}");

    // A new image under the same tag: the pin is stale.
    let new = push.tag_image("lib/app", "1", "linux/amd64", "b").await;
    let (code, out, _) = drydock(dir.path(), args(&["digest", "check", &allow, "--json"]), vec![]).await;
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stale: Vec<&serde_json::Value> =
        json["findings"].as_array().unwrap().iter().filter(|f| f["status"] == "stale").collect();
    assert_eq!(stale.len(), 1, "{out}");
    assert_eq!(stale[0]["line"], 3);
    assert_eq!(stale[0]["pinned"], old.digest.as_str());
    assert_eq!(stale[0]["proposed"], new.digest.as_str());

    // `update` prints a diff that changes only the digest bytes.
    let (code, diff, err) = drydock(dir.path(), args(&["digest", "update", &allow]), vec![]).await;
    assert_eq!(code, 1, "{err}");
    let normalised = diff.replace(&host, "REGISTRY").replace(&old.digest, "OLD").replace(&new.digest, "NEW");
    insta::assert_snapshot!("digest_update_diff", normalised);
    assert_eq!(std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(), dockerfile, "no --write, no change");

    let (code, _, err) = drydock(dir.path(), args(&["digest", "update", &allow, "--write"]), vec![]).await;
    assert_eq!(code, 0, "{err}");
    let updated = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert_eq!(updated, dockerfile.replace(&old.digest, &new.digest));

    // `pin` pins the COPY --from and the ARG default, keeping tags.
    let (code, diff, err) = drydock(dir.path(), args(&["digest", "pin", &allow]), vec![]).await;
    assert_eq!(code, 1, "{err}");
    let normalised = diff.replace(&host, "REGISTRY").replace(&new.digest, "NEW");
    let normalised = regex::Regex::new("sha256:[0-9a-f]{64}").unwrap().replace_all(&normalised, "sha256:TOOL");
    insta::assert_snapshot!("digest_pin_diff", normalised);
    let (code, _, err) = drydock(dir.path(), args(&["digest", "pin", &allow, "--write"]), vec![]).await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = drydock(dir.path(), args(&["digest", "check", &allow]), vec![]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 stale, 0 not pinned, 3 up to date"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_pins_follow_their_platform() {
    let storage = tempfile::tempdir().unwrap();
    let Some(reg) = TestRegistry::start(storage.path()) else { return };
    let host = reg.host();
    let push = Pusher::new(&host);
    let amd_a = push.image("lib/node", "linux/amd64", "a").await;
    let arm_a = push.image("lib/node", "linux/arm64/v8", "a").await;
    let index_a = push.tag_index("lib/node", "20", &[amd_a.clone(), arm_a.clone()]).await;
    let src = format!(
        "FROM {host}/lib/node:20@{arm}\nFROM {host}/lib/node:20@{index_a}\nFROM --platform=linux/arm64 {host}/lib/node:20@{index_a}\n",
        arm = arm_a.digest
    );
    // The registry metrics of `/metrics` (the process-wide recorder; other tests add to it too).
    let metrics = drydock::server::metrics::handle().expect("drydock's recorder is the process's");
    let r = resolver_for(&[&host], Credentials::none());
    assert!(statuses(&r, &src).await.iter().all(|(s, _)| *s == Status::UpToDate));
    let page = metrics.render();
    for needle in [
        format!("drydock_registry_requests_total{{registry=\"{host}\",kind=\"manifest_head\",status=\"200\"}}"),
        "drydock_registry_cache_total{result=\"miss\"}".to_owned(),
        "drydock_registry_cache_total{result=\"hit\"}".to_owned(),
    ] {
        assert!(page.contains(&needle), "{needle} missing from\n{page}");
    }

    // Only amd64 is rebuilt: the arm64 pins are left alone, the index pin moves.
    let amd_b = push.image("lib/node", "linux/amd64", "b").await;
    let index_b = push.tag_index("lib/node", "20", &[amd_b.clone(), arm_a.clone()]).await;
    let r = resolver_for(&[&host], Credentials::none());
    let got = statuses(&r, &src).await;
    assert_eq!(got[0].0, Status::UpToDate, "the arm64 entry is still the pinned manifest: {got:?}");
    assert_eq!(got[1], (Status::Stale, Some(index_b.clone())), "an index pin stays an index pin");
    assert_eq!(got[2].0, Status::RebuildUnchanged, "--platform=linux/arm64 did not change");

    // arm64 is rebuilt: the platform pin follows arm64, not the index.
    let arm_c = push.image("lib/node", "linux/arm64/v8", "c").await;
    let index_c = push.tag_index("lib/node", "20", &[amd_b.clone(), arm_c.clone()]).await;
    let r = resolver_for(&[&host], Credentials::none());
    let got = statuses(&r, &src).await;
    assert_eq!(got[0], (Status::Stale, Some(arm_c.digest.clone())), "{got:?}");
    assert_eq!(got[1], (Status::Stale, Some(index_c.clone())));
    assert_eq!(got[2], (Status::Stale, Some(index_c.clone())));
    let findings = plan::assess_file(&r, "Dockerfile", &refs::sites(&src)).await;
    let edited = drydock::digest::edit::apply(&src, &findings, drydock::digest::edit::Mode::Update);
    assert_eq!(
        edited.text,
        src.replacen(&arm_a.digest, &arm_c.digest, 1).replace(&index_a, &index_c),
        "only digest bytes change"
    );

    // arm64 vanishes: reported, never switched.
    let amd_d = push.image("lib/node", "linux/amd64", "d").await;
    push.tag_index("lib/node", "20", &[amd_d]).await;
    let r = resolver_for(&[&host], Credentials::none());
    let findings = plan::assess_file(&r, "Dockerfile", &refs::sites(&src)).await;
    assert_eq!(findings[0].status, Status::PlatformVanished, "{findings:#?}");
    assert_eq!(findings[0].platforms, vec!["linux/arm64".to_string()]);
    assert_eq!(findings[1].status, Status::PlatformVanished);
    assert_eq!(findings[2].status, Status::PlatformVanished);
    let edited = drydock::digest::edit::apply(&src, &findings, drydock::digest::edit::Mode::Update);
    assert_eq!(edited.text, src);

    // An index pin whose tag became a single manifest is not switched either.
    push.tag_image("lib/node", "20", "linux/amd64", "e").await;
    let r = resolver_for(&[&host], Credentials::none());
    let got = statuses(&r, &src).await;
    assert_eq!(got[1].0, Status::KindChanged, "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_registry() {
    let storage = tempfile::tempdir().unwrap();
    let Some(open) = TestRegistry::start(storage.path()) else { return };
    let push = Pusher::new(&open.host());
    let img = push.tag_image("team/app", "1", "linux/amd64", "a").await;
    let dir = tempfile::tempdir().unwrap();
    let hash = bcrypt::hash_with_result("s3cret", 4).unwrap().format_for_version(bcrypt::Version::TwoY);
    let htpasswd = dir.path().join("htpasswd");
    std::fs::write(&htpasswd, format!("robot:{hash}\n")).unwrap();
    let Some(reg) = TestRegistry::start_with(storage.path(), &Auth::Htpasswd(htpasswd)) else { return };
    let host = reg.host();
    let src = format!("FROM {host}/team/app:1\n");

    let ok = resolver_for(&[&host], Credentials::none().with(&host, Credential::new("robot", "s3cret")));
    assert_eq!(statuses(&ok, &src).await, vec![(Status::Unpinned, Some(img.digest.clone()))]);

    let anon = resolver_for(&[&host], Credentials::none());
    let err =
        anon.tag_head(&drydock::lint::model::image_ref::ImageRef::parse(&format!("{host}/team/app:1")).unwrap()).await;
    assert!(matches!(&err, Err(ResolveError::Auth { reason, .. }) if reason.contains("requires a login")), "{err:?}");

    let wrong = resolver_for(&[&host], Credentials::none().with(&host, Credential::new("robot", "nope")));
    let f = plan::assess_file(&wrong, "Dockerfile", &refs::sites(&src)).await;
    assert_eq!(f[0].status, Status::Error);
    let note = f[0].note.clone().unwrap();
    assert!(note.contains("authentication failed") && note.contains("refused the credentials"), "{note}");
    assert!(!note.contains("nope"), "never print the secret");

    // The CLI reads docker's config.json ($DOCKER_CONFIG).
    let docker = dir.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(docker.join("config.json"), format!(r#"{{"auths":{{"{host}":{{"auth":"cm9ib3Q6czNjcmV0"}}}}}}"#))
        .unwrap();
    std::fs::write(dir.path().join("Dockerfile"), &src).unwrap();
    let (code, out, err) = drydock(
        dir.path(),
        args(&["digest", "check", &format!("--registry-allow={host}")]),
        vec![("DOCKER_CONFIG".into(), docker.display().to_string())],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("not pinned"), "{out}");
}

/// A proxy in front of the registry that answers 429 to the first `n`
/// manifest requests with `Retry-After: retry`.
async fn throttling_proxy(upstream: String, n: usize, retry: &'static str) -> (String, Arc<AtomicUsize>) {
    use axum::body::Body;
    use axum::http::{Request, Response, StatusCode};
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let counter = Arc::clone(&counter);
        let client = client.clone();
        let upstream = upstream.clone();
        async move {
            let k = counter.fetch_add(1, Ordering::SeqCst);
            if k < n {
                return Response::builder()
                    .status(StatusCode::TOO_MANY_REQUESTS)
                    .header("retry-after", retry)
                    .body(Body::empty())
                    .unwrap();
            }
            let url = format!("http://{upstream}{}", req.uri());
            let mut fwd = client.request(req.method().clone(), url);
            for (k, v) in req.headers() {
                if k != "host" {
                    fwd = fwd.header(k, v);
                }
            }
            let resp = fwd.send().await.unwrap();
            let mut out = Response::builder().status(resp.status().as_u16());
            for (k, v) in resp.headers() {
                out = out.header(k, v);
            }
            out.body(Body::from(resp.bytes().await.unwrap())).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr.to_string(), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_honoured() {
    let storage = tempfile::tempdir().unwrap();
    let Some(reg) = TestRegistry::start(storage.path()) else { return };
    let push = Pusher::new(&reg.host());
    let img = push.tag_image("lib/app", "1", "linux/amd64", "a").await;

    let (proxy, seen) = throttling_proxy(reg.host(), 1, "1").await;
    let r = resolver_for(&[&proxy], Credentials::none());
    let image = drydock::lint::model::image_ref::ImageRef::parse(&format!("{proxy}/lib/app:1")).unwrap();
    let started = Instant::now();
    let head = r.tag_head(&image).await.unwrap();
    assert_eq!(head.digest, img.digest);
    assert!(started.elapsed() >= Duration::from_millis(950), "waited {:?}", started.elapsed());
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert_eq!(r.registry().stats.snapshot().rate_limited, 1);

    // A wait longer than the limit fails fast with a clear error.
    let (proxy, _) = throttling_proxy(reg.host(), 100, "3600").await;
    let r = resolver_for(&[&proxy], Credentials::none());
    let image = drydock::lint::model::image_ref::ImageRef::parse(&format!("{proxy}/lib/app:1")).unwrap();
    let started = Instant::now();
    let err = r.tag_head(&image).await.unwrap_err();
    assert!(matches!(err, ResolveError::RateLimited { retry_after_secs: 3600, .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("try again later"), "{err}");
}

#[tokio::test]
async fn private_loopback_and_metadata_addresses_are_refused() {
    let image = |s: &str| drydock::lint::model::image_ref::ImageRef::parse(s).unwrap();
    // Not on the allowlist at all.
    let r = resolver_for(&[], Credentials::none());
    let err = r.tag_head(&image("127.0.0.1:5000/x:1")).await.unwrap_err();
    assert!(matches!(&err, ResolveError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("--registry-allow 127.0.0.1:5000"), "{err}");
    // Configured (not explicit) hosts: the resolved address is checked.
    let guard = Guard::new(["localhost", "169.254.169.254", "10.1.2.3"]);
    let r = Resolver::new(Registry::new(guard, RegistryOptions::default()).unwrap(), Credentials::none());
    let err = r.tag_head(&image("localhost/x:1")).await.unwrap_err();
    assert!(err.to_string().contains("loopback"), "resolved address: {err}");
    let err = r.tag_head(&image("169.254.169.254/x:1")).await.unwrap_err();
    assert!(err.to_string().contains("cloud metadata"), "{err}");
    let err = r.tag_head(&image("10.1.2.3/x:1")).await.unwrap_err();
    assert!(err.to_string().contains("private"), "{err}");
    // No request was sent.
    assert_eq!(r.registry().stats.snapshot().manifest_heads, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_private_addresses_are_refused() {
    use axum::http::{Response, StatusCode};
    let app = axum::Router::new().fallback(|| async {
        Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header("location", "http://169.254.169.254/latest/meta-data/")
            .body(axum::body::Body::empty())
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let r = resolver_for(&[&addr], Credentials::none());
    let image = drydock::lint::model::image_ref::ImageRef::parse(&format!("{addr}/x:1")).unwrap();
    let err = r.tag_head(&image).await.unwrap_err();
    assert!(matches!(err, ResolveError::Refused { .. }), "{err:?}");
}

/// A token server for distribution's `auth.token`: Basic credentials in,
/// an ES256 JWT (with the signing certificate in `x5c`) out. Returns the
/// realm URL, the certificate path and a counter of token requests.
async fn token_server(dir: &Path, user: &'static str, pass: &'static str) -> Option<(String, std::path::PathBuf)> {
    use axum::extract::{Query, Request};
    use axum::http::StatusCode;
    use base64::Engine as _;
    use octocrab::jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    let ok = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=drydock-test-token", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!crate::common::in_ci(), "CI=true but openssl is missing");
        eprintln!("skipping: openssl is needed to make the token server's certificate");
        return None;
    }
    let pem = std::fs::read_to_string(&cert).unwrap();
    let der_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let encoding = EncodingKey::from_ec_pem(&std::fs::read(&key).unwrap()).unwrap();
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")));
    let app = axum::Router::new().route(
        "/token",
        axum::routing::get(move |Query(q): Query<std::collections::HashMap<String, String>>, req: Request| {
            let encoding = encoding.clone();
            let der_b64 = der_b64.clone();
            let expected = expected.clone();
            async move {
                let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
                if auth != expected {
                    return Err(StatusCode::UNAUTHORIZED);
                }
                let scope = q.get("scope").cloned().unwrap_or_default();
                let mut parts = scope.splitn(3, ':');
                let (kind, name, actions) =
                    (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
                let claims = serde_json::json!({
                    "iss": "drydock-test-issuer", "sub": user, "aud": "drydock-test",
                    "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{now}-{name}"),
                    "access": [{"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}],
                });
                let mut header = Header::new(Algorithm::ES256);
                header.x5c = Some(vec![der_b64]);
                let token = encode(&header, &claims, &encoding).unwrap();
                Ok(axum::Json(serde_json::json!({"token": token, "expires_in": 300})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Some((format!("http://{addr}/token"), cert))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_registry() {
    let storage = tempfile::tempdir().unwrap();
    let Some(open) = TestRegistry::start(storage.path()) else { return };
    let push = Pusher::new(&open.host());
    let amd = push.image("team/base", "linux/amd64", "a").await;
    let arm = push.image("team/base", "linux/arm64", "a").await;
    let index = push.tag_index("team/base", "1", &[amd, arm]).await;
    let dir = tempfile::tempdir().unwrap();
    let Some((realm, cert)) = token_server(dir.path(), "robot", "s3cret").await else { return };
    let realm_host = realm.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let auth =
        Auth::Token { realm, service: "drydock-test".into(), issuer: "drydock-test-issuer".into(), rootcert: cert };
    let Some(reg) = TestRegistry::start_with(storage.path(), &auth) else { return };
    let host = reg.host();
    let src = format!("FROM {host}/team/base:1\nFROM {host}/team/base:1\n");

    let ok = resolver_for(&[&host, &realm_host], Credentials::none().with(&host, Credential::new("robot", "s3cret")));
    assert_eq!(statuses(&ok, &src).await, vec![(Status::Unpinned, Some(index.clone())); 2]);
    let stats = ok.registry().stats.snapshot();
    assert_eq!((stats.manifest_heads, stats.token_requests), (2, 1), "one token, then the cache: {stats:?}");

    // A wrong password is an authentication failure, not a silent anonymous retry.
    let wrong = resolver_for(&[&host, &realm_host], Credentials::none().with(&host, Credential::new("robot", "x")));
    let f = plan::assess_file(&wrong, "Dockerfile", &refs::sites(&src)).await;
    let note = f[0].note.clone().unwrap();
    assert!(note.contains("token server rejected the credentials of user `robot`"), "{note}");

    let anon = resolver_for(&[&host, &realm_host], Credentials::none());
    let f = plan::assess_file(&anon, "Dockerfile", &refs::sites(&src)).await;
    assert!(f[0].note.as_deref().unwrap().contains("refused anonymous access"), "{:?}", f[0].note);
}
