//! `drydock lint`: find the files, read them and their build context's
//! `.dockerignore`, lint, fix, report, and choose the exit code.
//!
//! An unreadable file is an error on stderr and the run goes on (ripgrep's way);
//! the exit code is then 2. Otherwise it is 1 when a finding is at or above the
//! failure threshold and 0 when none is.

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context as _, Result, bail};
use rayon::prelude::*;

use super::args::{LintArgs, ThresholdArg};
use super::config::ConfigResolver;
use crate::lint::diagnostic::apply_safe_fixes;
use crate::lint::report::{FileReport, Format, RenderOptions, file_piece, write_pieces};
use crate::lint::script_check::{self, ScriptChecker};
use crate::lint::{
    ContextIgnore, Diagnostic, FileKind, LintInput, Settings, Severity, check_with, is_lintable_name, unified_diff,
};
use crate::shellcheck::ShellCheck;

/// Files larger than this are not linted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// `--fix` passes before giving up on reaching a fixed point.
const MAX_FIX_PASSES: usize = 10;

/// One file to lint.
struct Target {
    /// Where to read it (`None` for stdin).
    path: Option<PathBuf>,
    /// What to call it in reports.
    display: String,
    kind: FileKind,
    /// Directory used for config discovery and as the default build context.
    dir: Option<PathBuf>,
}

/// What became of one named file.
enum Outcome {
    Linted(Linted),
    /// Its settings ignore its path.
    Ignored,
    /// Its settings could not be read.
    ConfigError(anyhow::Error),
}

/// What linting one file gave, in the order the files were named.
struct Linted {
    /// The file's findings (only its path when the output format no longer needs them).
    report: Result<FileReport>,
    /// Its part of the report, for formats written piece by piece.
    piece: Option<Vec<u8>>,
    /// Its `--diff` output.
    diff: String,
    /// Whether a finding is at or above the failure threshold.
    failing: bool,
}

/// Bytes buffered before the report is written. Reports run to megabytes on large trees; this keeps them
/// to a few dozen writes (with `BufWriter`'s default 8 KiB, every file's piece was a write of its own).
const OUT_BUFFER: usize = 128 * 1024;

