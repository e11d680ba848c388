//! Shared access to the shell commands that RUN instructions run, for the rules
//! about package managers, build tools and downloads.
//!
//! The model parses the shell-form scripts of plain `RUN`s (`Model::scripts`),
//! and those of `ONBUILD RUN` (hadolint checks it) and exec-form `RUN ["…"]`
//! (`Model::other_scripts`). This module gathers the three per instruction,
//! leaving out stages whose shell is not POSIX, and hands out their simple
//! commands, collected once per instruction. It also holds a small option
//! parser, so each rule only lists which options of its tool take a value.

use crate::lint::HashSet;

use crate::lint::model::shell::{SHELLS, SimpleCommand, Word};
use crate::lint::model::{Model, RunScript};
use crate::lint::parser::{Dockerfile, Keyword};
use crate::lint::source::TextRange;

/// The scripts one instruction runs.
pub(crate) struct InstScripts<'a> {
    /// Index of the instruction.
    pub inst: usize,
    /// Whether the instruction is `ONBUILD RUN` (it runs in child builds).
    pub onbuild: bool,
    /// The scripts, shell form first.
    pub scripts: &'a [RunScript],
    /// Every simple command of the scripts (see [`InstScripts::commands`]), gathered once: most rules walk
    /// them, and gathering them per rule was a hundred thousand allocations on the corpus.
    cmds: Vec<RunCmd<'a>>,
}

/// One simple command of a RUN, with the script it came from.
#[derive(Clone, Copy)]
pub(crate) struct RunCmd<'s> {
    /// The script, for mapping ranges back to the source.
    pub script: &'s RunScript,
    /// The command.
    pub cmd: &'s SimpleCommand,
    /// [`Self::name`], [`Self::args`] and [`Self::pip_args`], read once when the commands are gathered:
    /// most rules ask each command for its name, several for its pip arguments.
    name: &'s str,
    args: &'s [Word],
    pip: Option<&'s [Word]>,
}

impl<'s> RunCmd<'s> {
    /// The command `cmd` of `script`.
    pub fn new(script: &'s RunScript, cmd: &'s SimpleCommand) -> Self {
        let (name, args) = (cmd.effective_name(), cmd.effective_args());
        Self { script, cmd, name, args, pip: pip_args(name, args) }
    }

    /// Source span of the whole command.
    pub fn range(&self) -> TextRange {
        self.script.source_range(self.cmd.range)
    }

    /// Source span of one of the command's words.
    pub fn word_range(&self, word: &Word) -> TextRange {
        self.script.source_range(word.range)
    }

    /// Source span from the command name that actually runs to `last` (one of
    /// its words): `npm install` in `sudo npm install -g x`.
    pub fn span_to(&self, last: Option<&Word>) -> TextRange {
        let Some(first) = self.cmd.effective().first() else { return self.range() };
        let start = self.word_range(first);
        last.map_or(start, |w| start.cover(self.word_range(w)))
    }

    /// Basename of the command that actually runs (after `sudo`, `env` and the like).
    pub fn name(&self) -> &'s str {
        self.name
    }

    /// Arguments of the command that actually runs.
    pub fn args(&self) -> &'s [Word] {
        self.args
    }

    /// The arguments after `pip` when the command runs pip: `pip`, `pip3`,
    /// `pip3.12`, `python -m pip`, `python3 -m pip` or `uv pip`.
    pub fn pip_args(&self) -> Option<&'s [Word]> {
        self.pip
    }

    /// Whether a `NAME=value` assignment before the command (or inside an `env`
    /// wrapper) sets `name`; returns the value.
    pub fn assignment(&self, name: &str) -> Option<&'s str> {
        let wrappers = self.cmd.argv.len() - self.cmd.effective().len();
        let env_words = self.cmd.argv.get(..wrappers).unwrap_or_default();
        self.cmd.assignments.iter().chain(env_words).find_map(|w| {
            let (k, v) = w.text.split_once('=')?;
            (k == name).then_some(v)
        })
    }
}

impl<'a> InstScripts<'a> {
    fn new(inst: usize, onbuild: bool, scripts: &'a [RunScript]) -> Self {
        Self { inst, onbuild, scripts, cmds: gather(scripts) }
    }

    /// Every simple command of the instruction, in order. A command that two
    /// scripts share (a substitution in a heredoc body that is also run as a
    /// script) is listed once.
    pub fn commands(&self) -> &[RunCmd<'a>] {
        &self.cmds
    }
}

