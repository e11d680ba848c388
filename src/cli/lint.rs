//! `drydock lint`: find the files, read them and their build context's
//! `.dockerignore`, lint, fix, report, and choose the exit code.
//!
//! An unreadable file is an error on stderr and the run goes on (ripgrep's way);
//! the exit code is then 2. Otherwise it is 1 when a finding is at or above the
//! failure threshold and 0 when none is.

use std::ffi::OsStr;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use anyhow::{Context as _, Result, bail};

use super::args::{LintArgs, ThresholdArg};
use super::config::{ConfigResolver, PathMap};
use super::dirs::{DirCache, Entry};
use crate::lint::diagnostic::apply_safe_fixes;
use crate::lint::report::{FileReport, Format, PieceWriter, RenderOptions, file_piece};
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
    /// Its length when it was found (sizes the read buffer; the read itself is still capped).
    len: Option<u64>,
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
    /// The file's findings (`None` when the output format no longer needs them).
    report: Result<Option<FileReport>>,
    /// Its part of the report, for formats written piece by piece.
    piece: Option<Vec<u8>>,
    /// Its `--diff` output.
    diff: String,
    /// Whether a finding is at or above the failure threshold.
    failing: bool,
}

/// Files' outcomes handled in the order the files were named, each as soon as every file named before it
/// is done (whichever thread finishes it): its part of the report is written then, so a long run streams its
/// report and holds only the pieces of files finished out of turn; its errors are printed; and its findings
/// are kept when the format needs them at the end.
struct InOrder {
    /// Index of the next file to handle.
    next: usize,
    /// Outcomes of files finished before their turn, by index.
    waiting: Vec<Option<Outcome>>,
    out: Box<dyn Write + Send>,
    /// The report's writer (`None` with `--diff`, which writes the diffs instead).
    writer: Option<PieceWriter>,
    reports: Vec<FileReport>,
    diffs: String,
    failing: bool,
    errors: usize,
    /// The first error writing the report; nothing more is written after it.
    write_error: Option<std::io::Error>,
}

impl InOrder {
    fn start(files: usize, format: Option<Format>, mut out: Box<dyn Write + Send>) -> Result<Self> {
        let writer = format.map(|f| PieceWriter::start(f, &mut out)).transpose()?;
        let waiting = std::iter::repeat_with(|| None).take(files).collect();
        Ok(Self {
            next: 0,
            waiting,
            out,
            writer,
            reports: Vec::new(),
            diffs: String::new(),
            failing: false,
            errors: 0,
            write_error: None,
        })
    }

    /// Takes the outcome of `targets[index]` and handles every file whose turn has come.
    fn done(&mut self, index: usize, targets: &[Target], outcome: Outcome) {
        if let Some(slot) = self.waiting.get_mut(index) {
            *slot = Some(outcome);
        }
        while let Some(outcome) = self.waiting.get_mut(self.next).and_then(Option::take) {
            if let Some(target) = targets.get(self.next) {
                self.handle(target, outcome);
            }
            self.next += 1;
        }
    }