/// Runs `drydock lint`; returns the exit code.
pub fn run(args: &LintArgs) -> Result<u8> {
    let cli_ignore = args.ignore.clone();
    let cli_select = args.select.clone();
    let no_shellcheck = args.no_shellcheck;
    let overrides = Box::new(move |s: &mut Settings| {
        if no_shellcheck {
            s.shellcheck = false;
        }
        s.disabled.extend(cli_ignore.iter().map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()));
        if !cli_select.is_empty() {
            s.only = Some(cli_select.iter().map(|c| c.trim().to_ascii_uppercase()).collect());
        }
    });
    let mut configs = ConfigResolver::new(args.config.as_deref(), overrides)?;
    let mut errors = 0usize;
    let targets = collect_targets(args, &mut errors);
    let mut reports = Vec::new();
    let mut diffs = String::new();
    let cli_threshold = match args.failure_threshold {
        None => None,
        Some(ThresholdArg::None) => Some(None),
        Some(ThresholdArg::Error) => Some(Some(Severity::Error)),
        Some(ThresholdArg::Warning) => Some(Some(Severity::Warning)),
        Some(ThresholdArg::Info) => Some(Some(Severity::Info)),
        Some(ThresholdArg::Style) => Some(Some(Severity::Style)),
    };
    let mut failing = false;
    let defaults = configs.for_dir(Path::new("."))?;
    let shellcheck = if args.no_shellcheck { ShellCheck::new(None) } else { ShellCheck::from_path() };
    if shellcheck.is_available() {
        prefetch_shellcheck(&shellcheck, &targets, &mut configs);
    }
    // Each file's settings are resolved on the thread that lints it (the resolver caches them per
    // directory, behind a lock), so finding config files overlaps linting instead of preceding it; files
    // are reported in the order they were named.
    let configs = Mutex::new(configs);
    // A config file's `format` (hadolint's key) is a default the flag overrides.
    let format = args
        .format
        .or_else(|| defaults.format.as_deref().and_then(|f| f.parse::<Format>().ok()))
        .unwrap_or(Format::Tty);
    let color = format == Format::Tty
        && !args.no_color
        && !defaults.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let opts = RenderOptions { color };
    let contexts = ContextCache::default();
    let fails = |settings: &Settings, d: &Diagnostic| match cli_threshold {
        Some(Some(t)) => d.severity >= t,
        Some(None) => false,
        None => settings.fails_on(d.severity),
    };
    // Formats written from pieces alone need nothing more of a file once its piece is rendered.
    let keep_reports = args.diff || matches!(format, Format::Tty | Format::Sarif | Format::Gitlab);
    // Each file's part of the report is rendered by the thread that linted it. When the file's text and
    // findings are not needed later they are dropped there and then, so the next file that thread lints
    // reuses their memory instead of touching new pages (a fault costs microseconds here).
    let lint = |target: &Target| {
        let dir = target.dir.as_deref().unwrap_or(Path::new("."));
        let resolved = configs.lock().unwrap_or_else(PoisonError::into_inner).for_dir(dir);
        let settings = match resolved {
            Ok(settings) if settings.is_ignored_path(&target.display) => return Outcome::Ignored,
            Ok(settings) => settings,
            Err(e) => return Outcome::ConfigError(e),
        };
        let settings = settings.as_ref();
        let mut diff = String::new();
        let report = lint_one(args, target, settings, &shellcheck, &contexts, &mut diff);
        let piece = match &report {
            Ok(r) if !args.diff => file_piece(format, r, opts),
            _ => None,
        };
        let failing = report.as_ref().is_ok_and(|r| r.diagnostics.iter().any(|d| fails(settings, d)));
        let report = report.map(|r| {
            if keep_reports { r } else { FileReport { path: r.path, source: String::new(), diagnostics: Vec::new() } }
        });
        Outcome::Linted(Linted { report, piece, diff, failing })
    };
    // `--fix` stays sequential: a file named twice must be fixed once, then linted as fixed.
    let threads = if args.fix { 1 } else { args.threads.map_or(0, std::num::NonZeroUsize::get) };
    let results: Vec<Outcome> = if threads == 1 || targets.len() < 2 {
        targets.iter().map(lint).collect()
    } else {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_or_else(
            |_| targets.iter().map(lint).collect(),
            |pool| pool.install(|| targets.par_iter().map(lint).collect()),
        )
    };
    let mut pieces = Vec::new();
    for (target, outcome) in targets.iter().zip(results) {
        let linted = match outcome {
            Outcome::Linted(linted) => linted,
            Outcome::Ignored => continue,
            Outcome::ConfigError(e) => {
                eprintln!("drydock: error: {e:#}");
                errors += 1;
                continue;
            }
        };
        diffs.push_str(&linted.diff);
        pieces.extend(linted.piece);
        failing |= linted.failing;
        match linted.report {
            Ok(report) => reports.push(report),
            Err(e) => {
                eprintln!("drydock: error: {}: {e:#}", target.display);
                errors += 1;
            }
        }
    }
    let any_diff = !diffs.is_empty();
    // `--fix` on stdin writes the fixed text to stdout, so the report goes to stderr.
    let stdin_fix = args.fix && args.paths.iter().any(|p| p.as_os_str() == "-");
    let mut out: Box<dyn Write> = if stdin_fix {
        Box::new(std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stderr().lock()))
    } else {
        Box::new(std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stdout().lock()))
    };
    if args.diff {
        out.write_all(diffs.as_bytes())?;
    } else {
        write_pieces(format, &reports, &pieces, opts, &mut out)?;
    }
    out.flush()?;
    drop(out);
    if errors > 0 {
        return Ok(2);
    }
    if args.diff {
        return Ok(u8::from(any_diff));
    }
    Ok(u8::from(failing))
}

