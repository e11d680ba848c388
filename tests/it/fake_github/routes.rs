//! The fake's HTTP side: one fallback handler that logs, injects faults,
//! authenticates and routes by path segments (a `match` reads closer to
//! GitHub's docs than a router table, and handles the `/api/v3` prefix once).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use octocrab::jsonwebtoken::{Algorithm, Validation, decode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::diff::right_lines;
use super::{
    AuthKind, BOT_LOGIN, CheckRun, CreatedApp, Fault, JwtClaims, LoggedRequest, Repo, Review, ReviewComment, Shared,
    State, StoredDelivery,
};

/// GitHub's limit on a check run's summary and text, in characters.
const MAX_OUTPUT_CHARS: usize = 65_535;
/// GitHub's limit on a comment body.
const MAX_BODY_CHARS: usize = 65_536;
/// The contents API sends no content above this size.
const CONTENTS_INLINE_MAX: usize = 1024 * 1024;
/// GitHub lists at most this many files of a pull request.
const MAX_PR_FILES: usize = 3_000;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// The test App's id (the author of the check runs it creates).
fn app_id() -> u64 {
    super::TEST_APP_ID
}

/// Unix seconds now.
pub(super) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A stand-in for git's blob SHA: 40 hex digits of SHA-256.
pub(super) fn blob_sha(content: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(content) {
        let _ = write!(hex, "{b:02x}");
    }
    hex.truncate(40);
    hex
}

/// What the fake answers.
pub(super) struct Reply {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

impl Reply {
    pub(super) fn json(status: StatusCode, body: Value) -> Self {
        Self { status, headers: Vec::new(), body: Some(body) }
    }

    pub(super) fn ok(body: Value) -> Self {
        Self::json(StatusCode::OK, body)
    }

    pub(super) fn message(status: StatusCode, message: &str) -> Self {
        Self::json(
            status,
            json!({ "message": message, "documentation_url": "https://docs.github.com/rest", "status": status.as_str() }),
        )
    }

    pub(super) fn not_found() -> Self {
        Self::message(StatusCode::NOT_FOUND, "Not Found")
    }

    pub(super) fn invalid(message: &str) -> Self {
        Self::message(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub(super) fn no_content() -> Self {
        Self { status: StatusCode::NO_CONTENT, headers: Vec::new(), body: None }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (self.status, axum::Json(body)).into_response(),
            None => self.status.into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
        response
    }
}

/// One request, as the routes see it.
pub(super) struct Ctx<'a> {
    pub(super) method: &'a Method,
    /// Path without the `/api/v3` prefix.
    pub(super) path: &'a str,
    query: Vec<(String, String)>,
    auth: AuthKind,
    /// Scheme, host and prefix, for absolute `Link` URLs.
    base: String,
    body: &'a [u8],
}

impl Ctx<'_> {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn json(&self) -> Result<Value, Reply> {
        if self.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(self.body).map_err(|_| Reply::message(StatusCode::BAD_REQUEST, "Problems parsing JSON"))
    }
}

async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (ghes_prefix, path) = match uri.path().strip_prefix("/api/v3") {
        Some(rest) if rest.starts_with('/') => (true, rest.to_owned()),
        _ => (false, uri.path().to_owned()),
    };
    let fault = {
        let mut state = shared.lock();
        let targeted = state
            .targeted
            .iter_mut()
            .find(|t| t.remaining > 0 && t.method == method.as_str() && path.starts_with(&t.path_prefix));
        match targeted {
            Some(t) => {
                t.remaining -= 1;
                Some(t.fault.clone())
            }
            None => state.faults.pop_front(),
        }
    };
    let mut reply = match fault {
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        Some(f) => Some(fault_reply(&f)),
        None => None,
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
    let base = format!("http://{host}{}", if ghes_prefix { "/api/v3" } else { "" });
    let query = uri.query().map(parse_query).unwrap_or_default();
    let mut state = shared.lock();
    let auth = authenticate(&shared, &mut state, &headers);
    let ctx = Ctx { method: &method, path: &path, query, auth, base, body: &body };
    let reply = reply.take().unwrap_or_else(|| route(&mut state, &ctx).unwrap_or_else(|r| r));
    state.log.push(LoggedRequest {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        ghes_prefix,
        auth,
        status: reply.status.as_u16(),
    });
    drop(state);
    reply.into_response()
}