    fn handle(&mut self, target: &Target, outcome: Outcome) {
        let linted = match outcome {
            Outcome::Linted(linted) => linted,
            Outcome::Ignored => return,
            Outcome::ConfigError(e) => {
                eprintln!("drydock: error: {e:#}");
                self.errors += 1;
                return;
            }
        };
        self.diffs.push_str(&linted.diff);
        if let (Some(piece), Some(writer)) = (&linted.piece, &mut self.writer)
            && self.write_error.is_none()
            && let Err(e) = writer.piece(piece, &mut self.out)
        {
            self.write_error = Some(e);
        }
        self.failing |= linted.failing;
        match linted.report {
            Ok(report) => self.reports.extend(report),
            Err(e) => {
                eprintln!("drydock: error: {}: {e:#}", target.display);
                self.errors += 1;
            }
        }
    }
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
    let dirs = Arc::new(DirCache::default());
    let mut configs = ConfigResolver::new(args.config.as_deref(), overrides, Arc::clone(&dirs))?;
    let mut errors = 0usize;
    // `--fix` stays sequential: a file named twice must be fixed once, then linted as fixed.
    let threads = if args.fix {
        1
    } else {
        args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from)
    };
    let targets = collect_targets(args, &dirs, threads, &mut errors);
    let cli_threshold = match args.failure_threshold {
        None => None,
        Some(ThresholdArg::None) => Some(None),
        Some(ThresholdArg::Error) => Some(Some(Severity::Error)),
        Some(ThresholdArg::Warning) => Some(Some(Severity::Warning)),
        Some(ThresholdArg::Info) => Some(Some(Severity::Info)),
        Some(ThresholdArg::Style) => Some(Some(Severity::Style)),
    };
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
    let contexts = ContextCache { ignores: Mutex::default(), dirs };
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
        let report = report.map(|r| keep_reports.then_some(r));
        Outcome::Linted(Linted { report, piece, diff, failing })
    };
    // `--fix` on stdin writes the fixed text to stdout, so the report goes to stderr.
    let stdin_fix = args.fix && args.paths.iter().any(|p| p.as_os_str() == "-");
    let out: Box<dyn Write + Send> = if stdin_fix {
        Box::new(std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stderr()))
    } else {
        Box::new(std::io::BufWriter::with_capacity(OUT_BUFFER, std::io::stdout()))
    };
    let sink = Mutex::new(InOrder::start(targets.len(), (!args.diff).then_some(format), out)?);
    let done = |index: usize, outcome: Outcome| {
        sink.lock().unwrap_or_else(PoisonError::into_inner).done(index, &targets, outcome);
    };
    for_each_index(targets.len(), threads, |i| {
        if let Some(t) = targets.get(i) {
            done(i, lint(t));
        }
    });
    let sink = sink.into_inner().unwrap_or_else(PoisonError::into_inner);
    errors += sink.errors;
    let failing = sink.failing;
    let any_diff = !sink.diffs.is_empty();
    let mut out = sink.out;
    if let Some(e) = sink.write_error {
        return Err(e.into());
    }
    match sink.writer {
        Some(writer) => writer.finish(&sink.reports, opts, &mut out)?,
        None => out.write_all(sink.diffs.as_bytes())?,
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

/// Runs `work(i)` for every `i` in `0..n` on up to `threads` threads, this one among them. Each thread
/// takes the next index when it is done with the last, so work is shared however uneven, and indexes are
/// finished nearly in order (the report, written in order, holds few pieces back). A thread the system
/// cannot start leaves the work to the others.
fn for_each_index(n: usize, threads: usize, work: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    let run = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            work(i);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(n) {
            if std::thread::Builder::new().spawn_scoped(s, run).is_err() {
                break;
            }
        }
        run();
    });
}

/// Expands the command-line paths into files to lint.
fn collect_targets(args: &LintArgs, dirs: &DirCache, threads: usize, errors: &mut usize) -> Vec<Target> {
    // Most paths named are files whose directory's listing says so (and is needed later anyway), which
    // saves a `stat` each; the listings are read on several threads.
    let entries: Vec<OnceLock<Entry>> = args.paths.iter().map(|_| OnceLock::new()).collect();
    for_each_index(args.paths.len(), threads, |i| {
        if let (Some(p), Some(slot)) = (args.paths.get(i), entries.get(i))
            && p.as_os_str() != "-"
        {
            let _ = slot.set(dirs.entry(p));
        }
    });
    let entries = entries.into_iter().map(|e| e.into_inner().unwrap_or(Entry::Ask));
    let mut out = Vec::new();
    for (path, entry) in args.paths.iter().zip(entries) {
        match entry {
            Entry::File => {
                out.push(file_target(path, None));
                continue;
            }
            Entry::Missing => {
                eprintln!("drydock: error: `{}` does not exist", path.display());
                *errors += 1;
                continue;
            }
            Entry::Ask => {}
        }
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
            out.push(Target { path: None, display, kind, dir, len: None });
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
            out.extend(found.into_iter().map(|p| file_target(&p, None)));
        } else {
            out.push(file_target(path, Some(meta.len())));
        }
    }
    out
}

fn file_target(path: &Path, len: Option<u64>) -> Target {
    // Only a path starting with `.` can start with the `./` component (`Path::strip_prefix` parses components).
    let shown = if path.as_os_str().as_encoded_bytes().starts_with(b".") {
        path.strip_prefix("./").unwrap_or(path)
    } else {
        path
    };
    let display = shown.to_str().map_or_else(|| shown.display().to_string(), str::to_owned);
    let dir = path.parent().map(|d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() });
    Target { path: Some(path.to_path_buf()), kind: FileKind::from_path(&display), display, dir, len }
}

/// Reads the file at `path` as [`read_limited`] does, with a buffer sized from its length up front (one
/// `read` for a small file instead of a growing buffer's several). `len` is its length if known already
/// (saving a `stat`); a file that has grown since is still read whole, up to the cap.
pub(crate) fn read_file(path: &Path, what: &str, len: Option<u64>) -> Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {what}"))?;
    let len = len.unwrap_or_else(|| file.metadata().map_or(0, |m| m.len()));
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
        if contexts.dirs.is_file_in(dir, &n) {
            return Ok(Arc::new(read_ignore(&dir.join(n))?));
        }
    }
    Ok(shared)
}