/// Expands the command-line paths into files to lint.
fn collect_targets(args: &LintArgs, errors: &mut usize) -> Vec<Target> {
    let mut out = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            let display = args.stdin_filename.as_ref().map_or_else(|| "-".to_string(), |p| p.display().to_string());
            let kind = args
                .stdin_filename
                .as_ref()
                .map_or(FileKind::Dockerfile, |p| FileKind::from_path(&p.to_string_lossy()));
            let dir = args
                .stdin_filename
                .as_ref()
                .and_then(|p| p.parent())
                .map(|d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() });
            out.push(Target { path: None, display, kind, dir });
            continue;
        }
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("drydock: error: `{}` does not exist", path.display());
                *errors += 1;
                continue;
            }
            Err(e) => {
                eprintln!("drydock: error: cannot read `{}`: {e}", path.display());
                *errors += 1;
                continue;
            }
        };
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = Vec::new();
            let walker = ignore::WalkBuilder::new(path)
                .hidden(false)
                .git_ignore(true)
                .git_global(false)
                .git_exclude(true)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) && is_lintable_name(e.file_name()) => {
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
            out.extend(found.into_iter().map(|p| file_target(&p)));
        } else {
            out.push(file_target(path));
        }
    }
    out
}

fn file_target(path: &Path) -> Target {
    let display = path.strip_prefix("./").unwrap_or(path).display().to_string();
    let dir = path.parent().map(|d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() });
    Target { path: Some(path.to_path_buf()), kind: FileKind::from_path(&display), display, dir }
}

/// Reads the file at `path` as [`read_limited`] does, with a buffer sized from its length up front (one
/// `read` for a small file instead of a growing buffer's several).
pub(crate) fn read_file(path: &Path, what: &str) -> Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {what}"))?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len > MAX_FILE_BYTES {
        bail!("larger than {} MiB; not linted", MAX_FILE_BYTES / 1024 / 1024);
    }
    // One byte more than the length, so the read that finds the end needs no new allocation.
    read_limited_into(file, what, Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1)))
}

/// Reads at most [`MAX_FILE_BYTES`] of text (more is an error naming `what`); invalid UTF-8 is replaced with U+FFFD.
pub(crate) fn read_limited(reader: impl Read, what: &str) -> Result<String> {
    read_limited_into(reader, what, Vec::new())
}

