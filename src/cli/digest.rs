//! `drydock digest check|pin|update`: find image references in Dockerfiles,
//! ask their registries what the tags point to now, and report, print a
//! diff, or write the new digests.
//!
//! Exit codes as for `lint`: 0 nothing to do, 1 something to do (or left
//! undone), 2 usage, I/O or registry errors (the other files still run).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};

use super::args::{DigestArgs, DigestCommand, RegistryArgs};
use crate::digest::edit::{self, Mode};
use crate::digest::plan::{self, Finding, Status};
use crate::digest::{Credentials, Guard, Registry, RegistryOptions, Resolver, refs};

/// Runs `drydock digest …`; returns the exit code.
pub fn run(args: &DigestArgs) -> Result<u8> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(run_async(args))
}

/// Builds the resolver from the registry flags.
pub fn resolver(args: &RegistryArgs) -> Result<Resolver> {
    let mut guard = Guard::new::<_, &str>([]);
    for a in &args.registry_allow {
        guard.allow_explicit(a);
    }
    let options = RegistryOptions { max_wait: Duration::from_secs(args.max_wait), ..RegistryOptions::default() };
    let registry = Registry::new(guard, options).map_err(anyhow::Error::from)?;
    let credentials = match &args.registry_credentials {
        Some(path) => Credentials::from_file(path)?,
        None => Credentials::none(),
    }
    .with_docker_config(!args.no_docker_config);
    Ok(Resolver::new(registry, credentials))
}

/// `drydock digest run --repo owner/name`: enqueues a digest scan for the App's workers.
#[cfg(feature = "service")]
async fn enqueue_scan(args: &super::args::DigestRunArgs) -> Result<u8> {
    use crate::github::events::JobSpec;
    use crate::store::{Store, Timestamp};
    let Some((owner, name)) = args.repo.split_once('/').filter(|(o, n)| !o.is_empty() && !n.is_empty()) else {
        anyhow::bail!("`--repo {}` is not a repository: write `--repo owner/name`", args.repo);
    };
    let store = Store::connect(&args.database_url).await.context("cannot open the App's database")?;
    let mut installation = None;
    for inst in store.installations().await? {
        if store.repositories(inst.id).await?.iter().any(|r| r.full_name.eq_ignore_ascii_case(&args.repo)) {
            installation = u64::try_from(inst.id).ok();
            break;
        }
    }
    let Some(installation_id) = installation else {
        anyhow::bail!(
            "no installation of the App reaches `{}` in this database: install the App on the repository (or \
             wait for its installation to sync) and check `--database-url`",
            args.repo
        );
    };
    let spec = JobSpec::DigestScan { installation_id, owner: owner.to_owned(), repo: name.to_owned() };
    let id = store.enqueue(&crate::jobs::new_job(&spec)?, Timestamp::now()).await?;
    println!("enqueued digest scan of {} as job {id}; a running `drydock serve` worker picks it up", args.repo);
    Ok(0)
}

