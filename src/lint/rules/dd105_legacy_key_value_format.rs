use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds `ENV` and `LABEL` instructions in the legacy `KEY value` form
    /// (a space instead of `=`).
    ///
    /// ## Why is this bad?
    /// The legacy form sets one variable whose value is the whole rest of the
    /// line, spaces included, so `ENV A 1 B 2` sets `A` to `1 B 2`. The
    /// `key=value` form reads the same everywhere, allows several pairs per
    /// instruction, and Docker marks the legacy form as deprecated.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV PATH /opt/app/bin:$PATH
    /// LABEL description A small image
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ENV PATH=/opt/app/bin:$PATH
    /// LABEL description="A small image"
    /// ```
    ///
    /// ## Fix safety
    /// The fix writes `key=value` and is safe: a value that is one word is
    /// kept as written; a value with blanks is wrapped in double quotes, which
    /// BuildKit reads as the same text (variables still expand; a value that
    /// spans continuation lines is joined before quotes are read). No fix is
    /// offered when such a value holds quotes or the escape character (quoting
    /// would change how they are read), or when a comment sits between the key
    /// and the value.
    ///
    /// ## References
    /// BuildKit's `LegacyKeyValueFormat` check.
    pub struct LegacyKeyValueFormat { code: "DD105", name: "legacy-key-value-format", tag: None, severity: Style, fix: Safe }
}

impl Rule for LegacyKeyValueFormat {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if !matches!(inst.keyword, Keyword::Env | Keyword::Label) {
            return;
        }
        let [key, value] = inst.args.as_slice() else { return };
        let src = cx.src;
        // The modern form ends the key at `=`; the legacy one at a blank.
        let after_key = src.get(key.range.end as usize..).and_then(|s| s.chars().next());
        if after_key.is_none_or(|c| c == '=') || value.range.start < key.range.end {
            return;
        }
        let keyword = inst.keyword.as_str();
        let escape = cx.file.escape;
        let diag = cx
            .report(
                self,
                inst.name_range.cover(key.range),
                ["`", keyword, " ", &key.value, " value` is the legacy form"].concat(),
            )
            .help(["write `", keyword, " ", &key.value, "=value`"].concat());
        let gap = TextRange::new(key.range.end, value.range.start);
        let gap_text = gap.slice(src);
        if gap_text.contains('#') {
            return;
        }
        let fix = if is_one_word(&value.value, escape) {
            Some(Fix::safe([Edit::replace(gap, "=")]))
        } else if !value.value.contains(['"', '\'', escape]) {
            // BuildKit joins continuation lines before it reads quotes, so quotes
            // around a value that spans lines enclose the same joined text.
            Some(Fix::safe([Edit::replace(gap, "=\""), Edit::insert(value.range.end, "\"")]))
        } else {
            None
        };
        if let Some(fix) = fix {
            diag.fix(fix);
        }
    }
}

/// Whether BuildKit's word splitter reads `value` as one word: no blank
/// outside quotes or after the escape character.
fn is_one_word(value: &str, escape: char) -> bool {
    let mut quote = None;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (q, e) if e == escape && q != Some('\'') => escaped = true,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => return false,
            _ => {}
        }
    }
    !value.is_empty()
}

#[cfg(test)]
mod tests {
    use super::is_one_word;
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    fn fix(src: &str) -> (usize, String) {
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD105"));
        (diags.len(), apply_safe_fixes(src, &diags).0)
    }

    #[test]
    fn words() {
        assert!(is_one_word("a", '\\') && is_one_word("\"a b\"", '\\') && is_one_word("a\\ b", '\\'));
        assert!(!is_one_word("a b", '\\') && !is_one_word("\"a\" b", '\\') && !is_one_word("", '\\'));
    }

    #[test]
    fn rewrites_the_legacy_form() {
        let src = "FROM a:1\nENV PATH /opt/bin:$PATH\nLABEL description A small image\nENV A=1 B=2\nENV Q \"x y\"\nLABEL x 'a b' c\nENV C \\\n    d\nENV DEPS \\\n    a \\\n    b\n";
        let (n, fixed) = fix(src);
        assert_eq!(n, 6);
        assert_eq!(
            fixed,
            "FROM a:1\nENV PATH=/opt/bin:$PATH\nLABEL description=\"A small image\"\nENV A=1 B=2\nENV Q=\"x y\"\nLABEL x 'a b' c\nENV C=d\nENV DEPS=\"a \\\n    b\"\n"
        );
    }
}
