//! RUN scripts handed to an outside shell checker (`ShellCheck`), and its
//! findings mapped back to the Dockerfile.
//!
//! The engine stays pure: it builds one [`CheckScript`] per shell script a RUN
//! runs (the shell-form command as the shell sees it after line joining, with
//! heredoc bodies appended, and heredoc bodies run by a shell), asks a
//! [`ScriptChecker`] the caller supplies, and maps each [`ScriptFinding`]'s
//! line and column in the checker's file back to the exact source bytes. The
//! findings then go through the same settings, severity overrides and pragmas
//! as rule findings, so `# hadolint ignore=SC2086` and `ignored: [SC2086]` work.
//!
//! What the checker reads follows hadolint: a `#!` line naming the shell in
//! force (SHELL, or a heredoc's own shebang, or the shell a heredoc is fed to;
//! `/bin/sh` by default), then `export NAME=1` for every ARG and ENV name
//! declared before the RUN in its stage chain and the proxy variables `docker
//! build` predefines (so `SC2154` does not fire on them), then the script.
//! A `# hadolint shell=bash` pragma sets the dialect. Scripts under a
//! PowerShell/cmd SHELL, a `# hadolint shell=powershell` pragma or a shell
//! `ShellCheck` cannot read (zsh, fish) are not checked.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::diagnostic::{Diagnostic, Severity};
use super::model::{Base, Model, RunScript, ScriptOrigin};
use super::parser::{Dockerfile, Keyword};
use super::source::{TextRange, to_u32};
use super::suppress::Suppressions;

/// ShellCheck codes hadolint leaves out: SC1090/SC1091 need a `source`
/// directive a Dockerfile cannot hold, SC2187 says ash is checked as dash.
pub const EXCLUDED_CODES: &[u32] = &[1090, 1091, 2187];

/// Variables `docker build` predefines without an ARG.
const PROXY_VARS: &[&str] =
    &["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy"];

/// Shells `ShellCheck` reads (ash is read as dash, as in hadolint).
const CHECKABLE: &[&str] = &["sh", "bash", "dash", "ksh", "ash"];

/// One script as the checker reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckScript {
    /// The whole file: `#!` line, exports, then the script.
    pub text: String,
    /// Index of the RUN instruction.
    pub inst: usize,
    /// Index into the model's scripts of that instruction.
    pub script: usize,
    /// For each line of `text` (0-based), the byte offset in the RUN script
    /// where it starts; `None` for lines drydock added.
    lines: Vec<Option<u32>>,
}

/// One finding of the checker, in the coordinates of [`CheckScript::text`]:
/// 1-based lines and 1-based columns counted in characters (a tab is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptFinding {
    /// First line.
    pub line: u32,
    /// First column.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end.
    pub end_column: u32,
    /// The number after `SC`.
    pub code: u32,
    /// Severity as the checker reports it.
    pub severity: Severity,
    /// The checker's message.
    pub message: String,
}

/// Runs an outside checker over scripts. Implemented outside the engine (it
/// starts a process); the engine only builds the input and maps the output.
pub trait ScriptChecker {
    /// Findings for each script, in the same order (a missing entry counts as
    /// no findings).
    fn check(&self, scripts: &[CheckScript]) -> Vec<Vec<ScriptFinding>>;
}

/// The scripts of the Dockerfile `src` to check (parses it).
pub fn for_source(src: &str) -> Vec<CheckScript> {
    let (file, _) = super::parser::parse(src);
    let model = Model::build(&file, None);
    scripts(&file, &model, &Suppressions::from_dockerfile(&file))
}