async fn run_async(args: &DigestArgs) -> Result<u8> {
    let (paths, registry_args) = match &args.command {
        DigestCommand::Check(a) => (&a.paths, &a.registry),
        DigestCommand::Pin(a) | DigestCommand::Update(a) => (&a.paths, &a.registry),
        #[cfg(feature = "service")]
        DigestCommand::Run(a) => return enqueue_scan(a).await,
    };
    let resolver = resolver(registry_args)?;
    let mut errors = 0usize;
    let files = collect(paths, &mut errors);
    let mut all: Vec<Finding> = Vec::new();
    let mut sources: Vec<(PathBuf, String, String)> = Vec::new();
    for path in files {
        let display = path.strip_prefix("./").unwrap_or(&path).display().to_string();
        let src = match read(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("drydock: error: {display}: {e:#}");
                errors += 1;
                continue;
            }
        };
        let sites = refs::sites(&src);
        let findings = plan::assess_file(&resolver, &display, &sites).await;
        for f in findings.iter().filter(|f| f.status == Status::Error) {
            eprintln!("drydock: error: {}:{}: {}: {}", f.path, f.line, f.reference, f.note.as_deref().unwrap_or(""));
            errors += 1;
        }
        all.extend(findings);
        sources.push((path, display, src));
    }
    let mut out = std::io::stdout().lock();
    let code = match &args.command {
        DigestCommand::Check(a) => {
            if a.json {
                let stats = resolver.registry().stats.snapshot();
                let json = serde_json::json!({ "findings": all, "requests": stats });
                writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
            } else {
                for f in all.iter().filter(|f| f.status != Status::UpToDate && f.status != Status::Error) {
                    writeln!(out, "{}:{}: {}: {}", f.path, f.line, f.reference, f.describe())?;
                }
                let count = |s: Status| all.iter().filter(|f| f.status == s).count();
                writeln!(
                    out,
                    "{} reference(s): {} stale, {} not pinned, {} up to date",
                    all.len(),
                    count(Status::Stale),
                    count(Status::Unpinned),
                    count(Status::UpToDate)
                )?;
            }
            u8::from(all.iter().any(Finding::needs_action))
        }
        DigestCommand::Pin(a) | DigestCommand::Update(a) => {
            let mode = if matches!(args.command, DigestCommand::Pin(_)) { Mode::Pin } else { Mode::Update };
            let mut pending = false;
            for (path, display, src) in &sources {
                let findings: Vec<Finding> = all.iter().filter(|f| &f.path == display).cloned().collect();
                for f in findings.iter().filter(|f| reported_in(mode, f)) {
                    eprintln!("drydock: note: {}:{}: {}: {}", f.path, f.line, f.reference, f.describe());
                    pending = true;
                }
                let edited = edit::apply(src, &findings, mode);
                for (line, note) in &edited.skipped {
                    eprintln!("drydock: note: {display}:{line}: {note}");
                    pending = true;
                }
                if edited.text == *src {
                    continue;
                }
                if a.write {
                    std::fs::write(path, &edited.text)
                        .with_context(|| format!("cannot write `{display}`"))
                        .inspect_err(|_| errors += 1)?;
                } else {
                    out.write_all(crate::lint::unified_diff(display, src, &edited.text).as_bytes())?;
                    pending = true;
                }
            }
            u8::from(pending)
        }
        #[cfg(feature = "service")]
        DigestCommand::Run(_) => 0,
    };
    out.flush()?;
    Ok(if errors > 0 { 2 } else { code })
}

/// Findings `pin`/`update` mention on stderr because they are left undone.
fn reported_in(mode: Mode, f: &Finding) -> bool {
    match mode {
        Mode::Pin => matches!(f.status, Status::Untagged) || (f.status == Status::Refused && f.pinned.is_none()),
        Mode::Update => {
            matches!(f.status, Status::PlatformVanished | Status::KindChanged)
                || (f.status == Status::Refused && f.pinned.is_some())
        }
    }
}

fn read(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).context("cannot open file")?;
    super::lint::read_limited(file, "file")
}

/// Dockerfiles under `paths` (files are taken as given).
fn collect(paths: &[PathBuf], errors: &mut usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            let walker = ignore::WalkBuilder::new(path)
                .hidden(false)
                .git_ignore(true)
                .git_global(false)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for entry in walker {
                match entry {
                    Ok(e)
                        if e.file_type().is_some_and(|t| t.is_file())
                            && crate::lint::is_lintable_name(e.file_name())
                            && !e.file_name().to_string_lossy().to_ascii_lowercase().ends_with("dockerignore") =>
                    {
                        found.push(e.into_path());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("drydock: error: {e}");
                        *errors += 1;
                    }
                }
            }
            found.sort();
            out.extend(found);
        } else if path.is_file() {
            out.push(path.clone());
        } else {
            eprintln!("drydock: error: `{}` does not exist", path.display());
            *errors += 1;
        }
    }
    out
}