fn fault_reply(fault: &Fault) -> Reply {
    match fault {
        Fault::ServerError => Reply::message(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
        Fault::SecondaryRateLimit { retry_after_secs } => {
            let mut r = Reply::message(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            );
            r.headers.push(("retry-after", retry_after_secs.to_string()));
            r
        }
        Fault::TooManyRequests { retry_after_secs } => {
            let mut r = Reply::message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            if let Some(secs) = retry_after_secs {
                r.headers.push(("retry-after", secs.to_string()));
            }
            r
        }
        Fault::PrimaryRateLimit { reset_in_secs } => {
            let mut r = Reply::message(StatusCode::FORBIDDEN, "API rate limit exceeded for installation.");
            r.headers.push(("x-ratelimit-limit", "5000".to_owned()));
            r.headers.push(("x-ratelimit-remaining", "0".to_owned()));
            r.headers.push(("x-ratelimit-reset", (now() + reset_in_secs).to_string()));
            r
        }
        Fault::Unprocessable(message) => Reply::invalid(message),
        Fault::Forbidden(message) => Reply::message(StatusCode::FORBIDDEN, message),
        Fault::Delay(_) => unreachable!("a delay is served normally"),
    }
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct Claims {
    iss: Value,
    iat: u64,
    exp: u64,
}

/// Who the `Authorization` header says the caller is (checking it as GitHub would).
fn authenticate(shared: &Shared, state: &mut State, headers: &HeaderMap) -> AuthKind {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return AuthKind::None;
    };
    let Some(credential) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("token ")) else {
        return AuthKind::Invalid;
    };
    if credential.matches('.').count() == 2 {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        let Ok(data) = decode::<Claims>(credential, &shared.public_key, &validation) else {
            return AuthKind::Invalid;
        };
        let c = data.claims;
        let now = now();
        let iss_ok = match &c.iss {
            Value::Number(n) => n.as_u64() == Some(shared.app_id),
            Value::String(s) => *s == shared.app_id.to_string(),
            _ => false,
        };
        // GitHub: issued in the past, expiring at most 10 minutes ahead.
        if !iss_ok || c.iat > now || c.exp <= now || c.exp > now + 600 || c.exp <= c.iat {
            return AuthKind::Invalid;
        }
        state.jwts.push(JwtClaims { iss: c.iss.to_string(), iat: c.iat, exp: c.exp, checked_at: now });
        return AuthKind::Jwt;
    }
    match state.tokens.get(credential) {
        Some(&(installation, expires_at)) if expires_at > now() => AuthKind::Installation(installation),
        _ => AuthKind::Invalid,
    }
}

fn unauthorized(auth: AuthKind) -> Reply {
    let message = match auth {
        AuthKind::None => "Requires authentication",
        AuthKind::Jwt => "A JSON web token cannot be used for this resource",
        _ => "Bad credentials",
    };
    Reply::message(StatusCode::UNAUTHORIZED, message)
}

fn route(state: &mut State, ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let segments: Vec<&str> = ctx.path.trim_start_matches('/').split('/').collect();
    match (ctx.method.as_str(), segments.as_slice()) {
        ("POST", ["settings", "apps", "new"]) => new_app_from_manifest(state, ctx, None),
        ("POST", ["organizations", org, "settings", "apps", "new"]) => new_app_from_manifest(state, ctx, Some(org)),
        ("POST", ["app-manifests", code, "conversions"]) => convert_manifest(state, code),
        ("POST", ["app", "installations", id, "access_tokens"]) => mint_token(state, ctx, id),
        (_, ["app", ..]) if ctx.auth != AuthKind::Jwt => Err(unauthorized(ctx.auth)),
        ("GET", ["app", "hook", "deliveries"]) => Ok(list_deliveries(state, ctx)),
        ("GET", ["app", "installations", id]) => installation_json(state, id),
        ("GET", ["installation", "repositories"]) => installation_repositories(state, ctx),
        ("POST", ["app", "hook", "deliveries", id, "attempts"]) => redeliver(state, id),
        (_, ["repos", owner, name, rest @ ..]) => {
            let full_name = format!("{owner}/{name}");
            let AuthKind::Installation(installation) = ctx.auth else {
                return Err(unauthorized(ctx.auth));
            };
            let next_id = &mut state.next_id;
            let repo = state
                .repos
                .get_mut(&full_name)
                .filter(|r| r.installation == installation)
                .ok_or_else(Reply::not_found)?;
            repo_route(repo, next_id, ctx, rest)
        }
        _ => Err(Reply::not_found()),
    }
}

