//! What a rule reports: [`Diagnostic`], its [`Severity`], its standard [`Tag`] and
//! an optional [`Fix`].
//!
//! Diagnostics carry byte ranges only. Lines and columns are computed by the
//! reporters (see [`crate::lint::source::LineIndex`]), once per file.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::source::TextRange;

/// How serious a finding is. Ordered from least to most serious, so
/// `severity >= threshold` reads naturally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Formatting and naming.
    Style,
    /// Worth knowing; rarely a defect.
    Info,
    /// Likely a defect or a breach of a "prefer"/"avoid" in the standard.
    Warning,
    /// A breach of a "never"/"must" in the standard, or a broken Dockerfile.
    Error,
}

impl Severity {
    /// All severities, least serious first.
    pub const ALL: [Severity; 4] = [Severity::Style, Severity::Info, Severity::Warning, Severity::Error];

    /// The lowercase name used in every output format and in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "style" => Ok(Severity::Style),
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!("unknown severity `{other}`: expected error, warning, info or style")),
        }
    }
}

/// The section of the containerisation standard a rule enforces.
/// See `shared/standard/README.md`; the serialized names are the tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tag {
    /// Pin base image versions precisely.
    PinnedBase,
    /// Use minimal base images.
    MinimalBase,
    /// Multi-stage builds separate build toolchain from runtime image.
    MultiStage,
    /// Run as a non-root user.
    NonRoot,
    /// Image contents must be deterministic.
    DeterministicDeps,
    /// COPY instructions copy specific files.
    SpecificCopy,
    /// `.dockerignore` is present and excludes artifacts, development and sensitive files.
    Dockerignore,
    /// No secrets in image layers.
    NoSecrets,
    /// HEALTHCHECK is present for long-running services.
    Healthcheck,
}

impl Tag {
    /// All tags, in the standard's order.
    pub const ALL: [Tag; 9] = [
        Tag::PinnedBase,
        Tag::MinimalBase,
        Tag::MultiStage,
        Tag::NonRoot,
        Tag::DeterministicDeps,
        Tag::SpecificCopy,
        Tag::Dockerignore,
        Tag::NoSecrets,
        Tag::Healthcheck,
    ];

    /// The tag as it appears in output (`pinned-base`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::PinnedBase => "pinned-base",
            Tag::MinimalBase => "minimal-base",
            Tag::MultiStage => "multi-stage",
            Tag::NonRoot => "non-root",
            Tag::DeterministicDeps => "deterministic-deps",
            Tag::SpecificCopy => "specific-copy",
            Tag::Dockerignore => "dockerignore",
            Tag::NoSecrets => "no-secrets",
            Tag::Healthcheck => "healthcheck",
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replace the bytes in `range` with `content`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Bytes to replace (empty for an insertion).
    pub range: TextRange,
    /// Replacement text.
    pub content: String,
}

impl Edit {
    /// Replaces `range` with `content`.
    pub fn replace(range: TextRange, content: impl Into<String>) -> Self {
        Self { range, content: content.into() }
    }

    /// Inserts `content` at `offset`.
    pub fn insert(offset: u32, content: impl Into<String>) -> Self {
        Self { range: TextRange::empty(offset), content: content.into() }
    }

    /// Deletes `range`.
    pub fn delete(range: TextRange) -> Self {
        Self { range, content: String::new() }
    }
}

/// Whether a fix keeps the meaning of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the meaning: `--fix` applies it and the App offers it as a suggestion.
    Safe,
    /// May change behaviour: shown, never applied automatically.
    Unsafe,
}

impl Applicability {
    /// The name reports use (`safe`, `unsafe`), as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A set of edits that resolves a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Non-overlapping edits, sorted by start.
    pub edits: Vec<Edit>,
    /// Whether it is safe to apply unattended.
    pub applicability: Applicability,
}

impl Fix {
    /// A fix that keeps the meaning.
    pub fn safe(edits: impl IntoIterator<Item = Edit>) -> Self {
        Self::new(edits, Applicability::Safe)
    }

    /// A fix that may change behaviour.
    pub fn unsafe_(edits: impl IntoIterator<Item = Edit>) -> Self {
        Self::new(edits, Applicability::Unsafe)
    }

    fn new(edits: impl IntoIterator<Item = Edit>, applicability: Applicability) -> Self {
        let mut edits: Vec<Edit> = edits.into_iter().collect();
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        Self { edits, applicability }
    }

