//! The git data API (blobs, trees, commits, refs) and pull requests by branch: what the App needs to
//! push a branch and keep one PR on it. Trees are stored flat (path → mode and blob); a recursive
//! listing adds the directory entries GitHub lists too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::routes::{Ctx, Reply, blob_sha, paginate};
use super::{BOT_LOGIN, GitCommit, PrFile, PullRequest, Repo};

/// GitHub's limit on a PR body.
const MAX_BODY_CHARS: usize = 65_536;

pub(super) fn put_tree(repo: &mut Repo, tree: BTreeMap<String, (String, String)>) -> String {
    let mut key = String::new();
    for (path, (mode, sha)) in &tree {
        let _ = writeln!(key, "{mode} {sha} {path}");
    }
    let sha = blob_sha(format!("tree\n{key}").as_bytes());
    repo.trees.insert(sha.clone(), tree);
    sha
}

pub(super) fn put_commit(
    repo: &mut Repo,
    tree: &str,
    parents: Vec<String>,
    message: &str,
    author: &str,
    salt: u64,
) -> String {
    let sha = blob_sha(format!("commit {tree} {parents:?} {message} {author} {salt}").as_bytes());
    repo.git_commits.insert(
        sha.clone(),
        GitCommit {
            sha: sha.clone(),
            tree: tree.to_owned(),
            parents,
            message: message.to_owned(),
            author: author.to_owned(),
        },
    );
    materialise(repo, &sha, &sha);
    sha
}

/// Makes the contents API serve commit `sha`'s files under `git_ref`.
fn materialise(repo: &mut Repo, git_ref: &str, sha: &str) {
    let Some(tree) = repo.git_commits.get(sha).and_then(|c| repo.trees.get(&c.tree)).cloned() else { return };
    repo.files.retain(|(r, _), _| r != git_ref);
    for (path, (_, blob)) in tree {
        if let Some(content) = repo.blobs.get(&blob).cloned() {
            repo.files.insert((git_ref.to_owned(), path), content);
        }
    }
}

pub(super) fn set_ref(repo: &mut Repo, branch: &str, sha: &str) {
    repo.refs.insert(branch.to_owned(), sha.to_owned());
    materialise(repo, branch, sha);
    // An open PR from this branch follows it.
    let files = changed_files(repo, sha);
    for pr in repo.pulls.values_mut().filter(|p| p.head_ref == branch && p.state == "open") {
        sha.clone_into(&mut pr.head_sha);
        pr.files.clone_from(&files);
    }
}

/// Whether `ancestor` is reachable from `sha`.
fn reaches(repo: &Repo, sha: &str, ancestor: &str) -> bool {
    let mut stack = vec![sha.to_owned()];
    let mut seen = 0;
    while let Some(s) = stack.pop() {
        seen += 1;
        if s == ancestor {
            return true;
        }
        if seen > 10_000 {
            return false;
        }
        if let Some(c) = repo.git_commits.get(&s) {
            stack.extend(c.parents.iter().cloned());
        }
    }
    false
}

/// The files commit `sha` changed against its first parent (no patches).
fn changed_files(repo: &Repo, sha: &str) -> Vec<PrFile> {
    let Some(c) = repo.git_commits.get(sha) else { return Vec::new() };
    let empty = BTreeMap::new();
    let new = repo.trees.get(&c.tree).unwrap_or(&empty);
    let old =
        c.parents.first().and_then(|p| repo.git_commits.get(p)).and_then(|p| repo.trees.get(&p.tree)).unwrap_or(&empty);
    let mut out = Vec::new();
    for (path, entry) in new {
        let status = match old.get(path) {
            None => "added",
            Some(o) if o != entry => "modified",
            Some(_) => continue,
        };
        out.push(PrFile { filename: path.clone(), status: status.to_owned(), patch: None, previous_filename: None });
    }
    out
}

fn pull_json(pr: &PullRequest) -> Value {
    json!({
        "number": pr.number, "state": pr.state, "title": pr.title, "body": pr.body,
        "merged_at": if pr.merged { Value::from("2026-01-01T00:00:00Z") } else { Value::Null },
        "head": { "sha": pr.head_sha, "ref": pr.head_ref },
        "base": { "ref": pr.base_ref },
    })
}

fn str_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, Reply> {
    body.get(name).and_then(Value::as_str).ok_or_else(|| Reply::invalid(&format!("`{name}` is missing")))
}

