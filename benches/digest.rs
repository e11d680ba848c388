//! Registry requests per digest-update cycle: 1,000 pinned references across
//! 200 repositories over 50 distinct tags, resolved concurrently through one
//! shared [`Registry`] (as the App's workers share it across installations).
//! Counts requests, not time. Needs Debian's `docker-registry`.
//!
//! `cargo bench --bench digest`

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common {
    pub fn in_ci() -> bool {
        std::env::var("CI").is_ok_and(|v| v == "true")
    }
}
#[path = "../tests/it/registry/mod.rs"]
mod registry;

use std::fmt::Write as _;

use drydock::digest::plan::{self, Status};
use drydock::digest::{Credentials, Guard, Registry, RegistryOptions, Resolver, refs};

const REPOS: usize = 200;
const REFS_PER_REPO: usize = 5;
const TAGS: usize = 50;

fn tag_of(k: usize) -> (String, String) {
    (format!("lib/img{}", k % 10), format!("t{}", k / 10))
}

async fn cycle(registry: &std::sync::Arc<Registry>, files: &[String]) -> (usize, usize) {
    let mut set = tokio::task::JoinSet::new();
    for (i, src) in files.iter().enumerate() {
        // One resolver per installation, all on the shared registry state.
        let resolver = Resolver::new(std::sync::Arc::clone(registry), Credentials::none());
        let src = src.clone();
        set.spawn(async move {
            let sites = refs::sites(&src);
            plan::assess_file(&resolver, &format!("repo{i}/Dockerfile"), &sites).await
        });
    }
    let (mut stale, mut total) = (0, 0);
    while let Some(found) = set.join_next().await {
        let found = found.unwrap();
        total += found.len();
        stale += found.iter().filter(|f| f.status == Status::Stale).count();
        assert!(found.iter().all(|f| f.status != Status::Error), "{found:#?}");
    }
    (total, stale)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let storage = tempfile::tempdir().unwrap();
        let Some(reg) = registry::TestRegistry::start(storage.path()) else { return };
        let host = reg.host();
        let push = registry::Pusher::new(&host);
        let mut digests = Vec::new();
        for k in 0..TAGS {
            let (repo, tag) = tag_of(k);
            digests.push(push.tag_image(&repo, &tag, "linux/amd64", "a").await.digest);
        }
        let files: Vec<String> = (0..REPOS)
            .map(|r| {
                let mut file = String::new();
                for j in 0..REFS_PER_REPO {
                    let k = (r * REFS_PER_REPO + j) % TAGS;
                    let (repo, tag) = tag_of(k);
                    let _ = writeln!(file, "FROM {host}/{repo}:{tag}@{} AS s{j}", digests[k]);
                }
                file
            })
            .collect();
        let mut guard = Guard::new::<_, &str>([]);
        guard.allow_explicit(&host);
        let registry = Registry::new(guard, RegistryOptions::default()).unwrap();

        let started = std::time::Instant::now();
        let (total, stale) = cycle(&registry, &files).await;
        let s1 = registry.stats.snapshot();
        println!(
            "cycle 1 (nothing changed): {total} references in {REPOS} repos over {TAGS} tags, {stale} stale: \
             {} manifest HEADs, {} manifest GETs, {} blob GETs, {} token requests ({:?})",
            s1.manifest_heads,
            s1.manifest_gets,
            s1.blob_gets,
            s1.token_requests,
            started.elapsed()
        );

        // Next cycle: 5 tags were rebuilt upstream.
        for k in 0..5 {
            let (repo, tag) = tag_of(k);
            push.tag_image(&repo, &tag, "linux/amd64", "b").await;
        }
        registry.expire_tags();
        let started = std::time::Instant::now();
        let (total, stale) = cycle(&registry, &files).await;
        let s2 = registry.stats.snapshot();
        println!(
            "cycle 2 (5 tags rebuilt): {total} references, {stale} stale: {} manifest HEADs, {} manifest GETs, \
             {} blob GETs, {} token requests ({:?})",
            s2.manifest_heads - s1.manifest_heads,
            s2.manifest_gets - s1.manifest_gets,
            s2.blob_gets - s1.blob_gets,
            s2.token_requests - s1.token_requests,
            started.elapsed()
        );
        assert!(s1.manifest_heads <= TAGS as u64, "target: at most one HEAD per distinct tag");
    });
}