fn gather(scripts: &[RunScript]) -> Vec<RunCmd<'_>> {
    if let [script] = scripts {
        // One script: nothing to deduplicate.
        return script.script.commands.iter().map(|cmd| RunCmd::new(script, cmd)).collect();
    }
    let mut seen: HashSet<(TextRange, Vec<&str>)> = HashSet::default();
    let mut out = Vec::new();
    for (si, script) in scripts.iter().enumerate() {
        for cmd in &script.script.commands {
            let key = (script.source_range(cmd.range), cmd.argv.iter().map(|w| w.text.as_str()).collect());
            if !seen.insert(key) && si > 0 {
                continue;
            }
            out.push(RunCmd::new(script, cmd));
        }
    }
    out
}

/// The scripts of every `RUN` and `ONBUILD RUN` in the file, in file order
/// (at most one entry per instruction, sorted by `inst`: see [`run_at`]).
/// Instructions in stages whose shell is not POSIX (Windows images, `SHELL
/// ["powershell"…]`) are left out.
pub(crate) fn run_scripts<'a>(file: &'a Dockerfile, model: &'a Model) -> Vec<InstScripts<'a>> {
    let mut out = Vec::new();
    // The latest SHELL before the instruction at hand, so that `posix_at` need
    // not scan back through the stage for each RUN.
    let mut last_shell = None;
    for (i, inst) in file.instructions.iter().enumerate() {
        match inst.keyword {
            // A non-POSIX exec form falls through to the next arm, which finds no
            // parsed script for it.
            Keyword::Run if inst.json && posix_at(file, model, i, last_shell) => {
                if let Some(scripts) = model.other_scripts.get(i) {
                    out.push(InstScripts::new(i, false, scripts));
                }
            }
            Keyword::Run => {
                if let Some(scripts) = model.scripts.get(i).filter(|s| !s.is_empty()) {
                    out.push(InstScripts::new(i, false, scripts));
                }
            }
            Keyword::Onbuild => {
                if inst.sub.as_deref().is_none_or(|s| s.keyword != Keyword::Run) {
                    continue;
                }
                if !posix_at(file, model, i, last_shell) {
                    continue;
                }
                if let Some(scripts) = model.other_scripts.get(i).filter(|s| !s.is_empty()) {
                    out.push(InstScripts::new(i, true, scripts));
                }
            }
            Keyword::Shell => last_shell = Some(i),
            _ => {}
        }
    }
    out
}

/// The entry of `runs` (as [`run_scripts`] returns them) for instruction `inst`.
pub(crate) fn run_at<'r, 'a>(runs: &'r [InstScripts<'a>], inst: usize) -> Option<&'r InstScripts<'a>> {
    runs.binary_search_by_key(&inst, |r| r.inst).ok().and_then(|k| runs.get(k))
}

/// The entries of `runs` (as [`run_scripts`] returns them) for the instructions in `insts`.
pub(crate) fn runs_in<'r, 'a>(runs: &'r [InstScripts<'a>], insts: &std::ops::Range<usize>) -> &'r [InstScripts<'a>] {
    let lo = runs.partition_point(|r| r.inst < insts.start);
    let hi = runs.partition_point(|r| r.inst < insts.end).max(lo);
    runs.get(lo..hi).unwrap_or_default()
}

/// Whether instruction `at` runs under a POSIX shell: its stage's base says so
/// and no earlier `SHELL` in the stage switched to another shell. `last_shell`
/// is the latest SHELL instruction before `at` in the file.
fn posix_at(file: &Dockerfile, model: &Model, at: usize, last_shell: Option<usize>) -> bool {
    let Some(stage) = model.stage_of.get(at).copied().flatten().and_then(|s| model.stages.get(s)) else {
        return true;
    };
    let shell = last_shell
        .filter(|&i| i >= stage.body.start && i < at.min(stage.body.end))
        .and_then(|i| file.instructions.get(i));
    match shell {
        Some(sh) => sh.args.first().is_some_and(|a| {
            let exe = a.value.rsplit(['/', '\\']).next().unwrap_or(&a.value).to_ascii_lowercase();
            SHELLS.contains(&exe.trim_end_matches(".exe"))
        }),
        None => stage.posix_shell,
    }
}

/// Which options of a tool take a value (so the value is not taken for an operand).
#[derive(Clone, Copy)]
pub(crate) struct OptSpec<'a> {
    /// Short options (one letter after `-`) that take a value.
    pub short: &'a str,
    /// Long options (after `--`) that take a value.
    pub long: &'a [&'a str],
}

