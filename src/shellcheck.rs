//! The `shellcheck` binary behind [`ScriptChecker`]: the I/O half of the
//! `ShellCheck` pass-through (the pure half, building scripts and mapping
//! findings back, is [`crate::lint::script_check`]).
//!
//! Starting a process costs far more than checking a typical RUN script, so
//! scripts are batched: [`ShellCheck::prefetch`] writes many scripts as files
//! of one temporary directory and runs one `shellcheck -f json1` per chunk of
//! them (chunks in parallel), and results are cached by script text, which
//! also dedupes the `apt-get update && …` lines that repeat across files.
//! Without the binary, or when it fails, drydock says so once on stderr and
//! goes on without SC findings.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;

use crate::lint::Severity;
use crate::lint::script_check::{CheckScript, EXCLUDED_CODES, ScriptChecker, ScriptFinding};

/// Scripts per `shellcheck` process.
const CHUNK: usize = 250;
/// Scripts longer than this are not checked (ShellCheck is slow on huge input).
const MAX_SCRIPT_BYTES: usize = 256 * 1024;
/// How long one `shellcheck` process may run.
const TIMEOUT: Duration = Duration::from_mins(2);
/// Most `shellcheck` processes at once.
const MAX_PARALLEL: usize = 4;

/// Runs `shellcheck` and caches what it says.
pub struct ShellCheck {
    exe: Option<PathBuf>,
    /// Findings by script text. Shared by the threads of `drydock lint`.
    cache: Mutex<HashMap<String, Vec<ScriptFinding>>>,
    told_missing: AtomicBool,
    told_failed: AtomicBool,
}

impl ShellCheck {
    /// Uses `exe`, or reports SC checks as skipped when it is `None`.
    pub fn new(exe: Option<PathBuf>) -> Self {
        Self { exe, cache: Mutex::default(), told_missing: AtomicBool::new(false), told_failed: AtomicBool::new(false) }
    }

    /// Uses the `shellcheck` found on `PATH`, if any.
    pub fn from_path() -> Self {
        Self::new(find_on_path("shellcheck"))
    }

    /// Whether a binary was found.
    pub fn is_available(&self) -> bool {
        self.exe.is_some()
    }

    /// The cache, also after a thread panicked while holding it (the map stays valid: entries are only
    /// inserted whole).
    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<ScriptFinding>>> {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks every script not checked yet, in as few processes as the chunk
    /// size allows, and caches the results.
    pub fn prefetch(&self, scripts: &[CheckScript]) {
        let Some(exe) = &self.exe else { return };
        let mut todo: Vec<&str> = {
            let cache = self.cache();
            scripts
                .iter()
                .map(|s| s.text.as_str())
                .filter(|t| t.len() <= MAX_SCRIPT_BYTES && !cache.contains_key(*t))
                .collect()
        };
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return;
        }
        let chunks: Vec<&[&str]> = todo.chunks(CHUNK).collect();
        let parallel = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, MAX_PARALLEL);
        let mut results: Vec<Result<Vec<Vec<ScriptFinding>>>> = Vec::with_capacity(chunks.len());
        for group in chunks.chunks(parallel) {
            std::thread::scope(|scope| {
                let handles: Vec<_> = group.iter().map(|chunk| scope.spawn(|| run_batch(exe, chunk))).collect();
                for h in handles {
                    results.push(h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("shellcheck runner panicked"))));
                }
            });
        }
        let mut cache = self.cache();
        for (chunk, result) in chunks.iter().zip(results) {
            match result {
                Ok(found) => {
                    for (text, f) in chunk.iter().zip(found) {
                        cache.insert((*text).to_owned(), f);
                    }
                }
                Err(e) => {
                    if !self.told_failed.swap(true, Ordering::Relaxed) {
                        eprintln!(
                            "drydock: warning: shellcheck failed, so SC checks were skipped for some RUN scripts: {e:#}; \
                             check that `{}` runs, or pass `--no-shellcheck`",
                            exe.display()
                        );
                    }
                    // Remember the failure so the same scripts are not retried.
                    for text in *chunk {
                        cache.insert((*text).to_owned(), Vec::new());
                    }
                }
            }
        }
    }
}