fn read_limited_into(mut reader: impl Read, what: &str, mut bytes: Vec<u8>) -> Result<String> {
    reader.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {what}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!("larger than {} MiB; not linted", MAX_FILE_BYTES / 1024 / 1024);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// The build context's `.dockerignore` for a Dockerfile: BuildKit prefers
/// `<Dockerfile name>.dockerignore` beside the Dockerfile, then
/// `<context>/.dockerignore`.
fn context_ignore(args: &LintArgs, target: &Target, contexts: &ContextCache) -> Result<Arc<OwnedIgnore>> {
    let context = match (&args.context, &target.dir) {
        (Some(c), _) => c.as_path(),
        (None, Some(d)) => d.as_path(),
        (None, None) => return Ok(Arc::new(OwnedIgnore::Unknown)),
    };
    let shared = contexts.ignore_of(context)?;
    if matches!(*shared, OwnedIgnore::Unknown) {
        return Ok(shared);
    }
    if let (Some(path), Some(dir)) = (target.path.as_ref().or(args.stdin_filename.as_ref()), &target.dir)
        && let Some(name) = path.file_name()
    {
        let mut n = name.to_os_string();
        n.push(".dockerignore");
        let own = dir.join(n);
        if own.is_file() {
            return Ok(Arc::new(read_ignore(&own)?));
        }
    }
    Ok(shared)
}

/// What each build context directory holds, looked up once however many Dockerfiles share it.
#[derive(Default)]
struct ContextCache(Mutex<HashMap<PathBuf, Arc<OwnedIgnore>>>);

impl ContextCache {
    /// `<context>/.dockerignore`: [`OwnedIgnore::Unknown`] when `context` is not a directory.
    fn ignore_of(&self, context: &Path) -> Result<Arc<OwnedIgnore>> {
        if let Some(known) = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(context) {
            return Ok(Arc::clone(known));
        }
        let found = if context.is_dir() {
            let path = context.join(".dockerignore");
            if path.is_file() {
                // Parsed here, once for every Dockerfile of the context.
                read_ignore(&path)?
            } else {
                OwnedIgnore::Missing
            }
        } else {
            OwnedIgnore::Unknown
        };
        let found = Arc::new(found);
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(context.to_path_buf(), Arc::clone(&found));
        Ok(found)
    }
}

/// Reads and parses the `.dockerignore` at `path`.
fn read_ignore(path: &Path) -> Result<OwnedIgnore> {
    let text = read_file(path, &format!("`{}`", path.display()))?;
    Ok(OwnedIgnore::Present(crate::lint::parser::dockerignore::parse(&text)))
}

/// The build context's `.dockerignore`, owned and parsed.
enum OwnedIgnore {
    Unknown,
    Missing,
    Present(crate::lint::parser::dockerignore::DockerIgnore),
}

/// Runs ShellCheck once over the RUN scripts of every Dockerfile about to be
/// linted, so the per-file pass finds its results cached (one process per
/// few hundred scripts instead of one per file). Errors are left for the
/// per-file pass to report.
fn prefetch_shellcheck(shellcheck: &ShellCheck, targets: &[Target], configs: &mut ConfigResolver) {
    let mut scripts = Vec::new();
    for target in targets {
        let Some(path) = target.path.as_ref().filter(|_| target.kind == FileKind::Dockerfile) else { continue };
        let Ok(settings) = configs.for_dir(target.dir.as_deref().unwrap_or(Path::new("."))) else { continue };
        if !settings.shellcheck || settings.is_ignored_path(&target.display) {
            continue;
        }
        let Ok(source) = read_file(path, "file") else { continue };
        scripts.extend(script_check::for_source(&source));
    }
    shellcheck.prefetch(&scripts);
}

fn lint_one(
    args: &LintArgs,
    target: &Target,
    settings: &Settings,
    shellcheck: &ShellCheck,
    contexts: &ContextCache,
    diffs: &mut String,
) -> Result<FileReport> {
    let source = match &target.path {
        Some(p) => read_file(p, "file")?,
        None => read_limited(std::io::stdin().lock(), "stdin")?,
    };
    let ignore_text = if target.kind == FileKind::Dockerfile {
        context_ignore(args, target, contexts)?
    } else {
        Arc::new(OwnedIgnore::Unknown)
    };
    let dockerignore = match &*ignore_text {
        OwnedIgnore::Unknown => ContextIgnore::Unknown,
        OwnedIgnore::Missing => ContextIgnore::Missing,
        OwnedIgnore::Present(ignore) => ContextIgnore::Parsed(ignore),
    };
    let lint = |src: &str| -> Vec<Diagnostic> {
        let input = LintInput {
            path: &target.display,
            source: src,
            kind: target.kind,
            dockerignore,
            target: args.target.as_deref(),
        };
        check_with(&input, settings, Some(shellcheck as &dyn ScriptChecker))
    };
    let mut diagnostics = lint(&source);
    if args.fix || args.diff {
        let mut fixed = source.clone();
        for _ in 0..MAX_FIX_PASSES {
            let (next, applied) = apply_safe_fixes(&fixed, &diagnostics);
            if applied == 0 || next == fixed {
                break;
            }
            fixed = next;
            diagnostics = lint(&fixed);
        }
        if args.fix && target.path.is_none() {
            // `--fix` on stdin writes the (fixed) text to stdout, like ruff;
            // the report then goes to stderr.
            std::io::stdout().lock().write_all(fixed.as_bytes())?;
            return Ok(FileReport { path: target.display.clone(), source: fixed, diagnostics });
        }
        if fixed != source {
            if args.diff {
                diffs.push_str(&unified_diff(&target.display, &source, &fixed));
            } else if let Some(path) = &target.path {
                std::fs::write(path, &fixed).with_context(|| "cannot write the fixed file".to_string())?;
            }
            return Ok(FileReport { path: target.display.clone(), source: fixed, diagnostics });
        }
    }
    Ok(FileReport { path: target.display.clone(), source, diagnostics })
}
