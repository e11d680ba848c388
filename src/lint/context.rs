//! What a rule sees while it runs, and where it reports.

use std::borrow::Cow;

use super::LintInput;
use super::diagnostic::{Diagnostic, Fix};
use super::model::Model;
use super::model::shell::{self, Script};
use super::parser::Keyword;
use super::parser::{Dockerfile, dockerignore::DockerIgnore};
use super::rules::Rule;
use super::rules::commands::{self, InstScripts};
use super::settings::Settings;
use super::source::TextRange;

/// The build context's `.dockerignore`, as far as the caller knows it.
#[derive(Clone, Copy, Debug, Default)]
pub enum ContextIgnore<'a> {
    /// The build context is not known (stdin without `--context`): rules that
    /// need it stay silent.
    #[default]
    Unknown,
    /// The context has no `.dockerignore`.
    Missing,
    /// The context's `.dockerignore` text.
    Present(&'a str),
    /// The context's `.dockerignore`, already parsed: a caller linting many
    /// Dockerfiles of one context parses it once.
    Parsed(&'a DockerIgnore),
}

/// The state rules read and report into.
pub struct Context<'a> {
    /// The file's text.
    pub src: &'a str,
    /// The caller's input.
    pub input: &'a LintInput<'a>,
    /// The syntax tree.
    pub file: &'a Dockerfile,
    /// The semantic model.
    pub model: &'a Model,
    /// The build context's `.dockerignore`, parsed, when present.
    pub dockerignore: Option<&'a DockerIgnore>,
    /// Settings in force.
    pub settings: &'a Settings,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The RUN scripts of the file, gathered once for every rule that reads them.
    run_scripts: std::cell::OnceCell<std::rc::Rc<Vec<InstScripts<'a>>>>,
    /// Shell-form RUNs with no POSIX script, split into words as a shell would, by instruction index.
    word_split_runs: std::cell::OnceCell<std::rc::Rc<Vec<(usize, Script)>>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        input: &'a LintInput<'a>,
        file: &'a Dockerfile,
        model: &'a Model,
        dockerignore: Option<&'a DockerIgnore>,
        settings: &'a Settings,
    ) -> Self {
        Self {
            src: input.source,
            input,
            file,
            model,
            dockerignore,
            settings,
            diagnostics: Vec::new(),
            run_scripts: std::cell::OnceCell::new(),
            word_split_runs: std::cell::OnceCell::new(),
        }
    }

    /// The scripts of every `RUN` and `ONBUILD RUN` ([`commands::run_scripts`]), gathered on first use
    /// and shared: some fifty rules read them, and gathering parses exec-form and `ONBUILD` scripts.
    /// An `Rc`, so a rule can hold them while it reports.
    pub(crate) fn run_scripts(&self) -> std::rc::Rc<Vec<InstScripts<'a>>> {
        std::rc::Rc::clone(
            self.run_scripts.get_or_init(|| std::rc::Rc::new(commands::run_scripts(self.file, self.model))),
        )
    }

    /// Shell-form `RUN`s that [`Self::run_scripts`] leaves out (stages whose shell is PowerShell or
    /// `cmd`), parsed as a POSIX shell would split them: hadolint counts and finds commands in them that
    /// way. Parsed once, on first use, for the rules that ask (DL3003, DL3059).
    pub(crate) fn word_split_runs(&self) -> std::rc::Rc<Vec<(usize, Script)>> {
        let runs = self.run_scripts();
        std::rc::Rc::clone(self.word_split_runs.get_or_init(|| {
            let parsed: Vec<(usize, Script)> = self
                .file
                .instructions
                .iter()
                .enumerate()
                .filter(|(i, inst)| inst.keyword == Keyword::Run && !inst.json && commands::run_at(&runs, *i).is_none())
                .filter_map(|(i, inst)| inst.args.first().map(|arg| (i, shell::split_words(&arg.value))))
                .collect();
            std::rc::Rc::new(parsed)
        }))
    }

    /// Reports a finding of `rule` at `range`.
    pub fn report(&mut self, rule: &dyn Rule, range: TextRange, message: impl Into<String>) -> &mut Diagnostic {
        let meta = rule.meta();
        self.diagnostics.push(Diagnostic {
            code: Cow::Borrowed(meta.code),
            tag: meta.tag,
            severity: meta.severity,
            message: message.into(),
            help: None,
            range,
            fix: None,
        });
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }
}

impl Diagnostic {
    /// Sets the help text.
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches a fix.
    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }
}
