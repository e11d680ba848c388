use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds a comment directly above an `ARG` or a named `FROM … AS <name>`
    /// that does not start with the name it describes: `# <name>
    /// <description>`. This is `BuildKit`'s experimental
    /// `InvalidDefinitionDescription` check and, like it, is off until
    /// switched on (`rules: {DD112: on}`). Ignore pragmas (`# hadolint
    /// ignore=…`) are not descriptions and are skipped.
    ///
    /// ## Why is this bad?
    /// Tools such as `docker buildx build --call=outline` read the comment
    /// right above a build argument or a stage as its description when it
    /// starts with the name. A comment in another form is not shown, and a
    /// comment meant as a note reads as a description to such tools.
    ///
    /// ## Example
    /// ```dockerfile
    /// # The Go version to build with
    /// ARG GO_VERSION=1.23
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # GO_VERSION is the Go version to build with
    /// ARG GO_VERSION=1.23
    /// ```
    pub struct InvalidDefinitionDescription { code: "DD112", name: "invalid-definition-description", tag: None, severity: Info, fix: None, default: off }
}

impl Rule for InvalidDefinitionDescription {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut found: Vec<(TextRange, String)> = Vec::new();
        for (i, inst) in file.instructions.iter().enumerate() {
            let names: Vec<String> = match inst.keyword {
                Keyword::Arg => model.args_of(i).iter().map(|d| d.name.clone()).collect(),
                Keyword::From => match inst.args.as_slice() {
                    [_, kw, name] if kw.value.eq_ignore_ascii_case("as") => vec![name.value.clone()],
                    _ => continue,
                },
                _ => continue,
            };
            let Some(comment) = file.comments.iter().find(|c| c.line + 1 == inst.start_line) else { continue };
            let text = comment.text.trim();
            let first = text.split_whitespace().next().unwrap_or_default();
            let pragma = ["hadolint", "drydock", "check=", "syntax=", "escape="].iter().any(|p| text.starts_with(p));
            if text.is_empty() || pragma || names.iter().any(|n| n == first) {
                continue;
            }
            if let Some(name) = names.first() {
                found.push((comment.range, name.clone()));
            }
        }
        for (range, name) in found {
            cx.report(self, range, format!("the comment above `{name}` does not start with `{name}`"))
                .help(format!("write the description as `# {name} <description>`, or leave a blank line after a note"));
        }
    }
}
