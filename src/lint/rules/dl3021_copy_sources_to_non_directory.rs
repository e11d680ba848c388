use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `COPY` instructions with more than one source (shell or JSON form,
    /// flags not counted) whose destination does not end with `/`. A destination
    /// that ends with a variable (`$DEST`, `${DEST}`) is skipped: its value may
    /// end with `/`.
    ///
    /// ## Why is this bad?
    /// Several sources can only go into a directory, and BuildKit requires the
    /// destination to say so with a trailing `/`: the build fails with "When
    /// using COPY with more than one source file, the destination must be a
    /// directory and end with a /".
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY package.json package-lock.json /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY package.json package-lock.json /app/
    /// ```
    ///
    /// ## References
    /// hadolint DL3021.
    pub struct CopySourcesToNonDirectory { code: "DL3021", name: "copy-sources-to-non-directory", tag: None, severity: Error, fix: None }
}

impl Rule for CopySourcesToNonDirectory {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Copy || inst.args.len() <= 2 {
            return;
        }
        let Some(dest) = inst.args.last() else {
            return;
        };
        let path = dest.value.trim_matches(['"', '\'']);
        if path.ends_with(['/', '\\']) || ends_with_variable(path) {
            return;
        }
        let sources = inst.args.len() - 1;
        cx.report(self, dest.range, format!("`COPY` of {sources} sources needs a directory destination ending in `/`"))
            .help(format!("write the destination as `{path}/`; BuildKit refuses several sources into `{path}`"));
    }
}

/// `…$NAME` or `…${…}` at the end.
fn ends_with_variable(path: &str) -> bool {
    if path.ends_with('}') {
        return path.contains("${");
    }
    let tail = path.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    tail.ends_with('$') && tail.len() < path.len()
}

#[cfg(test)]
mod tests {
    use super::ends_with_variable;

    #[test]
    fn trailing_variables() {
        assert!(ends_with_variable("$DEST") && ends_with_variable("/srv/${APP}") && ends_with_variable("/x/$d_1"));
        assert!(!ends_with_variable("/app") && !ends_with_variable("$HOME/app") && !ends_with_variable("/x$"));
    }
}
