//! Setup mode end to end: `drydock serve` without App credentials registers the App from its manifest
//! against the fake GitHub (which, like GitHub, redirects `/settings/apps/new` to the manifest's
//! `redirect_url` with a code and the state), stores its secrets sealed, and switches to normal mode
//! without a restart. Driven twice: over plain HTTP, and by a real headless Chromium clicking the
//! button ([`cdp`]; skipped without `chromium`, mandatory with `CI=true`).

mod cdp;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use drydock::github::webhook::{WebhookSecrets, sign};
use drydock::server::{self, AppCredentials, Config, SecretKey};
use drydock::store::{Store, StoredAppCredentials, Timestamp};
use secrecy::SecretString;

use crate::fake_github::{CreatedApp, FakeGithub, TEST_APP_ID, TEST_APP_KEY};
use crate::server::{SECRET, deliver, http, pull_request_payload};
use crate::store::{TestDb, databases};

/// A test key (base64 of 32 bytes); never a real deployment's.
const KEY: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
const OTHER_KEY: &str = "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=";

/// Setup-mode config: no credentials, the key, GitHub (web and API) at the fake.
fn setup_config(gh: &FakeGithub, database_url: &str, key: Option<&str>) -> Config {
    let mut config = crate::server::test_config(gh, database_url);
    config.app = None;
    config.webhook_secrets = None;
    config.github_url = gh.uri();
    config.secret_key = key.map(|k| SecretKey::parse(k).unwrap());
    config.setup_poll_interval = Duration::from_millis(100);
    config
}

/// A server running in-process until dropped or stopped.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestServer {
    pub(crate) async fn start(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(server::run_until(config, listener, async move {
            let _ = stopped.await;
        }));
        Self { addr, stop: Some(stop), handle }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops it and returns what `run_until` returned.
    pub(crate) async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(15), &mut self.handle).await.unwrap().unwrap()
    }
}

/// POSTs `pairs` as an HTML form would (`application/x-www-form-urlencoded`).
fn post_form(http: &reqwest::Client, url: &str, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = reqwest::Url::parse_with_params("http://x/", pairs).unwrap().query().unwrap_or("").to_owned();
    http.post(url).header("content-type", "application/x-www-form-urlencoded").body(body)
}

