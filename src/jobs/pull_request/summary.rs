//! The check run's title and Markdown summary: counts per standard tag and
//! severity, the config used (and a preview when the pull request changes it),
//! notes, and a table of findings with links to the rule docs.
//!
//! GitHub caps a summary at 65,535 characters. The table is cut between rows,
//! never inside one, leaving room for a closing note that says how many rows
//! were left out; the annotations still carry every finding.

use std::fmt::Write as _;

use super::LintedFile;
use super::review::RULE_DOCS_URL;
use crate::github::client::{MAX_TEXT_LEN, truncate};
use crate::lint::report::LineSpan;
use crate::lint::source::LineIndex;
use crate::lint::{Settings, Severity, Tag};

/// Findings counted by severity (index: [`Severity::ALL`] order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Per severity, style first.
    pub by_severity: [usize; 4],
    /// How many fail the check.
    pub failing: usize,
}

impl Counts {
    /// Counts `files`' findings under `settings`.
    pub fn of(files: &[LintedFile], settings: &Settings) -> Self {
        let mut c = Self::default();
        for d in files.iter().flat_map(|f| &f.diagnostics) {
            c.by_severity[severity_index(d.severity)] += 1;
            if settings.fails_on(d.severity) {
                c.failing += 1;
            }
        }
        c
    }

    /// All findings.
    pub fn total(&self) -> usize {
        self.by_severity.iter().sum()
    }

    /// `2 errors, 1 warning` (most serious first), or `no findings`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter(|s| self.by_severity[severity_index(**s)] > 0)
            .map(|s| {
                let n = self.by_severity[severity_index(*s)];
                match s {
                    Severity::Error | Severity::Warning => plural(n, s.as_str()),
                    Severity::Info | Severity::Style => format!("{n} {s}"),
                }
            })
            .collect();
        if parts.is_empty() { "no findings".to_owned() } else { parts.join(", ") }
    }
}

fn severity_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// What a pull request's own config would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preview {
    /// It parses; linting the same files with it gives these counts.
    Valid {
        /// The config file's path.
        path: String,
        /// Counts with the pull request's config.
        counts: Counts,
    },
    /// It would be rejected, for this reason.
    Invalid {
        /// The config file's path.
        path: String,
        /// Why.
        message: String,
    },
}

/// Everything the summary shows.
#[derive(Clone, Copy, Debug)]
pub struct SummaryInput<'a> {
    /// The commit linted.
    pub head_sha: &'a str,
    /// The linted files and their findings.
    pub files: &'a [LintedFile],
    /// The settings they were linted with.
    pub settings: &'a Settings,
    /// Where the config came from (Markdown).
    pub config_source: &'a str,
    /// Notes (config warnings, skipped files, capped lists).
    pub notes: &'a [String],
    /// The effect of a config change in the pull request.
    pub preview: Option<&'a Preview>,
}

/// The check run's title and summary.
pub fn render(input: &SummaryInput<'_>) -> (String, String) {
    let counts = Counts::of(input.files, input.settings);
    let title = if input.files.is_empty() {
        "Nothing to lint".to_owned()
    } else {
        let mut t = format!("{} in {}", capitalise(&counts.describe()), plural(input.files.len(), "file"));
        if counts.failing > 0 {
            let _ = write!(t, " ({} failing)", counts.failing);
        }
        t
    };
    let mut head = String::new();
    let short: String = input.head_sha.chars().take(7).collect();
    if input.files.is_empty() {
        let _ = writeln!(
            head,
            "No Dockerfile, Containerfile or `.dockerignore` changed at `{short}`, so there was nothing to lint."
        );
    } else {
        let _ = writeln!(
            head,
            "drydock linted {} at `{short}` and found {}.",
            plural(input.files.len(), "file"),
            counts.describe()
        );
        let threshold = if input.settings.no_fail {
            "no finding fails the check (`failure-threshold: none`)".to_owned()
        } else {
            format!(
                "findings at `{}` or above fail the check",
                input.settings.failure_threshold.unwrap_or(super::config::APP_FAILURE_THRESHOLD)
            )
        };
        let _ = writeln!(head, "\nConfig: {}; {threshold}.", input.config_source);
    }
    if let Some(p) = input.preview {
        head.push_str("\n### Config preview\n\n");
        match p {
            Preview::Valid { path, counts: theirs } => {
                let _ = writeln!(
                    head,
                    "This pull request changes `{path}`. Once merged, the same files would get {} ({} failing) \
                     instead of {} ({} failing).",
                    theirs.describe(),
                    theirs.failing,
                    counts.describe(),
                    counts.failing
                );
            }
            Preview::Invalid { path, message } => {
                let _ = writeln!(
                    head,
                    "This pull request changes `{path}`, and drydock would reject it: {}",
                    escape(message)
                );
            }
        }
    }
    if !input.notes.is_empty() {
        head.push_str("\n### Notes\n\n");
        for n in input.notes {
            let _ = writeln!(head, "- {}", escape(n));
        }
    }
    if counts.total() > 0 {
        head.push_str(&tag_table(input.files));
    }
    let rows = finding_rows(input.files);
    let mut summary = truncate(&head, MAX_TEXT_LEN).into_owned();
    if !rows.is_empty() {
        summary.push_str("\n### Findings\n\n| | File | Line | Rule | Message |\n|---|---|---|---|---|\n");
        let reserve = 300;
        let mut shown = 0;
        for row in &rows {
            if summary.len() + row.len() + reserve > MAX_TEXT_LEN {
                break;
            }
            summary.push_str(row);
            shown += 1;
        }
        if shown < rows.len() {
            let _ = write!(
                summary,
                "\n… and {} more finding{} not listed here: GitHub caps this summary at 65,535 characters. \
                 The annotations show every finding.\n",
                rows.len() - shown,
                if rows.len() - shown == 1 { "" } else { "s" }
            );
        }
    }
    (title, truncate(&summary, MAX_TEXT_LEN).into_owned())
}

