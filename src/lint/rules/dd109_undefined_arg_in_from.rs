use crate::lint::HashSet;

use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::{PLATFORM_ARGS, expand};
use crate::lint::parser::Keyword;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds a `FROM` whose image or `--platform` uses a variable that no
    /// `ARG` before the first `FROM` declares (and that is not one of
    /// `BuildKit`'s automatic platform ARGs such as `TARGETPLATFORM`). This is
    /// `BuildKit`'s `UndefinedArgInFrom` check.
    ///
    /// ## Why is this bad?
    /// `FROM` sees only global ARGs. An undeclared variable expands to an
    /// empty string, so `FROM node:${NODE_VERSION}-slim` becomes
    /// `FROM node:-slim` and the build fails or, worse, `FROM ${BASE}` pulls
    /// something other than intended when the ARG is declared only inside a
    /// stage. It is usually a typo or an ARG placed after the first `FROM`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:${NODE_VERSION}-slim
    /// ARG NODE_VERSION=22
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG NODE_VERSION=22
    /// FROM node:${NODE_VERSION}-slim
    /// ```
    pub struct UndefinedArgInFrom { code: "DD109", name: "undefined-arg-in-from", tag: None, severity: Warning, fix: None }
}

impl Rule for UndefinedArgInFrom {
    fn check_file(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        // Built when a FROM first uses a variable (most use none).
        let mut declared: Option<HashSet<&str>> = None;
        let escape = model.escape;
        let mut found: Vec<(TextRange, String)> = Vec::new();
        for inst in cx.file.instructions.iter().filter(|i| i.keyword == Keyword::From) {
            let image = inst.args.first().map(|a| (a.value.as_str(), a.range));
            let platform = inst.flag("platform").and_then(|f| Some((f.value.as_deref()?, f.value_range?)));
            for (text, range) in image.into_iter().chain(platform) {
                if !text.contains('$') {
                    continue;
                }
                let declared = declared.get_or_insert_with(|| {
                    model
                        .global_args
                        .iter()
                        .map(|a| a.name.as_str())
                        .chain(PLATFORM_ARGS.iter().map(|(n, _)| *n))
                        .collect()
                });
                let lookup = |name: &str| declared.contains(name).then(String::new);
                for name in expand::expand(text, escape, &lookup).unset {
                    found.push((range, name));
                }
            }
        }
        let Some(declared) = declared else { return };
        for (range, name) in found {
            let similar =
                declared.iter().find(|d| d.eq_ignore_ascii_case(&name)).map(|d| format!(" (did you mean `{d}`?)"));
            cx.report(self, range, format!("`{name}` is used in FROM but no ARG before the first FROM declares it"))
                .help(format!("declare `ARG {name}=<default>` above the first FROM{}", similar.unwrap_or_default()));
        }
    }
}