/// The scripts of `file` to check.
pub fn scripts(file: &Dockerfile, model: &Model, suppressions: &Suppressions) -> Vec<CheckScript> {
    let mut out = Vec::new();
    let mut stage_shell: Vec<String> = Vec::with_capacity(model.stages.len());
    for stage in &model.stages {
        let mut shell = match stage.base {
            Base::Stage(p) => stage_shell.get(p).cloned().unwrap_or_else(|| "/bin/sh".to_owned()),
            _ => "/bin/sh".to_owned(),
        };
        for i in stage.body.clone() {
            let Some(inst) = file.instructions.get(i) else { continue };
            if inst.keyword == Keyword::Shell {
                shell = inst.args.first().map_or_else(String::new, |a| a.value.clone());
                continue;
            }
            let Some(runs) = model.scripts.get(i).filter(|s| !s.is_empty()) else { continue };
            // `# hadolint shell=…` names the shell: a non-POSIX one turns the
            // check off, a POSIX one sets the dialect (as in hadolint).
            let pragma = suppressions.shell_at(inst.start_line);
            if pragma.is_some_and(|s| shell_name(s).is_none()) {
                continue;
            }
            let in_force = match pragma.and_then(shell_name) {
                Some(name) => format!("/bin/{name}"),
                None => shell.clone(),
            };
            let names = declared_names(file, model, i);
            for (k, run) in runs.iter().enumerate() {
                let shebang = match run.origin {
                    ScriptOrigin::ShellForm => shell_name(&in_force).map(|_| first_word(&in_force).to_owned()),
                    ScriptOrigin::Heredoc(_) => heredoc_shell(run, runs, &in_force),
                };
                if let Some(shebang) = shebang {
                    out.push(build(run, i, k, &shebang, &names));
                }
            }
        }
        stage_shell.push(shell);
    }
    out
}

/// The first word of a SHELL executable (`/bin/bash -o pipefail` → `/bin/bash`).
fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

/// The checkable shell an executable or shebang names, if any.
fn shell_name(exe: &str) -> Option<&'static str> {
    let mut words = exe.split_whitespace();
    let first = words.next()?;
    let mut base = first.rsplit(['/', '\\']).next().unwrap_or(first).to_ascii_lowercase();
    if base == "env" || base == "busybox" {
        base = words.find(|w| !w.starts_with('-')).unwrap_or_default().to_ascii_lowercase();
    }
    let base = base.trim_end_matches(".exe");
    CHECKABLE.iter().copied().find(|s| *s == base)
}

/// The shell a heredoc body runs in: its own shebang, the shell it is fed to
/// (`RUN bash <<EOF`), or the SHELL in force.
fn heredoc_shell(run: &RunScript, runs: &[RunScript], shell: &str) -> Option<String> {
    if let Some(line) = run.text.lines().next().and_then(|l| l.strip_prefix("#!")) {
        return shell_name(line).map(|_| String::new());
    }
    let fed = runs
        .iter()
        .find(|r| r.origin == ScriptOrigin::ShellForm)
        .and_then(|r| r.script.commands.first())
        .map(|c| c.name().to_owned())
        .filter(|n| shell_name(n).is_some());
    match fed {
        Some(name) if name.contains('/') => Some(name),
        Some(name) => Some(format!("/bin/{name}")),
        None => shell_name(shell).map(|_| first_word(shell).to_owned()),
    }
}

