//! The lint engine. **Pure**: no async, no I/O, no service crates. Text in,
//! [`Diagnostic`]s out; the CLI and the App do the reading and the writing.
//!
//! [`check`] is the one entry point: parse, build the model, run the enabled
//! rules, then apply inline suppressions and severity overrides.

pub mod context;
pub mod diagnostic;
pub mod model;
pub mod parser;
pub mod report;
pub mod rules;
pub mod script_check;
pub mod settings;
pub mod source;
pub mod suppress;

use std::borrow::Cow;

/// Hash maps and sets of the lint engine: std's, with foldhash's hasher. It hashes the short string keys
/// here (variable, stage and path names) several times faster than std's `SipHash`, and it is still seeded
/// per process, so a file cannot be crafted to collide on every machine.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// See [`HashMap`].
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
pub use context::{Context, ContextIgnore};
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity, Tag, unified_diff};
pub use settings::Settings;
pub use source::TextRange;

use rules::{RULES, Target};

/// Which kind of file is being linted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A `.dockerignore` file.
    DockerIgnore,
}

impl FileKind {
    /// Guesses the kind from a file name: `.dockerignore` and `*.dockerignore`
    /// are ignore files, everything else is a Dockerfile.
    pub fn from_path(path: &str) -> Self {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if name == ".dockerignore" || name.ends_with(".dockerignore") { Self::DockerIgnore } else { Self::Dockerfile }
    }
}

/// Whether a file name is one `drydock lint` picks up when it searches a
/// directory: Dockerfile, Containerfile, `*.Dockerfile`, `*.dockerfile`,
/// `Dockerfile.*`, `Containerfile.*`, `.dockerignore` and `*.dockerignore`.
pub fn is_lintable_name(name: &std::ffi::OsStr) -> bool {
    let Some(name) = name.to_str() else { return false };
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".dockerignore")
        || lower == ".dockerignore"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
}

/// One file to lint.
#[derive(Clone, Copy, Debug)]
pub struct LintInput<'a> {
    /// Display path (also used to guess nothing: `kind` is explicit).
    pub path: &'a str,
    /// The file's text.
    pub source: &'a str,
    /// What it is.
    pub kind: FileKind,
    /// The build context's `.dockerignore` (Dockerfiles only).
    pub dockerignore: ContextIgnore<'a>,
    /// `--target`: the stage that is the final one.
    pub target: Option<&'a str>,
}

impl<'a> LintInput<'a> {
    /// A Dockerfile with an unknown build context.
    pub fn dockerfile(path: &'a str, source: &'a str) -> Self {
        Self { path, source, kind: FileKind::Dockerfile, dockerignore: ContextIgnore::Unknown, target: None }
    }
}

/// The largest input accepted; spans are `u32`.
pub const MAX_INPUT_BYTES: usize = u32::MAX as usize;

/// Lints one file and returns its findings sorted by position.
pub fn check(input: &LintInput<'_>, settings: &Settings) -> Vec<Diagnostic> {
    check_with(input, settings, None)
}

/// [`check`], with RUN scripts also handed to `scripts` (`ShellCheck`) when
/// `settings.shellcheck` is on; its findings get the same settings and pragmas.
pub fn check_with(
    input: &LintInput<'_>,
    settings: &Settings,
    scripts: Option<&dyn script_check::ScriptChecker>,
) -> Vec<Diagnostic> {
    if input.source.len() > MAX_INPUT_BYTES {
        return vec![Diagnostic {
            code: Cow::Borrowed("DL1000"),
            tag: None,
            severity: Severity::Error,
            message: format!("file is {} bytes, larger than the 4 GiB drydock can lint", input.source.len()),
            help: Some("split the file or exclude it with `ignore-paths`".into()),
            range: TextRange::default(),
            fix: None,
        }];
    }
    let mut diagnostics = match input.kind {
        FileKind::Dockerfile => check_dockerfile(input, settings, scripts),
        FileKind::DockerIgnore => check_dockerignore(input, settings),
    };
    diagnostics.sort_by(|a, b| (a.range.start, a.range.end, &a.code).cmp(&(b.range.start, b.range.end, &b.code)));
    diagnostics
}