/// `POST /settings/apps/new?state=…` (the web form, `manifest=<json>`): GitHub shows a confirmation page;
/// the fake confirms at once and redirects to the manifest's `redirect_url` with a code and the state.
fn new_app_from_manifest(state: &mut State, ctx: &Ctx<'_>, org: Option<&str>) -> Result<Reply, Reply> {
    let form = parse_query(std::str::from_utf8(ctx.body).unwrap_or(""));
    let manifest: Value = form
        .iter()
        .find(|(k, _)| k == "manifest")
        .and_then(|(_, v)| serde_json::from_str(v).ok())
        .ok_or_else(|| Reply::message(StatusCode::BAD_REQUEST, "Invalid GitHub App configuration"))?;
    let redirect = manifest["redirect_url"]
        .as_str()
        .and_then(|u| reqwest::Url::parse(u).ok())
        .ok_or_else(|| Reply::message(StatusCode::BAD_REQUEST, "redirect_url is missing"))?;
    if manifest["hook_attributes"]["url"].as_str().is_none() || manifest["name"].as_str().is_none() {
        return Err(Reply::message(StatusCode::BAD_REQUEST, "name and hook_attributes.url are required"));
    }
    let app_state = ctx.param("state").unwrap_or("").to_owned();
    let n = state.id();
    let code = format!("manifestcode{n}");
    let created = CreatedApp {
        org: org.map(str::to_owned),
        state: app_state.clone(),
        manifest,
        slug: format!("drydock-test-{n}"),
        webhook_secret: format!("whsec-fake-{n}-{:08x}", rand::random::<u32>()),
        client_secret: format!("client-secret-fake-{n}"),
    };
    state.manifest_codes.insert(code.clone(), created);
    let mut location = redirect;
    location.query_pairs_mut().append_pair("code", &code).append_pair("state", &app_state);
    Ok(Reply { status: StatusCode::FOUND, headers: vec![("location", location.to_string())], body: None })
}

/// `POST /app-manifests/{code}/conversions` (no authentication): the App's credentials, once per code.
fn convert_manifest(state: &mut State, code: &str) -> Result<Reply, Reply> {
    let created = state.manifest_codes.remove(code).ok_or_else(Reply::not_found)?;
    let reply = json!({
        "id": app_id(), "slug": created.slug, "node_id": "A_fake", "name": created.manifest["name"],
        "owner": { "login": created.org.clone().unwrap_or_else(|| "octocat".to_owned()) },
        "client_id": "Iv1.fakeclientid", "client_secret": created.client_secret,
        "webhook_secret": created.webhook_secret, "pem": super::TEST_APP_KEY,
        "html_url": format!("https://github.com/apps/{}", created.slug),
    });
    state.created_apps.push(created);
    Ok(Reply::json(StatusCode::CREATED, reply))
}

/// `GET /app/installations/{id}`: the account is the owner of the installation's first repository.
fn installation_json(state: &State, id: &str) -> Result<Reply, Reply> {
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    if !state.installations.contains_key(&id) {
        return Err(Reply::not_found());
    }
    let login = state
        .repos
        .iter()
        .find(|(_, r)| r.installation == id)
        .and_then(|(name, _)| name.split('/').next())
        .map_or_else(|| format!("account{id}"), str::to_owned);
    Ok(Reply::ok(json!({
        "id": id, "app_id": 4242, "target_type": "Organization", "suspended_at": null,
        "account": { "login": login, "type": "Organization" },
    })))
}

/// `GET /installation/repositories` with an installation token, paginated like GitHub's.
fn installation_repositories(state: &State, ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let AuthKind::Installation(installation) = ctx.auth else {
        return Err(unauthorized(ctx.auth));
    };
    let repos: Vec<Value> = state
        .repos
        .iter()
        .filter(|(_, r)| r.installation == installation)
        .map(|(name, r)| json!({ "id": r.id, "full_name": name, "default_branch": r.default_branch }))
        .collect();
    let total = repos.len();
    let mut reply = paginate(repos, ctx);
    let page = reply.body.take().unwrap_or(Value::Null);
    reply.body = Some(json!({ "total_count": total, "repositories": page }));
    Ok(reply)
}

