//! Shell scripts of RUN instructions, parsed with brush-parser into simple
//! commands with argv and byte spans (placeholder).

use crate::lint::source::TextRange;

/// A parsed shell script.
#[derive(Clone, Debug, Default)]
pub struct Script {
    /// Every simple command, in source order, including those in pipelines,
    /// `&&`/`||` chains, subshells, groups, loops, conditionals, functions and
    /// command substitutions.
    pub commands: Vec<SimpleCommand>,
    /// Pipelines of two or more commands, as indexes into `commands`.
    pub pipelines: Vec<Vec<usize>>,
    /// Why the script could not be parsed, if it could not.
    pub error: Option<String>,
}

/// One simple command.
#[derive(Clone, Debug, Default)]
pub struct SimpleCommand {
    /// The command name and its arguments (assignments before the name excluded).
    pub argv: Vec<Word>,
    /// Span of the whole command in the script.
    pub range: TextRange,
}

/// A shell word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes removed; expansions are kept literally.
    pub text: String,
    /// Span in the script (bytes).
    pub range: TextRange,
}

/// Parses a script (placeholder).
pub fn parse_script(_src: &str) -> Script {
    Script::default()
}