/// An option as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Opt<'w> {
    /// The name without dashes: one letter for short options.
    pub name: &'w str,
    /// The value, from `--name=value`, `-nVALUE` or the next word.
    pub value: Option<&'w str>,
    /// The word the option starts in.
    pub word: &'w Word,
}

/// Arguments split into options and operands.
#[derive(Clone, Debug, Default)]
pub(crate) struct Parsed<'w> {
    /// Options, in order.
    pub opts: Vec<Opt<'w>>,
    /// Operands (non-option words), in order; everything after `--` is one.
    pub operands: Vec<&'w Word>,
}

impl Parsed<'_> {
    /// Whether any option named in `names` was given.
    pub fn has(&self, names: &[&str]) -> bool {
        self.opts.iter().any(|o| names.contains(&o.name))
    }

    /// The value of the last option named in `names`.
    pub fn value(&self, names: &[&str]) -> Option<&str> {
        self.opts.iter().rev().find(|o| names.contains(&o.name)).and_then(|o| o.value)
    }
}

/// Splits `args` GNU-style: `--name[=value]`, clustered short options (`-yq`,
/// `-tVALUE`, `-t VALUE`), `--` ending the options, and `-` as an operand.
pub(crate) fn parse_args<'w>(args: &'w [Word], spec: OptSpec<'_>) -> Parsed<'w> {
    // Every word but an option's value is an operand at most: one allocation instead of growing.
    let mut out = Parsed { opts: Vec::new(), operands: Vec::with_capacity(args.len()) };
    split_args(
        args,
        spec,
        |o| out.opts.push(o),
        |w| {
            out.operands.push(w);
            true
        },
    );
    out
}

/// The first operand of `args`, as [`parse_args`] splits them (without collecting the rest): a
/// subcommand.
pub(crate) fn first_operand<'w>(args: &'w [Word], spec: OptSpec<'_>) -> Option<&'w Word> {
    let [first] = first_operands::<1>(args, spec);
    first
}

/// The first `N` operands of `args`, as [`parse_args`] splits them (without collecting the rest).
pub(crate) fn first_operands<'w, const N: usize>(args: &'w [Word], spec: OptSpec<'_>) -> [Option<&'w Word>; N] {
    let mut out = [None; N];
    let mut n = 0;
    split_args(
        args,
        spec,
        |_| {},
        |w| {
            if let Some(slot) = out.get_mut(n) {
                *slot = Some(w);
            }
            n += 1;
            n < N
        },
    );
    out
}

/// [`parse_args`]'s reader: hands each option to `opt` and each operand to `operand`, in order, until
/// `operand` returns `false`.
fn split_args<'w>(
    args: &'w [Word],
    spec: OptSpec<'_>,
    mut opt: impl FnMut(Opt<'w>),
    mut operand: impl FnMut(&'w Word) -> bool,
) {
    // Whether the short option `c` takes a value (the spec's letters are ASCII; a byte search is cheaper).
    let takes_value = |c: char| match u8::try_from(c) {
        Ok(b) if b.is_ascii() => spec.short.as_bytes().contains(&b),
        _ => spec.short.contains(c),
    };
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        let t = w.text.as_str();
        if t == "--" {
            for w in args.get(i..).unwrap_or_default() {
                if !operand(w) {
                    return;
                }
            }
            return;
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None if spec.long.contains(&long) => {
                    let v = args.get(i).map(|n| n.text.as_str());
                    i += 1;
                    (long, v)
                }
                None => (long, None),
            };
            opt(Opt { name, value, word: w });
            continue;
        }
        let Some(cluster) = t.strip_prefix('-').filter(|c| !c.is_empty()) else {
            if !operand(w) {
                return;
            }
            continue;
        };
        for (at, c) in cluster.char_indices() {
            let name = cluster.get(at..at + c.len_utf8()).unwrap_or_default();
            let rest = cluster.get(at + c.len_utf8()..).unwrap_or_default();
            if c == '=' {
                break;
            }
            if takes_value(c) || rest.starts_with('=') {
                let value = if let Some(v) = rest.strip_prefix('=') {
                    Some(v)
                } else if !rest.is_empty() {
                    Some(rest)
                } else if takes_value(c) {
                    let v = args.get(i).map(|n| n.text.as_str());
                    i += 1;
                    v
                } else {
                    None
                };
                opt(Opt { name, value, word: w });
                break;
            }
            opt(Opt { name, value: None, word: w });
        }
    }
}