fn mint_token(state: &mut State, ctx: &Ctx<'_>, id: &str) -> Result<Reply, Reply> {
    if ctx.auth != AuthKind::Jwt {
        return Err(unauthorized(ctx.auth));
    }
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let mints = state.installations.get_mut(&id).ok_or_else(Reply::not_found)?;
    *mints += 1;
    let token = format!("ghs_fake{id}x{mints}");
    let expires_at = now() + state.token_ttl.as_secs();
    state.tokens.insert(token.clone(), (id, expires_at));
    Ok(Reply::json(
        StatusCode::CREATED,
        json!({ "token": token, "expires_at": rfc3339(expires_at), "permissions": {}, "repository_selection": "selected" }),
    ))
}

fn delivery_json(d: &StoredDelivery) -> Value {
    let status = match d.seed.status_code {
        0 => "failed to connect to host".to_owned(),
        200..=299 => "OK".to_owned(),
        code => format!("Invalid HTTP Response: {code}"),
    };
    json!({
        "id": d.id,
        "guid": d.seed.guid,
        "delivered_at": rfc3339(d.delivered_at),
        "redelivery": d.redelivery,
        "duration": 0.05,
        "status": status,
        "status_code": d.seed.status_code,
        "event": d.seed.event,
        "action": d.seed.action,
        "installation_id": d.seed.installation_id,
        "repository_id": d.seed.repository_id,
    })
}