    /// The bytes the fix touches.
    pub fn range(&self) -> Option<TextRange> {
        let first = self.edits.first()?.range;
        Some(self.edits.iter().fold(first, |acc, e| acc.cover(e.range)))
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Rule code (`DL3006`, `DD001`, or a ShellCheck `SC2086`).
    pub code: Cow<'static, str>,
    /// The standard section it enforces, if any.
    pub tag: Option<Tag>,
    /// Severity after config overrides.
    pub severity: Severity,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Where. Reports turn this into lines and columns.
    pub range: TextRange,
    /// A mechanical fix, if the rule has one.
    pub fix: Option<Fix>,
}

/// A unified diff of `old` → `new` (3 lines of context), headed `a/path` and `b/path`: how `--diff`
/// and `drydock digest` show an edit.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Applies every safe fix in `diagnostics` to `src` and returns the new text and
/// the number of fixes applied. Fixes that overlap an earlier one are skipped; they
/// are found again (and applied) on the next pass, which `--fix` runs until nothing
/// changes.
pub fn apply_safe_fixes(src: &str, diagnostics: &[Diagnostic]) -> (String, usize) {
    let (out, applied) = apply_safe_fixes_indexed(src, diagnostics);
    (out, applied.len())
}

/// [`apply_safe_fixes`], returning the indexes (into `diagnostics`) of the
/// findings whose fixes were applied, in the order they were applied.
pub fn apply_safe_fixes_indexed(src: &str, diagnostics: &[Diagnostic]) -> (String, Vec<usize>) {
    let mut fixes: Vec<(usize, &Fix)> = diagnostics
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.fix.as_ref().map(|f| (i, f)))
        .filter(|(_, f)| f.applicability == Applicability::Safe && !f.edits.is_empty())
        .collect();
    fixes.sort_by_key(|(_, f)| f.range().map(|r| (r.start, r.end)));
    let mut out = String::with_capacity(src.len());
    let mut cursor = 0usize;
    let mut applied = Vec::new();
    for (index, fix) in fixes {
        let Some(first) = fix.edits.first() else {
            continue;
        };
        if (first.range.start as usize) < cursor {
            continue; // overlaps a fix already taken
        }
        let edits_ok = fix.edits.windows(2).all(|w| w[0].range.end <= w[1].range.start)
            && fix.edits.iter().all(|e| {
                src.is_char_boundary(e.range.start as usize)
                    && src.is_char_boundary(e.range.end as usize)
                    && (e.range.end as usize) <= src.len()
            });
        if !edits_ok {
            continue;
        }
        for e in &fix.edits {
            out.push_str(&src[cursor..e.range.start as usize]);
            out.push_str(&e.content);
            cursor = e.range.end as usize;
        }
        applied.push(index);
    }
    out.push_str(&src[cursor.min(src.len())..]);
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag(fix: Fix) -> Diagnostic {
        Diagnostic {
            code: Cow::Borrowed("X"),
            tag: None,
            severity: Severity::Info,
            message: String::new(),
            help: None,
            range: TextRange::default(),
            fix: Some(fix),
        }
    }

    #[test]
    fn names_are_the_serialized_names() {
        for a in [Applicability::Safe, Applicability::Unsafe] {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }

    #[test]
    fn applies_non_overlapping_safe_fixes() {
        let src = "abcdef";
        let d = [
            diag(Fix::safe([Edit::replace(TextRange::new(0, 1), "A")])),
            diag(Fix::safe([Edit::replace(TextRange::new(0, 2), "zz")])),
            diag(Fix::unsafe_([Edit::replace(TextRange::new(3, 4), "D")])),
            diag(Fix::safe([Edit::insert(6, "!")])),
        ];
        assert_eq!(apply_safe_fixes(src, &d), ("Abcdef!".to_string(), 2));
    }

    #[test]
    fn insertions_at_the_same_offset_compose() {
        // Two rules inserting flags after the same word (`-y` and `--no-cache`
        // after `install`) must both land, in finding order.
        let src = "install x";
        let d = [diag(Fix::safe([Edit::insert(7, " -y")])), diag(Fix::safe([Edit::insert(7, " --no-cache")]))];
        let (out, applied) = apply_safe_fixes_indexed(src, &d);
        assert_eq!(out, "install -y --no-cache x");
        assert_eq!(applied, [0, 1]);
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Error > Severity::Warning && Severity::Info > Severity::Style);
        assert_eq!("WARN".parse::<Severity>(), Ok(Severity::Warning));
        assert!("fatal".parse::<Severity>().is_err());
    }
}