/// The arguments after `pip` when the command `name args` runs pip (see [`RunCmd::pip_args`]).
fn pip_args<'w>(name: &str, args: &'w [Word]) -> Option<&'w [Word]> {
    // Every name that runs pip starts with `p` or `u`; most commands do not.
    if !matches!(name.as_bytes().first(), Some(b'p' | b'u')) {
        return None;
    }
    if is_pip(name) {
        return Some(args);
    }
    if name == "uv" {
        return args.first().filter(|w| w.text == "pip").map(|_| args.get(1..).unwrap_or_default());
    }
    if is_python(name) {
        // `python [-u -B -W x …] -m pip …`
        let mut i = 0;
        while let Some(w) = args.get(i) {
            let t = w.text.as_str();
            if t == "-m" {
                return args.get(i + 1).filter(|m| is_pip(&m.text)).map(|_| args.get(i + 2..).unwrap_or_default());
            }
            if let Some(m) = t.strip_prefix("-m") {
                return is_pip(m).then(|| args.get(i + 1..).unwrap_or_default());
            }
            if !t.starts_with('-') || t == "-c" {
                return None;
            }
            i += if matches!(t, "-W" | "-X") { 2 } else { 1 };
        }
    }
    None
}

/// `pip`, `pip3`, `pip3.12`.
fn is_pip(name: &str) -> bool {
    name.strip_prefix("pip").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `python`, `python3`, `python3.12`.
pub(crate) fn is_python(name: &str) -> bool {
    name.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Whether a word's value is unknown to a linter: it holds a variable or a
/// command substitution.
pub(crate) fn is_dynamic(text: &str) -> bool {
    text.contains('$') || text.contains('`')
}

/// Whether `text` ends with `suffix`, ignoring ASCII case (file extensions).
pub(crate) fn ends_with_ci(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len() && text.get(text.len() - suffix.len()..).is_some_and(|t| t.eq_ignore_ascii_case(suffix))
}

/// `a`, `a` and `b`, `a`, `b` and 3 more: a short list of backticked names.
pub(crate) fn list(names: &[&str]) -> String {
    const SHOWN: usize = 3;
    // Written into one string (a message is built for every finding of the rules that list names).
    let shown = names.len().min(SHOWN);
    let mut out = String::with_capacity(names.iter().take(SHOWN).map(|n| n.len() + 4).sum::<usize>() + 12);
    for (i, n) in names.iter().take(SHOWN).enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == shown && names.len() <= SHOWN { " and " } else { ", " });
        }
        out.push('`');
        out.push_str(n);
        out.push('`');
    }
    if names.len() > SHOWN {
        out.push_str(" and ");
        out.push_str(&(names.len() - SHOWN).to_string());
        out.push_str(" more");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::model::{ScriptOrigin, shell};
    use crate::lint::parser::{JoinedText, Segments, parse};

    const NONE: OptSpec<'static> = OptSpec { short: "", long: &[] };

    fn words(src: &str) -> Vec<Word> {
        shell::parse_script(src)
            .commands
            .into_iter()
            .next()
            .map(|c| c.argv.into_iter().skip(1).collect())
            .unwrap_or_default()
    }

    fn operands(src: &str, spec: OptSpec<'_>) -> Vec<String> {
        let w = words(src);
        parse_args(&w, spec).operands.iter().map(|w| w.text.clone()).collect()
    }

    #[test]
    fn options_and_operands() {
        let spec = OptSpec { short: "to", long: &["target-release", "option"] };
        assert_eq!(
            operands("x -yqq --no-install-recommends -t bookworm install a -o Dpkg::X=1 --option y b", spec),
            ["install", "a", "b"]
        );
        assert_eq!(operands("x -tbookworm install --target-release=sid a", spec), ["install", "a"]);
        assert_eq!(operands("x install -- -weird - b", spec), ["install", "-weird", "-", "b"]);
        assert_eq!(operands("x -q=2 install a", NONE), ["install", "a"]);
        let w = words("x -yt sid --config-file=c --flag");
        let p = parse_args(&w, OptSpec { short: "t", long: &[] });
        assert_eq!(p.value(&["t"]), Some("sid"));
        assert_eq!(p.value(&["config-file"]), Some("c"));
        assert!(p.has(&["y"]) && p.has(&["flag"]) && !p.has(&["q"]));
        assert!(p.operands.is_empty());
    }

    proptest::proptest! {
        /// `first_operand` is the first of `parse_args`'s operands.
        #[test]
        fn first_operand_is_parse_args_first(src in "x( (-[a-z=]{0,3}|--[a-z]{0,3}(=[a-z]{0,2})?|--|-|[a-z]{1,3}|-\u{e9}t|t)){0,8}") {
            let w = words(&src);
            let spec = OptSpec { short: "t\u{e9}", long: &["ab", "c"] };
            let parsed = parse_args(&w, spec);
            proptest::prop_assert_eq!(first_operand(&w, spec).map(|w| &w.text), parsed.operands.first().map(|w| &w.text));
            let [a, b] = first_operands::<2>(&w, spec);
            proptest::prop_assert_eq!(a.map(|w| &w.text), parsed.operands.first().map(|w| &w.text));
            proptest::prop_assert_eq!(b.map(|w| &w.text), parsed.operands.get(1).map(|w| &w.text));
            let none = OptSpec { short: "", long: &[] };
            proptest::prop_assert_eq!(first_operand(&w, none).map(|w| &w.text), parse_args(&w, none).operands.first().map(|w| &w.text));
        }
    }

    #[test]
    fn value_option_at_the_end_takes_nothing() {
        let w = words("x -t");
        let p = parse_args(&w, OptSpec { short: "t", long: &[] });
        assert_eq!(p.opts.len(), 1);
        assert_eq!(p.opts[0].value, None);
    }

    /// [`list`] as it was first written: the reference it must agree with.
    fn list_by_format(names: &[&str]) -> String {
        const SHOWN: usize = 3;
        let quoted: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
        match names.len() {
            0 => String::new(),
            1 => quoted.concat(),
            n if n <= SHOWN => {
                let (last, first) = quoted.split_last().map_or((String::new(), &[][..]), |(l, f)| (l.clone(), f));
                format!("{} and {last}", first.join(", "))
            }
            n => format!("{} and {} more", quoted.join(", "), n - SHOWN),
        }
    }

    proptest::proptest! {
        #[test]
        fn list_agrees_with_format(names in proptest::collection::vec("[a-z`]{0,4}", 0..7)) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(list(&names), list_by_format(&names));
        }
    }

    #[test]
    fn lists() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b"]), "`a` and `b`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(list(&["a", "b", "c", "d", "e"]), "`a`, `b`, `c` and 2 more");
    }

    fn gathered(src: &str) -> Vec<(usize, bool, Vec<String>)> {
        let (file, _) = parse(src);
        let model = Model::build(&file, None);
        run_scripts(&file, &model)
            .iter()
            .map(|s| {
                let cmds = s.commands().iter().map(|c| c.range().slice(src).to_string()).collect();
                (s.inst, s.onbuild, cmds)
            })
            .collect()
    }

    #[test]
    fn onbuild_and_exec_form_are_gathered() {
        let src = "FROM alpine:3\nONBUILD RUN apk add \\\n    curl && make\nRUN [\"apk\", \"add\", \"git\"]\nRUN [\"sh\", \"-c\", \"curl x | sh\"]\nRUN echo hi\n";
        assert_eq!(
            gathered(src),
            [
                (1, true, vec!["apk add \\\n    curl".to_string(), "make".to_string()]),
                (2, false, vec!["\"apk\", \"add\", \"git\"".to_string()]),
                (3, false, vec!["\"sh\", \"-c\", \"curl x | sh\"".to_string(), "curl x".into(), "sh".into()]),
                (4, false, vec!["echo hi".to_string()]),
            ]
        );
    }

    #[test]
    fn non_posix_shells_are_skipped() {
        let src = "FROM alpine:3\nSHELL [\"pwsh\", \"-c\"]\nONBUILD RUN apk add x\nRUN [\"apk\", \"add\", \"y\"]\nSHELL [\"/bin/sh\", \"-c\"]\nONBUILD RUN apk add z\n";
        let got = gathered(src);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 5);
    }

    #[test]
    fn assignments_before_and_inside_env() {
        let s = shell::parse_script("A=1 env B=2 yarn install");
        let script = RunScript {
            text: String::new(),
            script: s.clone(),
            map: JoinedText { text: String::new(), segments: Segments::one((0, 0)) },
            origin: ScriptOrigin::ShellForm,
        };
        let c = RunCmd::new(&script, &s.commands[0]);
        assert_eq!(c.name(), "yarn");
        assert_eq!(c.assignment("A"), Some("1"));
        assert_eq!(c.assignment("B"), Some("2"));
        assert_eq!(c.assignment("C"), None);
    }
}