/// ARG and ENV names declared before instruction `at` in its stage chain, plus
/// the predefined proxy variables; sorted, shell identifiers only.
fn declared_names(file: &Dockerfile, model: &Model, at: usize) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = PROXY_VARS.iter().map(|s| (*s).to_owned()).collect();
    let Some(Some(stage)) = model.stage_of.get(at) else { return names };
    for s in model.chain(*stage) {
        let Some(st) = model.stages.get(s) else { continue };
        for i in st.body.clone().take_while(|&i| i < at) {
            let Some(inst) = file.instructions.get(i) else { continue };
            match inst.keyword {
                Keyword::Arg => names.extend(model.args_of(i).iter().map(|d| d.name.clone())),
                Keyword::Env => names.extend(inst.args.chunks(2).filter_map(|p| p.first()).map(|k| k.value.clone())),
                _ => {}
            }
        }
    }
    names.retain(|n| {
        let mut cs = n.chars();
        cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    names
}

/// The checker's file for one script. `shebang` empty means the script has
/// its own `#!` line, which must stay the first line.
fn build(run: &RunScript, inst: usize, script: usize, shebang: &str, names: &BTreeSet<String>) -> CheckScript {
    let mut text = String::with_capacity(run.text.len() + names.len() * 16 + 16);
    let mut lines = Vec::new();
    let mut body = run.text.as_str();
    let mut body_start = 0u32;
    if shebang.is_empty() {
        let end = body.find('\n').map_or(body.len(), |i| i + 1);
        text.push_str(body.get(..end).unwrap_or_default());
        if !text.ends_with('\n') {
            text.push('\n');
        }
        lines.push(Some(0));
        body = body.get(end..).unwrap_or_default();
        body_start = to_u32(end);
    } else {
        text.push_str("#!");
        text.push_str(shebang);
        text.push('\n');
        lines.push(None);
    }
    for name in names {
        text.push_str("export ");
        text.push_str(name);
        text.push_str("=1\n");
        lines.push(None);
    }
    let mut offset = body_start;
    for line in body.split_inclusive('\n') {
        lines.push(Some(offset));
        offset += to_u32(line.len());
    }
    text.push_str(body);
    CheckScript { text, inst, script, lines }
}

impl CheckScript {
    /// The byte offset in the RUN script of 1-based `line` and 1-based
    /// character `column` of [`CheckScript::text`]; `None` on an added line.
    fn script_offset(&self, line: u32, column: u32) -> Option<u32> {
        let idx = usize::try_from(line.checked_sub(1)?).ok()?;
        let start = (*self.lines.get(idx)?)?;
        let line_text = self.text.lines().nth(idx).unwrap_or_default();
        let chars = usize::try_from(column.saturating_sub(1)).ok()?;
        let bytes: usize = line_text.chars().take(chars).map(char::len_utf8).sum();
        Some(start + to_u32(bytes))
    }
}

/// Turns the checker's findings into diagnostics at source positions. Findings
/// on lines drydock added, and repeats at the same place, are dropped.
pub fn diagnostics(model: &Model, scripts: &[CheckScript], findings: &[Vec<ScriptFinding>]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut seen = BTreeSet::new();
    for (script, found) in scripts.iter().zip(findings) {
        let Some(run) = model.scripts.get(script.inst).and_then(|r| r.get(script.script)) else { continue };
        let limit = to_u32(run.text.len());
        for f in found {
            if EXCLUDED_CODES.contains(&f.code) {
                continue;
            }
            let Some(start) = script.script_offset(f.line, f.column) else { continue };
            let start = start.min(limit);
            let end = script.script_offset(f.end_line, f.end_column).unwrap_or(start).clamp(start, limit);
            let range = run.source_range(TextRange::new(start, end));
            if !seen.insert((f.code, range.start, range.end)) {
                continue;
            }
            out.push(Diagnostic {
                code: Cow::Owned(format!("SC{}", f.code)),
                tag: None,
                severity: f.severity,
                message: message_style(&f.message),
                help: Some(format!("see https://www.shellcheck.net/wiki/SC{}", f.code)),
                range,
                fix: None,
            });
        }
    }
    out
}

/// drydock's message style: lowercase first word (unless it is a name such as
/// `ShellCheck` or `POSIX`), no trailing period.
fn message_style(msg: &str) -> String {
    let msg = msg.trim().trim_end_matches('.');
    let mut cs = msg.chars();
    match (cs.next(), cs.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            let mut out: String = a.to_lowercase().collect();
            out.push_str(&msg[a.len_utf8()..]);
            if msg.split_whitespace().next().is_some_and(|w| w.chars().skip(1).any(char::is_uppercase)) {
                return msg.to_owned();
            }
            out
        }
        _ => msg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::parser::parse;

    fn setup(src: &str) -> (Dockerfile, Model, Vec<CheckScript>) {
        let (file, _) = parse(src);
        let model = Model::build(&file, None);
        let sup = Suppressions::from_dockerfile(&file);
        let s = scripts(&file, &model, &sup);
        (file, model, s)
    }

    /// Where `needle` is in the checker's text, as (line, column).
    fn pos(script: &CheckScript, needle: &str) -> (u32, u32) {
        for (i, line) in script.text.lines().enumerate() {
            if let Some(b) = line.find(needle) {
                return (to_u32(i + 1), to_u32(line[..b].chars().count() + 1));
            }
        }
        panic!("{needle:?} not in {:?}", script.text);
    }

    fn finding(script: &CheckScript, needle: &str) -> ScriptFinding {
        let (line, column) = pos(script, needle);
        let len = to_u32(needle.chars().count());
        ScriptFinding {
            line,
            column,
            end_line: line,
            end_column: column + len,
            code: 2086,
            severity: Severity::Info,
            message: "Double quote to prevent globbing and word splitting.".into(),
        }
    }

    #[test]
    fn multi_line_run_maps_to_the_physical_line_and_column() {
        let src = "FROM debian:12\nARG VERSION\nRUN apt-get update \\\n  # a comment\n  && echo $VERSION \\\n\t&& rm -rf $dir\n";
        let (_, model, s) = setup(src);
        assert_eq!(s.len(), 1);
        assert!(s[0].text.starts_with("#!/bin/sh\n"), "{}", s[0].text);
        assert!(s[0].text.contains("export VERSION=1\n") && s[0].text.contains("export no_proxy=1\n"));
        let d = diagnostics(&model, &s, &[vec![finding(&s[0], "$dir")]]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].range.slice(src), "$dir");
        assert_eq!(crate::lint::source::LineIndex::new(src).line_col(src, d[0].range.start), (6, 12));
        assert_eq!(d[0].code, "SC2086");
        assert_eq!(d[0].message, "double quote to prevent globbing and word splitting");
    }

    #[test]
    fn heredoc_bodies_map_to_their_lines() {
        let src = "FROM alpine:3\nSHELL [\"/bin/ash\", \"-c\"]\nRUN <<EOF\nset -e\necho $x\nEOF\nRUN bash <<EOF\nls $y\nEOF\nRUN <<EOF\n#!/bin/bash\ncat $z\nEOF\n";
        let (_, model, s) = setup(src);
        let heredocs: Vec<&CheckScript> =
            s.iter().filter(|c| model.scripts[c.inst][c.script].origin != ScriptOrigin::ShellForm).collect();
        assert_eq!(heredocs.len(), 3, "{s:#?}");
        assert!(heredocs[0].text.starts_with("#!/bin/ash\n"));
        assert!(heredocs[1].text.starts_with("#!/bin/bash\n"));
        assert!(heredocs[2].text.starts_with("#!/bin/bash\nexport "), "{}", heredocs[2].text);
        for (c, needle, line) in [(heredocs[0], "$x", 5), (heredocs[1], "$y", 8), (heredocs[2], "$z", 12)] {
            let d = diagnostics(&model, std::slice::from_ref(c), &[vec![finding(c, needle)]]);
            assert_eq!(d[0].range.slice(src), needle);
            assert_eq!(crate::lint::source::LineIndex::new(src).line(d[0].range.start), line);
        }
    }

    #[test]
    fn findings_on_added_lines_are_dropped() {
        let (_, model, s) = setup("FROM alpine:3\nRUN echo hi\n");
        let mut f = finding(&s[0], "export");
        f.code = 2034;
        assert!(diagnostics(&model, &s, &[vec![f]]).is_empty());
    }

    #[test]
    fn non_posix_shells_are_skipped() {
        assert!(setup("FROM alpine:3\nSHELL [\"pwsh\", \"-c\"]\nRUN echo $x\n").2.is_empty());
        assert!(setup("FROM alpine:3\nSHELL [\"cmd\", \"/S\", \"/C\"]\nRUN echo %x%\n").2.is_empty());
        assert!(setup("FROM alpine:3\nSHELL [\"/bin/zsh\", \"-c\"]\nRUN echo $x\n").2.is_empty());
        assert!(setup("# hadolint shell=powershell\nFROM alpine:3\nRUN Write-Host hi\n").2.is_empty());
        let (_, _, s) = setup("# hadolint shell=bash\nFROM alpine:3\nRUN [[ -n x ]]\n");
        assert!(s[0].text.starts_with("#!/bin/bash\n"), "the pragma sets the dialect: {}", s[0].text);
        assert!(setup("FROM alpine:3\nRUN [\"echo\", \"$x\"]\n").2.is_empty());
        // A stage built on one with a SHELL keeps it, as in BuildKit.
        let (_, _, s) = setup("FROM alpine:3 AS a\nSHELL [\"/bin/bash\", \"-c\"]\nFROM a\nRUN echo\n");
        assert!(s[0].text.starts_with("#!/bin/bash\n"));
    }

    #[test]
    fn messages_follow_the_house_style() {
        assert_eq!(message_style("Use cd ... || exit in case cd fails."), "use cd ... || exit in case cd fails");
        assert_eq!(message_style("ShellCheck only supports sh/bash."), "ShellCheck only supports sh/bash");
        assert_eq!(message_style("POSIX sh lacks it."), "POSIX sh lacks it");
    }
}