/// GET, returning status and body.
async fn get(http: &reqwest::Client, url: &str) -> (u16, String) {
    let r = http.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Undoes `server::html::escape`.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The value of the first `attr="…"` after `after` in `html`, unescaped.
fn attr_after(html: &str, after: &str, attr: &str) -> String {
    let start = html.find(after).unwrap_or_else(|| panic!("{after} not in {html}"));
    let rest = &html[start..];
    let needle = format!("{attr}=\"");
    let from = rest.find(&needle).unwrap() + needle.len();
    let len = rest[from..].find('"').unwrap();
    unescape(&rest[from..from + len])
}

/// Polls `/readyz` until it answers 200 with `want` in the body.
async fn wait_ready(http: &reqwest::Client, server: &TestServer, want: &str) {
    let start = Instant::now();
    loop {
        let (status, body) = get(http, &server.url("/readyz")).await;
        if status == 200 && body.contains(want) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never ready with {want:?}; last: {status} {body:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A signed `pull_request` delivery with `secret`; returns the status.
async fn deliver_with(http: &reqwest::Client, addr: SocketAddr, secret: &str, delivery: &str) -> u16 {
    let body = pull_request_payload(7, "octo/app", 1, &"a".repeat(40));
    let signature = sign(secret, &body);
    deliver(http, addr, Some("pull_request"), Some(delivery), Some(&signature), body).await
}

/// What a finished setup must look like, however it was driven: the App's secrets are stored sealed,
/// webhooks signed with its new secret are accepted (and the old one refused), the setup pages are
/// gone, and the status page shows no secret.
async fn assert_configured(http: &reqwest::Client, server: &TestServer, store: &Store, app: &CreatedApp) {
    let stored = store.app_credentials().await.unwrap().expect("credentials stored");
    assert_eq!(stored.app_id, i64::try_from(TEST_APP_ID).unwrap());
    assert_eq!(stored.slug, app.slug);
    for (sealed, plain) in [
        (&stored.private_key, TEST_APP_KEY),
        (&stored.webhook_secret, app.webhook_secret.as_str()),
        (&stored.client_secret, app.client_secret.as_str()),
    ] {
        assert!(sealed.starts_with("v1:"), "{sealed}");
        assert!(!sealed.contains(plain) && !sealed.contains("PRIVATE KEY"), "stored in plaintext");
    }
    // The switch happened without a restart: the new secret works, the setup routes are gone.
    assert_eq!(deliver_with(http, server.addr, &app.webhook_secret, "11111111-2222-3333-4444-555555555555").await, 202);
    assert_eq!(deliver_with(http, server.addr, SECRET, "11111111-2222-3333-4444-666666666666").await, 401);
    wait_ready(http, server, "ready\n").await;
    let (status, _) = get(http, &server.url(&format!("/setup/callback?code=x&state={}", app.state))).await;
    assert_eq!(status, 404, "setup is gone once configured");
    let r = post_form(http, &server.url("/setup/start"), &[("org", "")]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (status, page) = get(http, &server.url("/")).await;
    assert_eq!(status, 200);
    assert!(page.contains("drydock status") && page.contains("Recent deliveries"), "{page}");
    assert!(page.contains(&format!("/apps/{}/installations/new", app.slug)), "{page}");
    assert!(page.contains("pull_request"), "the delivery is listed: {page}");
    for secret in [app.webhook_secret.as_str(), app.client_secret.as_str(), "PRIVATE KEY", KEY, "v1:", "ghs_"] {
        assert!(!page.contains(secret), "the status page shows a secret ({secret})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_registers_the_app_over_http_and_switches_without_a_restart() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let server = TestServer::start(setup_config(&gh, &db.url, Some(KEY))).await;
    let http = http();
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Setup mode: ready (it must get traffic), the form, no webhooks yet.
    wait_ready(&http, &server, "setup mode").await;
    let (status, page) = get(&http, &server.url("/")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Register GitHub App") && page.contains("name=\"org\""), "{page}");
    assert_eq!(deliver_with(&http, server.addr, SECRET, "11111111-2222-3333-4444-000000000000").await, 503);

    // A callback with an unknown state is refused, and nothing is converted.
    let (status, page) = get(&http, &server.url("/setup/callback?code=abc&state=forged")).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("expired or was already used"), "{page}");
    // An organization name that is not a login is refused.
    let r = post_form(&http, &server.url("/setup/start"), &[("org", "../evil")]).send().await.unwrap();
    assert_eq!(r.status(), 400);

    // An organization registration goes to the organization's page.
    let r = post_form(&http, &server.url("/setup/start"), &[("org", "acme")]).send().await.unwrap();
    let page = r.text().await.unwrap();
    let action = attr_after(&page, "<form", "action");
    assert!(action.starts_with(&format!("{}/organizations/acme/settings/apps/new?state=", gh.uri())), "{action}");

    // The personal-account registration, as a browser would do it.
    let r = post_form(&http, &server.url("/setup/start"), &[("org", "")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let action = attr_after(&page, "<form", "action");
    let (base, state) = action.split_once("?state=").unwrap();
    assert_eq!(base, format!("{}/settings/apps/new", gh.uri()));
    assert!(state.len() == 64 && state.bytes().all(|b| b.is_ascii_hexdigit()), "{state}");
    let manifest_text = attr_after(&page, "name=\"manifest\"", "value");
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text).unwrap();
    let public = format!("http://{}", server.addr);
    assert_eq!(manifest["hook_attributes"]["url"], format!("{public}/webhook"));
    assert_eq!(manifest["redirect_url"], format!("{public}/setup/callback"));
    assert_eq!(manifest["setup_url"], format!("{public}/"));
    assert_eq!(manifest["url"], public);
    assert_eq!(manifest["default_permissions"]["checks"], "write");

    let r = post_form(&no_redirects, &action, &[("manifest", manifest_text.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let callback = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&format!("{public}/setup/callback?code=")), "{callback}");
    let (status, page) = get(&http, &callback).await;
    assert_eq!(status, 200, "{page}");
    let app = gh.created_apps().pop().expect("the code was converted");
    assert_eq!((app.org.as_deref(), app.state.as_str()), (None, state));
    let install = format!("{}/apps/{}/installations/new", gh.uri(), app.slug);
    assert_eq!(attr_after(&page, "id=\"install\"", "href"), install);
    assert_eq!(
        gh.requests().iter().filter(|r| r.path.starts_with("/app-manifests/")).count(),
        1,
        "one conversion, unauthenticated"
    );
    assert!(
        gh.requests()
            .iter()
            .any(|r| r.path.starts_with("/app-manifests/") && r.auth == crate::fake_github::AuthKind::None)
    );

    let store = Store::connect(&db.url).await.unwrap();
    assert_configured(&http, &server, &store, &app).await;
    // The state was single use: replaying the callback is refused even on a server still in setup mode
    // (the next test restarts into normal mode, so check it through the store).
    assert!(!store.take_setup_state(state, Timestamp::now()).await.unwrap());
    store.close().await;
    server.stop().await.unwrap();

    // A restart loads the stored credentials: normal mode at once, same secret.
    let server = TestServer::start(setup_config(&gh, &db.url, Some(KEY))).await;
    wait_ready(&http, &server, "ready\n").await;
    assert_eq!(
        deliver_with(&http, server.addr, &app.webhook_secret, "11111111-2222-3333-4444-777777777777").await,
        202
    );
    assert_eq!(get(&http, &server.url("/setup/callback")).await.0, 404);
    server.stop().await.unwrap();

    // Flags and environment override the store.
    let mut config = setup_config(&gh, &db.url, Some(KEY));
    config.app = Some(AppCredentials { app_id: TEST_APP_ID, private_key: SecretString::from(TEST_APP_KEY) });
    config.webhook_secrets = Some(WebhookSecrets::parse(SECRET).unwrap());
    let server = TestServer::start(config).await;
    wait_ready(&http, &server, "ready\n").await;
    assert_eq!(deliver_with(&http, server.addr, SECRET, "11111111-2222-3333-4444-888888888888").await, 202);
    assert_eq!(
        deliver_with(&http, server.addr, &app.webhook_secret, "11111111-2222-3333-4444-999999999999").await,
        401
    );
    server.stop().await.unwrap();

    // A wrong key, or none, is one clear error at start.
    let err = TestServer::start(setup_config(&gh, &db.url, Some(OTHER_KEY))).await.stop().await.unwrap_err();
    let err = format!("{err:#}");
    assert!(err.contains("does not decrypt with this DRYDOCK_SECRET_KEY"), "{err}");
    let err = TestServer::start(setup_config(&gh, &db.url, None)).await.stop().await.unwrap_err();
    let err = format!("{err:#}");
    assert!(err.contains("set DRYDOCK_SECRET_KEY"), "{err}");
}

/// Registers the App through `server` over HTTP (personal account); returns the created App.
async fn register_over_http(http: &reqwest::Client, gh: &FakeGithub, server: &TestServer) -> CreatedApp {
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = post_form(http, &server.url("/setup/start"), &[("org", "")]).send().await.unwrap().text().await.unwrap();
    let action = attr_after(&page, "<form", "action");
    let manifest = attr_after(&page, "name=\"manifest\"", "value");
    let r = post_form(&no_redirects, &action, &[("manifest", manifest.as_str())]).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, page) = get(http, &callback).await;
    assert_eq!(status, 200, "{page}");
    gh.created_apps().pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_in_setup_mode_pick_up_credentials_another_one_stored() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let gh = FakeGithub::start().await;
        let http = http();
        // One after the other: two processes migrating a fresh SQLite file at once can collide.
        let a = TestServer::start(setup_config(&gh, &db.url, Some(KEY))).await;
        wait_ready(&http, &a, "setup mode").await;
        let b = TestServer::start(setup_config(&gh, &db.url, Some(KEY))).await;
        wait_ready(&http, &b, "setup mode").await;
        let app = register_over_http(&http, &gh, &a).await;
        // b never saw the callback; it finds the stored credentials and switches on its own.
        wait_ready(&http, &b, "ready\n").await;
        assert_eq!(deliver_with(&http, b.addr, &app.webhook_secret, "21111111-2222-3333-4444-555555555555").await, 202);
        assert_eq!(get(&http, &b.url("/setup/callback")).await.0, 404);
        a.stop().await.unwrap();
        b.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_key_setup_mode_says_how_to_make_one() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let server = TestServer::start(setup_config(&gh, &db.url, None)).await;
    let http = http();
    wait_ready(&http, &server, "setup mode").await;
    let (status, page) = get(&http, &server.url("/")).await;
    assert_eq!(status, 200);
    assert!(page.contains("openssl rand -base64 32") && !page.contains("<form"), "{page}");
    let r = post_form(&http, &server.url("/setup/start"), &[("org", "")]).send().await.unwrap();
    assert_eq!(r.status(), 503);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_url_setting_fills_the_manifest() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let mut config = setup_config(&gh, &db.url, Some(KEY));
    config.public_url = Some("https://drydock.example.com".to_owned());
    let server = TestServer::start(config).await;
    let http = http();
    let r = post_form(&http, &server.url("/setup/start"), &[("org", "")]).send().await.unwrap();
    let page = r.text().await.unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&attr_after(&page, "name=\"manifest\"", "value")).unwrap();
    assert_eq!(manifest["hook_attributes"]["url"], "https://drydock.example.com/webhook");
    assert_eq!(manifest["redirect_url"], "https://drydock.example.com/setup/callback");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_states_are_single_use_and_expire_and_credentials_are_stored_once() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let now = Timestamp::now();
        store.create_setup_state("fresh", now + Duration::from_hours(1), now).await.unwrap();
        store.create_setup_state("stale", now + Duration::from_secs(1), now).await.unwrap();
        assert!(store.take_setup_state("fresh", now).await.unwrap());
        assert!(!store.take_setup_state("fresh", now).await.unwrap(), "single use");
        let later = now + Duration::from_secs(2);
        assert!(!store.take_setup_state("stale", later).await.unwrap(), "expired");
        assert!(!store.take_setup_state("never", now).await.unwrap());

        let key = SecretKey::parse(KEY).unwrap();
        let creds = StoredAppCredentials {
            app_id: 42,
            slug: "drydock-x".to_owned(),
            client_id: "Iv1.x".to_owned(),
            github_url: "https://github.com".to_owned(),
            private_key: key.seal("private_key", TEST_APP_KEY),
            webhook_secret: key.seal("webhook_secret", "whsec"),
            client_secret: key.seal("client_secret", "cs"),
            created_at: now,
        };
        assert!(store.app_credentials().await.unwrap().is_none());
        assert!(store.save_app_credentials(&creds).await.unwrap());
        let second = StoredAppCredentials { slug: "drydock-y".to_owned(), ..creds.clone() };
        assert!(!store.save_app_credentials(&second).await.unwrap(), "the first setup wins");
        assert_eq!(store.app_credentials().await.unwrap(), Some(creds.clone()));
        let (app, secrets) = server::setup::open_stored(&key, &creds).unwrap();
        assert_eq!((app.app_id, secrets.len()), (42, 1));
        let wrong = SecretKey::parse(OTHER_KEY).unwrap();
        let err = server::setup::open_stored(&wrong, &creds).unwrap_err().to_string();
        assert!(err.contains("does not decrypt"), "{err}");
        store.close().await;
    }
}

/// A real browser: open `/`, click "Register GitHub App", follow GitHub's redirect back to the callback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_clicks_through_setup() {
    let Some(chromium) = crate::common::require_or_skip(
        cdp::chromium_binary(),
        "chromium for the setup-page browser test",
        "apt-get install -y chromium, or set CHROMIUM to its path",
    ) else {
        return;
    };
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let server = TestServer::start(setup_config(&gh, &db.url, Some(KEY))).await;
    let http = http();
    wait_ready(&http, &server, "setup mode").await;

    let browser = cdp::Browser::launch(&chromium).await;
    let mut page = browser.open(&server.url("/")).await;
    page.wait_for("!!document.getElementById('register')").await;
    page.eval("document.getElementById('register').click(); true").await;
    // POST /setup/start → auto-submitted manifest form → fake GitHub → 302 → /setup/callback.
    page.wait_for("!!document.getElementById('configured')").await;
    let href = page.eval("location.href").await;
    assert!(href.as_str().unwrap().starts_with(&server.url("/setup/callback?code=")), "{href}");
    let install = page.eval("document.getElementById('install').href").await;
    let app = gh.created_apps().pop().expect("the code was converted");
    assert_eq!(install.as_str().unwrap(), format!("{}/apps/{}/installations/new", gh.uri(), app.slug));
    assert_eq!(app.org, None);
    browser.close().await;

    let store = Store::connect(&db.url).await.unwrap();
    assert_configured(&http, &server, &store, &app).await;
    store.close().await;
    server.stop().await.unwrap();
}

/// The binary: `drydock serve` with no App setting at all starts in setup mode instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_starts_in_setup_mode_without_credentials() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("secret.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("drydock"));
    for (key, _) in std::env::vars() {
        if key.starts_with("DRYDOCK_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0", "--reconcile-interval", "0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.path().join("d.db").display()))
        .env("DRYDOCK_SECRET_KEY_FILE", &key_file)
        .env("DRYDOCK_GITHUB_API_URL", "https://ghe.example.com/api/v3")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line:?}")).to_owned();
    let http = http();
    let (status, body) = get(&http, &format!("http://{addr}/readyz")).await;
    let (page_status, page) = get(&http, &format!("http://{addr}/")).await;
    let r = post_form(&http, &format!("http://{addr}/setup/start"), &[("org", "acme")]).send().await.unwrap();
    let start = r.text().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!((status, body.as_str()), (200, "setup mode: open / in a browser to register the GitHub App\n"));
    assert_eq!(page_status, 200);
    assert!(page.contains("Register GitHub App"), "{page}");
    // The web host is derived from the GHES API URL.
    let action = attr_after(&start, "<form", "action");
    assert!(action.starts_with("https://ghe.example.com/organizations/acme/settings/apps/new?state="), "{action}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_installations_deliveries_and_their_jobs() {
    use drydock::server::status::{StatusData, render};
    use drydock::store::{InstallationInfo, JobState, NewDelivery, NewJob, Recorded, Repository};
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let t = |s: u64| Timestamp::from_unix_millis(1_795_000_000_000) + Duration::from_secs(s);
        let info =
            InstallationInfo { id: 7, account: "acme".into(), account_type: "Organization".into(), suspended: false };
        store.upsert_installation(&info, t(0)).await.unwrap();
        let repos =
            [Repository { id: 1, full_name: "acme/a".into() }, Repository { id: 2, full_name: "acme/b".into() }];
        store.set_repositories(7, &repos, &[], t(0)).await.unwrap();
        let delivery = |id: &str, event: &str| NewDelivery {
            delivery_id: id.into(),
            event: event.into(),
            action: Some("opened".into()),
            installation_id: Some(7),
            repository: Some("acme/<a>".into()),
            payload: "{}".into(),
        };
        let job = NewJob::new("lint_pr", serde_json::json!({})).installation(7);
        let Recorded::New { jobs } =
            store.record_delivery(&delivery("d-1", "pull_request"), &[job], t(1)).await.unwrap()
        else {
            panic!("new delivery")
        };
        store.record_delivery(&delivery("d-2", "push"), &[], t(2)).await.unwrap();
        let claimed = store.claim("w", Duration::from_mins(1), t(3)).await.unwrap().unwrap();
        assert_eq!(claimed.id, jobs[0]);
        store.fail_permanently(claimed.id, "w", "repository <gone>", t(4)).await.unwrap();

        let data = StatusData::load(&store, t(5)).await.unwrap();
        assert_eq!(data.installations.len(), 1);
        assert_eq!(data.installations[0].repositories, 2);
        let outcomes: Vec<_> = data.deliveries.iter().map(|d| (d.delivery_id.as_str(), d.jobs, d.job_state)).collect();
        assert_eq!(outcomes, [("d-2", 0, None), ("d-1", 1, Some(JobState::Dead))]);
        assert_eq!(data.deliveries[1].last_error.as_deref(), Some("repository <gone>"));
        assert_eq!(data.queue.dead, 1);
        assert!(data.digest_prs.is_empty(), "placeholder until the digest-PR table lands");
        let html = render(&data);
        assert!(html.contains("<td>acme</td><td>Organization</td><td>2</td>"), "{html}");
        assert!(html.contains("dead (repository &lt;gone&gt;)") && html.contains("acme/&lt;a&gt;"), "{html}");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_conversion_says_start_again_and_burns_the_state() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let server = TestServer::start(setup_config(&gh, &db.url, Some(KEY))).await;
    let http = http();
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page =
        post_form(&http, &server.url("/setup/start"), &[("org", "")]).send().await.unwrap().text().await.unwrap();
    let action = attr_after(&page, "<form", "action");
    let manifest = attr_after(&page, "name=\"manifest\"", "value");
    let r = post_form(&no_redirects, &action, &[("manifest", manifest.as_str())]).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_owned();
    let code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    gh.inject_on("POST", "/app-manifests/", crate::fake_github::Fault::ServerError, 1);
    let (status, page) = get(&http, &callback).await;
    assert_eq!(status, 502, "{page}");
    assert!(page.contains("GitHub did not convert the manifest code") && page.contains("start again"), "{page}");
    assert!(!page.contains(&code), "the code buys the App's key; it is never shown");
    // Still in setup mode; the state was used up.
    let (status, page) = get(&http, &callback).await;
    assert_eq!(status, 400, "{page}");
    assert!(Store::connect(&db.url).await.unwrap().app_credentials().await.unwrap().is_none());
    wait_ready(&http, &server, "setup mode").await;
    server.stop().await.unwrap();
}