/// Newest first, with cursor pagination (`cursor=c<offset>`) as GitHub does for deliveries.
fn list_deliveries(state: &State, ctx: &Ctx<'_>) -> Reply {
    let per_page = ctx.param("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let offset =
        ctx.param("cursor").and_then(|c| c.strip_prefix('c')).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let all: Vec<&StoredDelivery> = state.deliveries.iter().rev().collect();
    let page: Vec<Value> = all.iter().skip(offset).take(per_page).map(|d| delivery_json(d)).collect();
    let mut reply = Reply::ok(Value::Array(page));
    if offset + per_page < all.len() {
        let next = format!("{}/app/hook/deliveries?per_page={per_page}&cursor=c{}", ctx.base, offset + per_page);
        reply.headers.push(("link", format!("<{next}>; rel=\"next\"")));
    }
    reply
}

fn redeliver(state: &mut State, id: &str) -> Result<Reply, Reply> {
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let original = state.deliveries.iter().find(|d| d.id == id).cloned().ok_or_else(Reply::not_found)?;
    state.redeliveries.push(id);
    let new_id = state.id();
    let mut seed = original.seed;
    seed.status_code = 202;
    state.deliveries.push(StoredDelivery { id: new_id, seed, redelivery: true, delivered_at: now() });
    Ok(Reply::json(StatusCode::ACCEPTED, json!({})))
}

fn repo_route(repo: &mut Repo, next_id: &mut u64, ctx: &Ctx<'_>, rest: &[&str]) -> Result<Reply, Reply> {
    let mut id = || {
        *next_id += 1;
        *next_id
    };
    let number = |s: &str| s.parse::<u64>().map_err(|_| Reply::not_found());
    if let Some(reply) = super::git::route(repo, &mut id, ctx, rest) {
        return reply;
    }
    match (ctx.method.as_str(), rest) {
        ("GET", []) => Ok(Reply::ok(json!({ "id": repo.id, "default_branch": repo.default_branch }))),
        ("GET", ["contents", path @ ..]) => contents(repo, ctx, &percent_decode(&path.join("/"))),
        ("GET", ["git", "blobs", sha]) => {
            let content = repo.blobs.get(*sha).ok_or_else(Reply::not_found)?;
            Ok(Reply::ok(
                json!({ "sha": sha, "size": content.len(), "encoding": "base64", "content": base64_lines(content) }),
            ))
        }
        ("GET", ["pulls", n]) => {
            let pr = repo.pulls.get(&number(n)?).ok_or_else(Reply::not_found)?;
            Ok(Reply::ok(json!({
                "number": pr.number, "state": pr.state, "merged": pr.merged, "title": pr.title, "body": pr.body,
                "head": { "sha": pr.head_sha, "ref": pr.head_ref },
                "base": { "ref": pr.base_ref },
            })))
        }
        ("GET", ["pulls", n, "files"]) => {
            let pr = repo.pulls.get(&number(n)?).ok_or_else(Reply::not_found)?;
            let files: Vec<Value> = pr
                .files
                .iter()
                .take(MAX_PR_FILES)
                .map(|f| {
                    json!({
                        "sha": blob_sha(f.filename.as_bytes()),
                        "filename": f.filename,
                        "status": f.status,
                        "patch": f.patch,
                        "previous_filename": f.previous_filename,
                    })
                })
                .collect();
            Ok(paginate(files, ctx))
        }
        ("POST", ["pulls", n, "reviews"]) => create_review(repo, &mut id, ctx, number(n)?),
        ("GET", ["pulls", n, "reviews"]) => {
            let n = number(n)?;
            let reviews: Vec<Value> = repo
                .reviews
                .iter()
                .filter(|r| r.pull_number == n)
                .map(|r| json!({ "id": r.id, "body": r.body, "commit_id": r.commit_id, "state": "COMMENTED", "user": { "login": BOT_LOGIN, "type": "Bot" } }))
                .collect();
            Ok(paginate(reviews, ctx))
        }
        ("GET", ["pulls", n, "comments"]) => {
            let n = number(n)?;
            let comments: Vec<Value> = repo.comments.iter().filter(|c| c.pull_number == n).map(comment_json).collect();
            Ok(paginate(comments, ctx))
        }
        ("PATCH", ["pulls", "comments", cid]) => {
            let cid = number(cid)?;
            let body = ctx.json()?;
            let text = body.get("body").and_then(Value::as_str).ok_or_else(|| Reply::invalid("body is missing"))?;
            if text.chars().count() > MAX_BODY_CHARS {
                return Err(Reply::invalid("Body is too long (maximum is 65536 characters)"));
            }
            let c = repo.comments.iter_mut().find(|c| c.id == cid).ok_or_else(Reply::not_found)?;
            text.clone_into(&mut c.body);
            Ok(Reply::ok(comment_json(c)))
        }
        ("DELETE", ["pulls", "comments", cid]) => {
            let cid = number(cid)?;
            let before = repo.comments.len();
            repo.comments.retain(|c| c.id != cid);
            if repo.comments.len() == before { Err(Reply::not_found()) } else { Ok(Reply::no_content()) }
        }
        ("POST", ["check-runs"]) => create_check_run(repo, &mut id, ctx),
        ("PATCH", ["check-runs", cid]) => {
            let cid = number(cid)?;
            let body = ctx.json()?;
            let run = repo.check_runs.iter_mut().find(|r| r.id == cid).ok_or_else(Reply::not_found)?;
            update_check_run(run, &body)?;
            run.patches += 1;
            Ok(Reply::ok(check_run_json(run)))
        }
        ("GET", ["commits", sha, "check-runs"]) => {
            let name = ctx.param("check_name");
            let app = ctx.param("app_id").and_then(|v| v.parse::<u64>().ok());
            let runs: Vec<Value> = repo
                .check_runs
                .iter()
                .filter(|r| r.head_sha == *sha && name.is_none_or(|n| r.name == n) && app.is_none_or(|a| r.app_id == a))
                .rev()
                .map(check_run_json)
                .collect();
            Ok(Reply::ok(json!({ "total_count": runs.len(), "check_runs": runs })))
        }
        ("GET", ["commits", sha]) => {
            let files = repo.commits.get(*sha).ok_or_else(Reply::not_found)?;
            let per_page = ctx.param("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(300).clamp(1, 300);
            let page = ctx.param("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
            let files: Vec<Value> = files
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|f| json!({ "filename": f.filename, "status": f.status, "patch": f.patch, "sha": blob_sha(f.filename.as_bytes()) }))
                .collect();
            Ok(Reply::ok(json!({ "sha": sha, "files": files })))
        }
        ("GET", ["check-runs", cid]) => {
            let cid = number(cid)?;
            let run = repo.check_runs.iter().find(|r| r.id == cid).ok_or_else(Reply::not_found)?;
            Ok(Reply::ok(check_run_json(run)))
        }
        _ => Err(Reply::not_found()),
    }
}

/// `per_page`/`page` pagination with absolute `Link` URLs, as GitHub does.
pub(super) fn paginate(items: Vec<Value>, ctx: &Ctx<'_>) -> Reply {
    let per_page = ctx.param("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = ctx.param("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let page_items: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut reply = Reply::ok(Value::Array(page_items));
    let url = |p: usize| format!("<{}{}?per_page={per_page}&page={p}>", ctx.base, ctx.path);
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", url(page - 1)));
        links.push(format!("{}; rel=\"first\"", url(1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", url(page + 1)));
        links.push(format!("{}; rel=\"last\"", url(last)));
    }
    if !links.is_empty() {
        reply.headers.push(("link", links.join(", ")));
    }
    reply
}

fn contents(repo: &Repo, ctx: &Ctx<'_>, path: &str) -> Result<Reply, Reply> {
    let git_ref = ctx.param("ref").unwrap_or(&repo.default_branch).to_owned();
    if let Some(content) = repo.files.get(&(git_ref.clone(), path.to_owned())) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let (encoding, inline) = if content.len() > CONTENTS_INLINE_MAX {
            ("none", String::new())
        } else {
            ("base64", base64_lines(content))
        };
        return Ok(Reply::ok(json!({
            "type": "file", "encoding": encoding, "size": content.len(), "name": name, "path": path,
            "sha": blob_sha(content), "content": inline,
        })));
    }
    // A directory: the files and folders right under `path`.
    let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
    let mut entries: Vec<(String, &'static str)> = repo
        .files
        .keys()
        .filter(|(r, p)| *r == git_ref && p.starts_with(&prefix))
        .map(|(_, p)| match p[prefix.len()..].split_once('/') {
            Some((dir, _)) => (format!("{prefix}{dir}"), "dir"),
            None => (p.clone(), "file"),
        })
        .collect();
    entries.sort();
    entries.dedup();
    if entries.is_empty() {
        return Err(Reply::not_found());
    }
    Ok(Reply::ok(Value::Array(
        entries.into_iter().map(|(p, kind)| json!({ "type": kind, "path": p, "name": p.rsplit('/').next() })).collect(),
    )))
}

fn create_check_run(repo: &mut Repo, id: &mut impl FnMut() -> u64, ctx: &Ctx<'_>) -> Result<Reply, Reply> {
    let body = ctx.json()?;
    let name = body.get("name").and_then(Value::as_str).filter(|s| !s.is_empty());
    let head_sha = body.get("head_sha").and_then(Value::as_str).filter(|s| !s.is_empty());
    let (Some(name), Some(head_sha)) = (name, head_sha) else {
        return Err(Reply::invalid("Invalid request. \"name\", \"head_sha\" weren't supplied."));
    };
    let mut run = CheckRun {
        id: 0,
        name: name.to_owned(),
        head_sha: head_sha.to_owned(),
        status: "queued".to_owned(),
        conclusion: None,
        title: None,
        summary: None,
        text: None,
        annotations: Vec::new(),
        actions: Vec::new(),
        patches: 0,
        created_completed: false,
        app_id: app_id(),
    };
    update_check_run(&mut run, &body)?;
    run.created_completed = run.status == "completed";
    run.id = id();
    let reply = Reply::json(StatusCode::CREATED, check_run_json(&run));
    repo.check_runs.push(run);
    Ok(reply)
}

/// Applies a create or update body, all or nothing, with GitHub's checks.
fn update_check_run(run: &mut CheckRun, body: &Value) -> Result<(), Reply> {
    let status = body.get("status").and_then(Value::as_str);
    if let Some(s) = status.filter(|s| !matches!(*s, "queued" | "in_progress" | "completed")) {
        return Err(Reply::invalid(&format!(
            "Invalid request. status `{s}` is not a member of [queued, in_progress, completed]"
        )));
    }
    let conclusion = body.get("conclusion").and_then(Value::as_str);
    if let Some(c) = conclusion.filter(|c| {
        !matches!(*c, "success" | "failure" | "neutral" | "cancelled" | "skipped" | "timed_out" | "action_required")
    }) {
        return Err(Reply::invalid(&format!("Invalid request. conclusion `{c}` is not valid")));
    }
    if status == Some("completed") && conclusion.is_none() && run.conclusion.is_none() {
        return Err(Reply::invalid("Invalid request. \"conclusion\" is required when status is completed."));
    }
    let output = body.get("output").filter(|o| !o.is_null());
    let annotations = match output {
        Some(o) => check_output(o)?,
        None => Vec::new(),
    };
    let actions = match body.get("actions") {
        Some(a) => check_actions(a)?,
        None => run.actions.clone(),
    };
    // Valid: apply.
    if let Some(s) = status {
        s.clone_into(&mut run.status);
    }
    if let Some(c) = conclusion {
        run.conclusion = Some(c.to_owned());
        "completed".clone_into(&mut run.status);
    }
    if let Some(o) = output {
        let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        run.title = text("title");
        run.summary = text("summary");
        run.text = text("text").or(run.text.take());
    }
    run.annotations.extend(annotations);
    run.actions = actions;
    Ok(())
}

fn check_output(output: &Value) -> Result<Vec<Value>, Reply> {
    let text = |k: &str| output.get(k).and_then(Value::as_str);
    let (Some(_title), Some(summary)) = (text("title"), text("summary")) else {
        return Err(Reply::invalid("Invalid request. \"title\", \"summary\" weren't supplied."));
    };
    for (field, value) in [("summary", Some(summary)), ("text", text("text"))] {
        if value.is_some_and(|v| v.chars().count() > MAX_OUTPUT_CHARS) {
            return Err(Reply::invalid(&format!(
                "Invalid request. Only 65535 characters are allowed; {field} is too long."
            )));
        }
    }
    let annotations = match output.get("annotations") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(Reply::invalid("Invalid request. annotations must be an array")),
    };
    if annotations.len() > 50 {
        return Err(Reply::invalid("Invalid request. Only 50 annotations are allowed per request."));
    }
    for a in &annotations {
        let num = |k: &str| a.get(k).and_then(Value::as_u64);
        let s = |k: &str| a.get(k).and_then(Value::as_str);
        let (Some(_), Some(start), Some(end), Some(level), Some(message)) =
            (s("path"), num("start_line"), num("end_line"), s("annotation_level"), s("message"))
        else {
            return Err(Reply::invalid("Invalid request. An annotation lacks a required field."));
        };
        if !matches!(level, "notice" | "warning" | "failure") {
            return Err(Reply::invalid("Invalid request. annotation_level is not valid."));
        }
        if start == 0 || end < start {
            return Err(Reply::invalid("Invalid request. Annotation lines are not valid."));
        }
        if (a.get("start_column").is_some() || a.get("end_column").is_some()) && start != end {
            return Err(Reply::invalid("Invalid request. Columns are only allowed when start_line equals end_line."));
        }
        if message.chars().count() > MAX_OUTPUT_CHARS || s("title").is_some_and(|t| t.chars().count() > 255) {
            return Err(Reply::invalid("Invalid request. An annotation's message or title is too long."));
        }
    }
    Ok(annotations)
}

fn check_actions(actions: &Value) -> Result<Vec<Value>, Reply> {
    let Some(list) = actions.as_array() else {
        return Err(Reply::invalid("Invalid request. actions must be an array"));
    };
    let fits =
        |a: &Value, k: &str, max: usize| a.get(k).and_then(Value::as_str).is_some_and(|v| v.chars().count() <= max);
    if list.len() > 3
        || !list.iter().all(|a| fits(a, "label", 20) && fits(a, "description", 40) && fits(a, "identifier", 20))
    {
        return Err(Reply::invalid("Invalid request. actions are not valid."));
    }
    Ok(list.clone())
}

fn check_run_json(run: &CheckRun) -> Value {
    json!({
        "id": run.id,
        "app": { "id": run.app_id, "slug": if run.app_id == app_id() { "drydock" } else { "other-ci" } },
        "name": run.name,
        "head_sha": run.head_sha,
        "status": run.status,
        "conclusion": run.conclusion,
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": run.annotations.len(),
        },
    })
}

#[derive(Deserialize)]
struct DraftComment {
    path: String,
    line: Option<u64>,
    side: Option<String>,
    start_line: Option<u64>,
    start_side: Option<String>,
    position: Option<u64>,
    body: String,
}

/// A review is all or nothing: one comment off the diff and GitHub answers 422.
fn create_review(repo: &mut Repo, id: &mut impl FnMut() -> u64, ctx: &Ctx<'_>, number: u64) -> Result<Reply, Reply> {
    let body = ctx.json()?;
    let pr = repo.pulls.get(&number).ok_or_else(Reply::not_found)?;
    let commit_id = body.get("commit_id").and_then(Value::as_str).unwrap_or(&pr.head_sha).to_owned();
    let event = body.get("event").and_then(Value::as_str).unwrap_or("PENDING").to_owned();
    if !matches!(event.as_str(), "COMMENT" | "APPROVE" | "REQUEST_CHANGES" | "PENDING") {
        return Err(Reply::invalid("Unprocessable Entity: event is not valid"));
    }
    let review_body = body.get("body").and_then(Value::as_str).unwrap_or("").to_owned();
    if review_body.chars().count() > MAX_BODY_CHARS {
        return Err(Reply::invalid("Body is too long (maximum is 65536 characters)"));
    }
    let drafts: Vec<DraftComment> = match body.get("comments") {
        None | Some(Value::Null) => Vec::new(),
        Some(c) => {
            serde_json::from_value(c.clone()).map_err(|_| Reply::invalid("Invalid request. comments are not valid"))?
        }
    };
    if event == "COMMENT" && review_body.is_empty() && drafts.is_empty() {
        return Err(Reply::invalid("Unprocessable Entity: a COMMENT review needs a body or comments"));
    }
    for d in &drafts {
        if d.position.is_some() {
            return Err(Reply::invalid("the fake github supports line/side comments only, not position"));
        }
        if d.side.as_deref().unwrap_or("RIGHT") != "RIGHT" || d.start_side.as_deref().unwrap_or("RIGHT") != "RIGHT" {
            return Err(Reply::invalid("the fake github supports RIGHT-side comments only"));
        }
        if d.body.chars().count() > MAX_BODY_CHARS {
            return Err(Reply::invalid("Body is too long (maximum is 65536 characters)"));
        }
        let file = pr
            .files
            .iter()
            .find(|f| f.filename == d.path)
            .ok_or_else(|| Reply::invalid("Path could not be resolved"))?;
        if d.line.is_some_and(|l| repo.refused_lines.contains(&(d.path.clone(), l))) {
            return Err(Reply::invalid("Unprocessable Entity: \"Line could not be resolved\""));
        }
        let lines = right_lines(file.patch.as_deref().unwrap_or(""));
        let hunk = d.line.and_then(|l| lines.get(&l)).ok_or_else(|| {
            Reply::invalid("Unprocessable Entity: \"pull_request_review_thread.line must be part of the diff\"")
        })?;
        if let Some(start) = d.start_line
            && (d.line.is_some_and(|l| start >= l) || lines.get(&start) != Some(hunk))
        {
            return Err(Reply::invalid(
                "Unprocessable Entity: \"pull_request_review_thread.start_line must be part of the same hunk as the line.\"",
            ));
        }
    }
    let review_id = id();
    let mut comment_ids = Vec::new();
    for d in drafts {
        let cid = id();
        comment_ids.push(cid);
        repo.comments.push(ReviewComment {
            id: cid,
            pull_number: number,
            review_id: Some(review_id),
            path: d.path,
            line: d.line,
            original_line: d.line,
            start_line: d.start_line,
            side: "RIGHT".to_owned(),
            body: d.body,
            commit_id: commit_id.clone(),
            in_reply_to_id: None,
            user: BOT_LOGIN.to_owned(),
        });
    }
    let reply = Reply::ok(json!({
        "id": review_id, "body": review_body, "state": if event == "PENDING" { "PENDING" } else { "COMMENTED" },
        "commit_id": commit_id, "user": { "login": BOT_LOGIN, "type": "Bot" },
    }));
    repo.reviews.push(Review { id: review_id, pull_number: number, commit_id, event, body: review_body, comment_ids });
    Ok(reply)
}

fn comment_json(c: &ReviewComment) -> Value {
    let kind = if c.user.ends_with("[bot]") { "Bot" } else { "User" };
    json!({
        "id": c.id,
        "pull_request_review_id": c.review_id,
        "path": c.path,
        "line": c.line,
        "original_line": c.original_line,
        "start_line": c.start_line,
        "side": c.side,
        "body": c.body,
        "commit_id": c.commit_id,
        "in_reply_to_id": c.in_reply_to_id,
        "user": { "login": c.user, "type": kind },
    })
}

/// Base64 with a newline every 60 characters, as the contents API sends it.
fn base64_lines(content: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(content);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for (i, c) in encoded.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    out.push('\n');
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (days-from-civil, inverted).
fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[test]
fn rfc3339_formats_unix_seconds() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_786_000_000), "2026-08-06T07:06:40Z");
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("a%20b/%C3%BC"), "a b/ü");
    assert_eq!(percent_decode("100%"), "100%");
}