/// Serves the git data and PR-by-branch routes; `None` for other routes.
pub(super) fn route(
    repo: &mut Repo,
    id: &mut impl FnMut() -> u64,
    ctx: &Ctx<'_>,
    rest: &[&str],
) -> Option<Result<Reply, Reply>> {
    let owner = ctx.path.trim_start_matches('/').split('/').nth(1).unwrap_or("").to_owned();
    let reply = match (ctx.method.as_str(), rest) {
        ("GET", ["git", "ref", "heads", branch @ ..]) => {
            let branch = branch.join("/");
            repo.refs.get(&branch).map_or_else(
                || Err(Reply::not_found()),
                |sha| {
                    Ok(Reply::ok(
                        json!({ "ref": format!("refs/heads/{branch}"), "object": { "sha": sha, "type": "commit" } }),
                    ))
                },
            )
        }
        ("GET", ["git", "commits", sha]) => repo.git_commits.get(*sha).map_or_else(
            || Err(Reply::not_found()),
            |c| {
                Ok(Reply::ok(json!({
                    "sha": c.sha, "tree": { "sha": c.tree }, "message": c.message,
                    "parents": c.parents.iter().map(|p| json!({ "sha": p })).collect::<Vec<_>>(),
                    "author": { "name": c.author }, "committer": { "name": c.author },
                })))
            },
        ),
        ("GET", ["git", "trees", sha]) => {
            let Some(tree) = repo.trees.get(*sha) else { return Some(Err(Reply::not_found())) };
            let recursive = ctx.param("recursive").is_some();
            let mut entries: Vec<Value> = Vec::new();
            let mut dirs: Vec<String> = Vec::new();
            for (path, (mode, blob)) in tree {
                let mut prefix = String::new();
                for part in path.split('/').collect::<Vec<_>>().iter().rev().skip(1).rev() {
                    prefix = if prefix.is_empty() { (*part).to_owned() } else { format!("{prefix}/{part}") };
                    if !dirs.contains(&prefix) {
                        dirs.push(prefix.clone());
                        entries.push(json!({ "path": prefix, "mode": "040000", "type": "tree", "sha": blob_sha(prefix.as_bytes()) }));
                    }
                }
                if recursive || !path.contains('/') {
                    let size = repo.blobs.get(blob).map_or(0, Vec::len);
                    entries.push(json!({ "path": path, "mode": mode, "type": "blob", "sha": blob, "size": size }));
                }
            }
            if !recursive {
                entries.retain(|e| !e["path"].as_str().unwrap_or("").contains('/'));
            }
            Ok(Reply::ok(json!({ "sha": sha, "tree": entries, "truncated": false })))
        }
        ("POST", ["git", "blobs"]) => (|| {
            let body = ctx.json()?;
            let content = str_field(&body, "content")?;
            let bytes = match body.get("encoding").and_then(Value::as_str).unwrap_or("utf-8") {
                "utf-8" => content.as_bytes().to_vec(),
                "base64" => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD
                        .decode(content.replace('\n', ""))
                        .map_err(|_| Reply::invalid("content is not base64"))?
                }
                _ => return Err(Reply::invalid("encoding must be utf-8 or base64")),
            };
            let sha = blob_sha(&bytes);
            repo.blobs.insert(sha.clone(), bytes);
            Ok(Reply::json(StatusCode::CREATED, json!({ "sha": sha })))
        })(),
        ("POST", ["git", "trees"]) => (|| {
            let body = ctx.json()?;
            let mut tree = match body.get("base_tree").and_then(Value::as_str) {
                Some(base) => {
                    repo.trees.get(base).cloned().ok_or_else(|| Reply::invalid("base_tree does not exist"))?
                }
                None => BTreeMap::new(),
            };
            for item in body.get("tree").and_then(Value::as_array).ok_or_else(|| Reply::invalid("`tree` is missing"))? {
                let path = str_field(item, "path")?;
                let mode = str_field(item, "mode")?;
                if item.get("type").and_then(Value::as_str) != Some("blob") {
                    return Err(Reply::invalid("only blobs are supported by the fake"));
                }
                match item.get("sha") {
                    Some(Value::Null) => {
                        tree.remove(path);
                    }
                    Some(Value::String(sha)) => {
                        if !repo.blobs.contains_key(sha) {
                            return Err(Reply::invalid(&format!("tree.sha {sha} is not a valid blob")));
                        }
                        tree.insert(path.to_owned(), (mode.to_owned(), sha.clone()));
                    }
                    _ => return Err(Reply::invalid("tree.sha is missing")),
                }
            }
            let sha = put_tree(repo, tree);
            Ok(Reply::json(StatusCode::CREATED, json!({ "sha": sha })))
        })(),
        ("POST", ["git", "commits"]) => (|| {
            let body = ctx.json()?;
            let tree = str_field(&body, "tree")?.to_owned();
            let message = str_field(&body, "message")?.to_owned();
            if !repo.trees.contains_key(&tree) {
                return Err(Reply::invalid("tree does not exist"));
            }
            let mut parents = Vec::new();
            for p in body.get("parents").and_then(Value::as_array).into_iter().flatten() {
                let p = p.as_str().ok_or_else(|| Reply::invalid("parents must be SHAs"))?;
                if !repo.git_commits.contains_key(p) {
                    return Err(Reply::invalid(&format!("parent {p} does not exist")));
                }
                parents.push(p.to_owned());
            }
            let sha = put_commit(repo, &tree, parents, &message, BOT_LOGIN, id());
            Ok(Reply::json(StatusCode::CREATED, json!({ "sha": sha })))
        })(),
        ("POST", ["git", "refs"]) => (|| {
            let body = ctx.json()?;
            let full = str_field(&body, "ref")?;
            let sha = str_field(&body, "sha")?.to_owned();
            let branch =
                full.strip_prefix("refs/heads/").ok_or_else(|| Reply::invalid("ref must start with refs/heads/"))?;
            if repo.refs.contains_key(branch) {
                return Err(Reply::invalid("Reference already exists"));
            }
            if !repo.git_commits.contains_key(&sha) {
                return Err(Reply::invalid("Object does not exist"));
            }
            set_ref(repo, branch, &sha);
            Ok(Reply::json(StatusCode::CREATED, json!({ "ref": full, "object": { "sha": sha } })))
        })(),
        ("PATCH", ["git", "refs", "heads", branch @ ..]) => (|| {
            let branch = branch.join("/");
            let body = ctx.json()?;
            let sha = str_field(&body, "sha")?.to_owned();
            let force = body.get("force").and_then(Value::as_bool).unwrap_or(false);
            let Some(old) = repo.refs.get(&branch).cloned() else {
                return Err(Reply::invalid("Reference does not exist"));
            };
            if !repo.git_commits.contains_key(&sha) {
                return Err(Reply::invalid("Object does not exist"));
            }
            if !force && !reaches(repo, &sha, &old) {
                return Err(Reply::invalid("Update is not a fast forward"));
            }
            set_ref(repo, &branch, &sha);
            Ok(Reply::ok(json!({ "ref": format!("refs/heads/{branch}"), "object": { "sha": sha } })))
        })(),
        ("GET", ["pulls"]) => {
            let state = ctx.param("state").unwrap_or("open").to_owned();
            let head = ctx.param("head").map(str::to_owned);
            let mut list: Vec<Value> = repo
                .pulls
                .values()
                .filter(|p| state == "all" || p.state == state)
                .filter(|p| head.as_deref().is_none_or(|h| h == format!("{owner}:{}", p.head_ref)))
                .map(pull_json)
                .collect();
            list.reverse();
            Ok(paginate(list, ctx))
        }
        ("POST", ["pulls"]) => (|| {
            let body = ctx.json()?;
            let head = str_field(&body, "head")?.to_owned();
            let base = str_field(&body, "base")?.to_owned();
            let text = body.get("body").and_then(Value::as_str).unwrap_or("").to_owned();
            if text.chars().count() > MAX_BODY_CHARS {
                return Err(Reply::invalid("Body is too long (maximum is 65536 characters)"));
            }
            let Some(head_sha) = repo.refs.get(&head).cloned() else {
                return Err(Reply::invalid("head does not exist"));
            };
            if !repo.refs.contains_key(&base) {
                return Err(Reply::invalid("base does not exist"));
            }
            if repo.pulls.values().any(|p| p.state == "open" && p.head_ref == head && p.base_ref == base) {
                return Err(Reply::invalid(&format!("A pull request already exists for {owner}:{head}.")));
            }
            let number = repo.pulls.keys().max().copied().unwrap_or(0) + 1;
            let mut pr = PullRequest::new(number, &head_sha);
            pr.head_ref = head;
            pr.base_ref = base;
            str_field(&body, "title")?.clone_into(&mut pr.title);
            pr.body = text;
            pr.files = changed_files(repo, &head_sha);
            let json = pull_json(&pr);
            repo.pulls.insert(number, pr);
            Ok(Reply::json(StatusCode::CREATED, json))
        })(),
        ("PATCH", ["pulls", n]) if n.parse::<u64>().is_ok() => (|| {
            let n: u64 = n.parse().map_err(|_| Reply::not_found())?;
            let body = ctx.json()?;
            let pr = repo.pulls.get_mut(&n).ok_or_else(Reply::not_found)?;
            if let Some(t) = body.get("body").and_then(Value::as_str) {
                if t.chars().count() > MAX_BODY_CHARS {
                    return Err(Reply::invalid("Body is too long (maximum is 65536 characters)"));
                }
                t.clone_into(&mut pr.body);
            }
            if let Some(t) = body.get("title").and_then(Value::as_str) {
                t.clone_into(&mut pr.title);
            }
            if let Some(s) = body.get("state").and_then(Value::as_str) {
                s.clone_into(&mut pr.state);
            }
            Ok(Reply::ok(pull_json(pr)))
        })(),
        _ => return None,
    };
    Some(reply)
}