/// What each build context directory holds, looked up once however many Dockerfiles share it.
struct ContextCache {
    /// Each context's `.dockerignore`, parsed.
    ignores: Mutex<PathMap<Arc<OwnedIgnore>>>,
    /// The run's directory listings (which `.dockerignore` files exist).
    dirs: Arc<DirCache>,
}

impl ContextCache {
    /// `<context>/.dockerignore`: [`OwnedIgnore::Unknown`] when `context` is not a directory.
    fn ignore_of(&self, context: &Path) -> Result<Arc<OwnedIgnore>> {
        if let Some(known) = self.ignores.lock().unwrap_or_else(PoisonError::into_inner).get(context.as_os_str()) {
            return Ok(Arc::clone(known));
        }
        let found = if self.dirs.is_dir(context) {
            let path = context.join(".dockerignore");
            if self.dirs.is_file_in(context, OsStr::new(".dockerignore")) {
                // Parsed here, once for every Dockerfile of the context.
                read_ignore(&path)?
            } else {
                OwnedIgnore::Missing
            }
        } else {
            OwnedIgnore::Unknown
        };
        let found = Arc::new(found);
        self.ignores
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(context.as_os_str().to_owned(), Arc::clone(&found));
        Ok(found)
    }
}

/// Reads and parses the `.dockerignore` at `path`.
fn read_ignore(path: &Path) -> Result<OwnedIgnore> {
    let text = read_file(path, &format!("`{}`", path.display()), None)?;
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
        let Ok(source) = read_file(path, "file", target.len) else { continue };
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
        Some(p) => read_file(p, "file", target.len)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test reads back after handing it over.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn target(name: &str) -> Target {
        Target { path: None, display: name.to_string(), kind: FileKind::Dockerfile, dir: None, len: None }
    }

    fn linted(piece: &str, failing: bool) -> Outcome {
        Outcome::Linted(Linted {
            report: Ok(None),
            piece: Some(piece.as_bytes().to_vec()),
            diff: String::new(),
            failing,
        })
    }

    #[test]
    fn a_targets_display_name_drops_a_leading_dot_component_only() {
        for path in [
            "./a/Dockerfile",
            ".//a/Dockerfile",
            "././a",
            "Dockerfile",
            ".dockerignore",
            "./.dockerignore",
            "../x/Dockerfile",
            "/abs/Dockerfile",
            ".",
            "./",
            "a/./b",
        ] {
            let p = Path::new(path);
            let old = p.strip_prefix("./").unwrap_or(p).display().to_string();
            assert_eq!(file_target(p, None).display, old, "{path}");
        }
    }

    #[test]
    fn every_index_is_worked_once_whatever_the_threads() {
        for (n, threads) in [(0, 1), (0, 4), (1, 8), (5, 1), (100, 2), (100, 7), (3, 16)] {
            let seen: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            for_each_index(n, threads, |i| {
                seen[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(seen.iter().all(|c| c.load(Ordering::Relaxed) == 1), "n={n} threads={threads}");
        }
    }

    #[test]
    fn outcomes_finished_out_of_turn_are_written_in_the_order_named() {
        let targets: Vec<Target> = ["a", "b", "c", "d"].into_iter().map(target).collect();
        let buffer = Shared::default();
        let mut sink = InOrder::start(targets.len(), Some(Format::Github), Box::new(buffer.clone())).unwrap();
        sink.done(2, &targets, linted("c\n", true));
        sink.done(1, &targets, Outcome::ConfigError(anyhow::anyhow!("bad config")));
        assert!(buffer.0.lock().unwrap().is_empty(), "nothing is written before the first file is done");
        sink.done(0, &targets, linted("a\n", false));
        assert_eq!(*buffer.0.lock().unwrap(), b"a\nc\n", "the first file releases those waiting behind it");
        sink.done(3, &targets, Outcome::Ignored);
        assert_eq!((sink.next, sink.errors, sink.failing), (4, 1, true));
        let (writer, mut out) = (sink.writer.unwrap(), sink.out);
        writer.finish(&[], RenderOptions::default(), &mut out).unwrap();
        assert_eq!(*buffer.0.lock().unwrap(), b"a\nc\n");
    }

    #[test]
    fn a_json_document_streamed_in_pieces_is_the_whole_document() {
        let targets: Vec<Target> = ["a", "b"].into_iter().map(target).collect();
        let buffer = Shared::default();
        let mut sink = InOrder::start(targets.len(), Some(Format::Json), Box::new(buffer.clone())).unwrap();
        sink.done(1, &targets, linted("", false));
        sink.done(0, &targets, linted("", false));
        let (writer, mut out) = (sink.writer.unwrap(), sink.out);
        writer.finish(&[], RenderOptions::default(), &mut out).unwrap();
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, crate::lint::report::render(Format::Json, &[], RenderOptions::default()));
    }
}