/// Counts per standard tag (rows) and severity (columns), most serious first.
fn tag_table(files: &[LintedFile]) -> String {
    let mut out =
        String::from("\n### By standard\n\n| standard | error | warning | info | style |\n|---|---|---|---|---|\n");
    let row = |label: &str, tag: Option<Tag>| -> Option<String> {
        let mut cells = [0usize; 4];
        for d in files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.tag == tag) {
            cells[severity_index(d.severity)] += 1;
        }
        (cells.iter().sum::<usize>() > 0)
            .then(|| format!("| {label} | {} | {} | {} | {} |\n", cells[3], cells[2], cells[1], cells[0]))
    };
    for tag in Tag::ALL {
        if let Some(r) = row(tag.as_str(), Some(tag)) {
            out.push_str(&r);
        }
    }
    if let Some(r) = row("(hygiene)", None) {
        out.push_str(&r);
    }
    out
}

/// One table row per finding, most serious first, then by file and line.
fn finding_rows(files: &[LintedFile]) -> Vec<String> {
    let mut rows: Vec<(Severity, &str, u32, String)> = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.source);
        for d in &f.diagnostics {
            let span = LineSpan::new(&f.source, &index, d.range);
            let icon = match d.severity {
                Severity::Error => ":x:",
                Severity::Warning => ":warning:",
                Severity::Info | Severity::Style => ":information_source:",
            };
            let row = format!(
                "| {icon} | `{}` | {} | [{}]({RULE_DOCS_URL}) | {} |\n",
                f.path.replace('`', "'"),
                span.line,
                escape(&d.code),
                escape(&d.message)
            );
            rows.push((d.severity, &f.path, span.line, row));
        }
    }
    rows.sort_by(|a, b| (std::cmp::Reverse(a.0), a.1, a.2).cmp(&(std::cmp::Reverse(b.0), b.1, b.2)));
    rows.into_iter().map(|r| r.3).collect()
}

/// Text safe inside a Markdown table cell: one line, no `|`, no raw HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::lint::{Diagnostic, TextRange};

    fn d(code: &'static str, severity: Severity, tag: Option<Tag>, start: u32, message: &str) -> Diagnostic {
        Diagnostic {
            code: Cow::Borrowed(code),
            tag,
            severity,
            message: message.into(),
            help: None,
            range: TextRange::new(start, start + 1),
            fix: None,
        }
    }

    fn settings() -> Settings {
        super::super::config::app_defaults()
    }

    #[test]
    fn snapshot_of_a_summary() {
        let files = vec![
            LintedFile {
                path: "svc/Dockerfile".into(),
                source: "FROM ubuntu\nRUN apt-get install curl\nUSER root\n".into(),
                diagnostics: vec![
                    d("DD001", Severity::Error, Some(Tag::PinnedBase), 5, "image `ubuntu` is not pinned"),
                    d("DL3008", Severity::Warning, Some(Tag::DeterministicDeps), 12, "pin versions in apt | get"),
                    d("DL3002", Severity::Warning, Some(Tag::NonRoot), 40, "last user should not be <root>"),
                ],
                skipped: None,
            },
            LintedFile { path: ".dockerignore".into(), source: "*\n".into(), diagnostics: vec![], skipped: None },
        ];
        let s = settings();
        let preview = Preview::Valid {
            path: ".github/drydock.yml".into(),
            counts: Counts { by_severity: [0, 0, 2, 0], failing: 0 },
        };
        let notes = vec!["`big/Dockerfile` is over 1 MB and was not linted".to_owned()];
        let (title, summary) = render(&SummaryInput {
            head_sha: "0123456789abcdef",
            files: &files,
            settings: &s,
            config_source: "`.github/drydock.yml` on `main`",
            notes: &notes,
            preview: Some(&preview),
        });
        insta::assert_snapshot!(format!("{title}\n---\n{summary}"));
    }

    #[test]
    fn nothing_to_lint() {
        let s = settings();
        let (title, summary) = render(&SummaryInput {
            head_sha: "abc",
            files: &[],
            settings: &s,
            config_source: "x",
            notes: &[],
            preview: None,
        });
        assert_eq!(title, "Nothing to lint");
        assert!(summary.contains("nothing to lint"));
    }

    #[test]
    fn long_tables_are_cut_between_rows() {
        let source = "RUN x\n".repeat(5_000);
        let diagnostics = (0..5_000u32)
            .map(|i| d("DL3059", Severity::Info, None, i * 6, &"a long message that fills the table ".repeat(2)))
            .collect();
        let files = vec![LintedFile { path: "Dockerfile".into(), source, diagnostics, skipped: None }];
        let s = settings();
        let (title, summary) = render(&SummaryInput {
            head_sha: "abc",
            files: &files,
            settings: &s,
            config_source: "x",
            notes: &[],
            preview: None,
        });
        assert_eq!(title, "5000 info in 1 file");
        assert!(summary.len() <= MAX_TEXT_LEN, "{}", summary.len());
        assert!(summary.contains("more findings not listed here"), "{}", &summary[summary.len() - 300..]);
        let table_end = summary.rfind("|\n").unwrap();
        let after = &summary[table_end + 2..];
        assert!(after.trim_start().starts_with('…'), "the table ends with a whole row: {after}");
        let listed = summary.lines().filter(|l| l.starts_with("| :information_source:")).count();
        assert!(listed > 100 && listed < 5_000);
        assert!(summary.contains(&format!("and {} more findings", 5_000 - listed)));
    }
}