fn check_dockerfile(
    input: &LintInput<'_>,
    settings: &Settings,
    scripts: Option<&dyn script_check::ScriptChecker>,
) -> Vec<Diagnostic> {
    let (file, issues) = parser::parse(input.source);
    let model = model::Model::build(&file, input.target);
    let parsed;
    let ignore = match input.dockerignore {
        ContextIgnore::Present(text) => {
            parsed = parser::dockerignore::parse(text);
            Some(&parsed)
        }
        ContextIgnore::Parsed(ignore) => Some(ignore),
        ContextIgnore::Unknown | ContextIgnore::Missing => None,
    };
    let mut cx = Context::new(input, &file, &model, ignore, settings);
    for issue in issues {
        cx.diagnostics.push(Diagnostic {
            code: Cow::Borrowed(issue.code),
            tag: None,
            severity: issue.severity,
            message: issue.message,
            help: issue.help,
            range: issue.range,
            fix: issue.fix,
        });
    }
    for rule in RULES.iter().filter(|r| r.meta().target == Target::Dockerfile) {
        if !settings.is_rule_enabled(rule.meta()) {
            continue;
        }
        if rule.per_instruction() {
            for inst in &file.instructions {
                rule.check_instruction(inst, &mut cx);
            }
        }
        rule.check_file(&mut cx);
    }
    let suppressions = suppress::Suppressions::from_dockerfile(&file);
    // Only start the checker when an SC code can survive the settings.
    let wants_sc = settings.only.as_ref().is_none_or(|o| o.iter().any(|c| c.starts_with("SC")));
    if let Some(checker) = scripts.filter(|_| settings.shellcheck && wants_sc) {
        let to_check = script_check::scripts(&file, &model, &suppressions);
        if !to_check.is_empty() {
            let found = checker.check(&to_check);
            cx.diagnostics.extend(script_check::diagnostics(&model, &to_check, &found));
        }
    }
    // Lines are only needed to find the pragma in force, and most files have none.
    let index =
        (!settings.disable_ignore_pragma && !suppressions.is_empty()).then(|| source::LineIndex::new(input.source));
    finish(cx.diagnostics, settings, |d| {
        index.as_ref().is_some_and(|index| suppressions.is_suppressed(&d.code, index.line(d.range.start)))
    })
}

fn check_dockerignore(input: &LintInput<'_>, settings: &Settings) -> Vec<Diagnostic> {
    let file = parser::Dockerfile::default();
    let model = model::Model::default();
    let ignore = parser::dockerignore::parse(input.source);
    let mut cx = Context::new(input, &file, &model, Some(&ignore), settings);
    for rule in RULES.iter().filter(|r| r.meta().target == Target::DockerIgnore) {
        if settings.is_rule_enabled(rule.meta()) {
            rule.check_file(&mut cx);
        }
    }
    finish(cx.diagnostics, settings, |_| false)
}

/// Drops disabled and suppressed findings and applies severity overrides.
fn finish(
    diagnostics: Vec<Diagnostic>,
    settings: &Settings,
    suppressed: impl Fn(&Diagnostic) -> bool,
) -> Vec<Diagnostic> {
    // Findings come grouped by rule, so the last code's answer is usually the next one's.
    let mut last: Option<(Cow<'static, str>, bool)> = None;
    let mut enabled = |code: &Cow<'static, str>| match &last {
        Some((c, on)) if c == code => *on,
        _ => {
            let on = settings.is_enabled(code);
            last = Some((code.clone(), on));
            on
        }
    };
    diagnostics
        .into_iter()
        .filter(|d| enabled(&d.code) && !suppressed(d))
        .map(|mut d| {
            if let Some(&sev) = settings.severity.get(d.code.as_ref()) {
                d.severity = sev;
            }
            d
        })
        .collect()
}