impl ScriptChecker for ShellCheck {
    fn check(&self, scripts: &[CheckScript]) -> Vec<Vec<ScriptFinding>> {
        if self.exe.is_none() {
            if !scripts.is_empty() && !self.told_missing.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "drydock: note: ShellCheck (SC) checks were skipped: no `shellcheck` on PATH; install it \
                     (Debian/Ubuntu: `apt-get install shellcheck`), or pass `--no-shellcheck` or set \
                     `shellcheck: false` to skip them quietly"
                );
            }
            return Vec::new();
        }
        self.prefetch(scripts);
        let cache = self.cache();
        scripts.iter().map(|s| cache.get(&s.text).cloned().unwrap_or_default()).collect()
    }
}

/// The first executable file called `name` in a `PATH` directory.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// ShellCheck's `json1` output.
#[derive(Deserialize)]
struct Json1 {
    comments: Vec<Json1Comment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Json1Comment {
    file: String,
    line: u32,
    end_line: u32,
    column: u32,
    end_column: u32,
    level: String,
    code: u32,
    message: String,
}

/// Runs one `shellcheck` over `texts`, one temporary file each; returns the
/// findings per text.
fn run_batch(exe: &Path, texts: &[&str]) -> Result<Vec<Vec<ScriptFinding>>> {
    let dir =
        tempfile::Builder::new().prefix("drydock-sc-").tempdir().context("cannot create a temporary directory")?;
    let mut names = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let name = format!("{i}.sh");
        std::fs::write(dir.path().join(&name), text).with_context(|| format!("cannot write `{name}`"))?;
        names.push(name);
    }
    let excluded = EXCLUDED_CODES.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let mut child = Command::new(exe)
        .current_dir(dir.path())
        .args(["--norc", "--format=json1", "--severity=style"])
        .arg(format!("--exclude={excluded}"))
        .arg("--")
        .args(&names)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start shellcheck")?;
    let mut stdout = child.stdout.take().context("no stdout from shellcheck")?;
    let mut stderr = child.stderr.take().context("no stderr from shellcheck")?;
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().context("cannot wait for shellcheck")? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("shellcheck took longer than {} s", TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = out_reader.join().map_err(|_| anyhow::anyhow!("reader panicked"))?.context("cannot read output")?;
    let stderr = err_reader.join().unwrap_or_default();
    // 0: no findings, 1: findings; anything else is an error.
    if !matches!(status.code(), Some(0 | 1)) {
        let msg = String::from_utf8_lossy(&stderr);
        bail!("shellcheck exited with {status}: {}", msg.trim());
    }
    let parsed: Json1 = serde_json::from_slice(&stdout).context("shellcheck printed no valid json1")?;
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let mut out = vec![Vec::new(); texts.len()];
    for c in parsed.comments {
        let Some(&i) = index.get(c.file.as_str()) else { continue };
        let severity = match c.level.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            "info" => Severity::Info,
            _ => Severity::Style,
        };
        if let Some(slot) = out.get_mut(i) {
            slot.push(ScriptFinding {
                line: c.line,
                column: c.column,
                end_line: c.end_line,
                end_column: c.end_column,
                code: c.code,
                severity,
                message: c.message,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binary_yields_nothing() {
        let sc = ShellCheck::new(None);
        assert!(!sc.is_available());
        let (file, _) = crate::lint::parser::parse("FROM alpine:3\nRUN echo $x\n");
        let model = crate::lint::model::Model::build(&file, None);
        let sup = crate::lint::suppress::Suppressions::from_dockerfile(&file);
        let scripts = crate::lint::script_check::scripts(&file, &model, &sup);
        assert!(sc.check(&scripts).is_empty());
        assert!(sc.told_missing.load(Ordering::Relaxed));
    }

    #[test]
    fn a_failing_binary_is_reported_not_fatal() {
        let sc = ShellCheck::new(Some(PathBuf::from("/bin/false")));
        let (file, _) = crate::lint::parser::parse("FROM alpine:3\nRUN echo $x\n");
        let model = crate::lint::model::Model::build(&file, None);
        let sup = crate::lint::suppress::Suppressions::from_dockerfile(&file);
        let scripts = crate::lint::script_check::scripts(&file, &model, &sup);
        assert_eq!(sc.check(&scripts), vec![Vec::new()]);
        assert!(sc.told_failed.load(Ordering::Relaxed));
    }
}
