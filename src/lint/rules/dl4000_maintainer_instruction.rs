use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds the `MAINTAINER` instruction.
    ///
    /// ## Why is this bad?
    /// `MAINTAINER` has been deprecated since Docker 1.13: it fills the image's
    /// legacy `Author` field, which tools no longer read. A `maintainer` label
    /// (or `org.opencontainers.image.authors`) is where the information is looked
    /// for today. BuildKit reports it as `MaintainerDeprecated`.
    ///
    /// ## Example
    /// ```dockerfile
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// LABEL maintainer="Jane Doe <jane@example.com>"
    /// ```
    ///
    /// ## Fix safety
    /// The fix replaces the instruction with `LABEL maintainer="…"` (in the
    /// keyword's letter case), escaping `"`, `$` and the escape character so
    /// the label holds the same text; one pair of quotes around the whole value
    /// is dropped. It is safe: no build step reads the `Author` field, and the
    /// label carries the same value. It is not offered for a `MAINTAINER`
    /// continued over several lines, whose comment lines it would drop.
    ///
    /// ## References
    /// hadolint DL4000; BuildKit's `MaintainerDeprecated` check.
    pub struct MaintainerInstruction { code: "DL4000", name: "maintainer-instruction", tag: None, severity: Error, fix: Safe }
}

impl Rule for MaintainerInstruction {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        if inst.keyword != Keyword::Maintainer {
            return;
        }
        let escape = cx.file.escape;
        let value = inst.args.first().map(|a| unquote(a.value.trim())).unwrap_or_default();
        let label = if inst.name.chars().all(|c| c.is_ascii_lowercase()) { "label" } else { "LABEL" };
        let replacement = format!("{label} maintainer=\"{}\"", escape_double_quoted(value, escape));
        let diag =
            cx.report(self, inst.name_range, "`MAINTAINER` is deprecated").help(format!("use `{replacement}` instead"));
        if !value.is_empty() && inst.start_line == inst.end_line {
            diag.fix(Fix::safe([Edit::replace(inst.range, replacement)]));
        }
    }
}

/// The value without one pair of matching quotes around it.
fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q))
            && !inner.contains(q)
        {
            return inner;
        }
    }
    value
}

/// Escapes what a double-quoted Dockerfile word would otherwise interpret.
fn escape_double_quoted(value: &str, escape: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '"' || c == '$' || c == escape {
            out.push(escape);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    fn fix(src: &str) -> String {
        let settings = Settings::only("DL4000");
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &settings);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        assert!(check(&LintInput::dockerfile("Dockerfile", &fixed), &settings).is_empty(), "{fixed}");
        fixed
    }

    #[test]
    fn fix_writes_an_escaped_label() {
        assert_eq!(
            fix("FROM alpine:3.20\nMAINTAINER Jane \"JD\" Doe <jane@example.com> $5 C:\\x\n"),
            "FROM alpine:3.20\nLABEL maintainer=\"Jane \\\"JD\\\" Doe <jane@example.com> \\$5 C:\\\\x\"\n"
        );
        assert_eq!(
            fix("from alpine:3.20\nmaintainer \"ops team\"\n"),
            "from alpine:3.20\nlabel maintainer=\"ops team\"\n"
        );
        assert_eq!(fix("# escape=`\nFROM a\nMAINTAINER a`b\n"), "# escape=`\nFROM a\nLABEL maintainer=\"a``b\"\n");
    }

    #[test]
    fn no_fix_over_continuation_lines() {
        let src = "FROM alpine:3.20\nMAINTAINER Jane \\\n  Doe\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL4000"));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }
}
