use crate::lint::HashMap;

use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Dockerfile, Keyword};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds stage names (`FROM image AS Name`) that are not all lowercase.
    ///
    /// ## Why is this bad?
    /// BuildKit lowercases stage names, so `FROM Builder`, `COPY --from=BUILDER`
    /// and `docker build --target builder` all mean the same stage. Writing the
    /// name in another case suggests a distinction that does not exist, and
    /// invites a second stage that differs only in case.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22.5 AS Builder
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=Builder /app /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22.5 AS builder
    /// FROM gcr.io/distroless/static-debian12
    /// COPY --from=builder /app /app
    /// ```
    ///
    /// ## Fix safety
    /// The fix lowercases the name and every later reference to it (`FROM
    /// Name`, `COPY --from=Name`, `RUN --mount=…,from=Name`) and is safe:
    /// BuildKit looks stage names up in lowercase. References built from
    /// variables are left as they are (BuildKit lowercases them too). No fix
    /// is offered when another stage has the same name in another case.
    /// `--target` arguments outside the file need no change.
    ///
    /// ## References
    /// BuildKit's `StageNameCasing` check.
    pub struct StageNameCasing { code: "DD103", name: "stage-name-casing", tag: None, severity: Style, fix: Safe }
}

impl Rule for StageNameCasing {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model, src) = (cx.file, cx.model, cx.src);
        // Counted once, so a file of many stages stays linear.
        let mut named: HashMap<&str, usize> = HashMap::default();
        for name in model.stages.iter().filter_map(|s| s.name.as_deref()) {
            *named.entry(name).or_default() += 1;
        }
        let mut refs: Option<HashMap<String, Vec<(usize, TextRange)>>> = None;
        for stage in &model.stages {
            let Some(range) = stage.name_range else { continue };
            let Some(inst) = file.instructions.get(stage.from) else { continue };
            if inst.args.len() != 3 {
                continue; // BuildKit checks `FROM image AS name` only
            }
            let written = range.slice(src);
            let lower = written.to_ascii_lowercase();
            if written == lower {
                continue;
            }
            let unique = named.get(lower.as_str()) == Some(&1);
            let diag = cx
                .report(self, range, format!("stage name `{written}` is not lowercase"))
                .help(format!("write `{lower}`; BuildKit lowercases stage names anyway"));
            if unique {
                let refs = refs.get_or_insert_with(|| references(file, src));
                let mut edits = vec![Edit::replace(range, lower.clone())];
                edits.extend(
                    refs.get(&lower)
                        .into_iter()
                        .flatten()
                        .filter(|(at, _)| *at > stage.from)
                        .map(|(_, r)| Edit::replace(*r, lower.clone())),
                );
                diag.fix(Fix::safe(edits));
            }
        }
    }
}

/// The stage references not written in lowercase, by their lowercased text, each with its instruction
/// index, in file order: `FROM name`, `COPY --from=name` and `RUN --mount=…,from=name` (not under ONBUILD,
/// which runs in other builds).
fn references(file: &Dockerfile, src: &str) -> HashMap<String, Vec<(usize, TextRange)>> {
    let mut out: HashMap<String, Vec<(usize, TextRange)>> = HashMap::default();
    for (i, inst) in file.instructions.iter().enumerate() {
        let mut push = |range: TextRange| {
            let text = range.slice(src);
            if text.bytes().any(|b| b.is_ascii_uppercase()) {
                out.entry(text.to_ascii_lowercase()).or_default().push((i, range));
            }
        };
        match inst.keyword {
            Keyword::From => {
                if let Some(image) = inst.args.first() {
                    push(image.range);
                }
            }
            Keyword::Copy | Keyword::Add => {
                for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("from")) {
                    if let Some(r) = flag.value_range {
                        push(r);
                    }
                }
            }
            Keyword::Run => {
                for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("mount")) {
                    let Some(r) = flag.value_range else { continue };
                    let text = r.slice(src);
                    let mut offset = 0usize;
                    for field in text.split(',') {
                        if let Some((k, v)) = field.split_once('=')
                            && k.trim().eq_ignore_ascii_case("from")
                        {
                            let at = r.start + to_u32(offset + k.len() + 1);
                            push(TextRange::new(at, at + to_u32(v.len())));
                        }
                        offset += field.len() + 1;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    #[test]
    fn lowercases_the_name_and_its_references() {
        let src = "FROM golang:1.22 AS Builder\nRUN go build\nFROM Builder AS Test\nCOPY --from=BUILDER /a /a\nRUN --mount=type=bind,from=Builder,target=/b true\nONBUILD COPY --from=Builder /x /x\nFROM alpine:3.20 AS ok\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD103"));
        assert_eq!(diags.len(), 2);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        let (fixed, _) =
            apply_safe_fixes(&fixed, &check(&LintInput::dockerfile("Dockerfile", &fixed), &Settings::only("DD103")));
        assert_eq!(
            fixed,
            "FROM golang:1.22 AS builder\nRUN go build\nFROM builder AS test\nCOPY --from=builder /a /a\nRUN --mount=type=bind,from=builder,target=/b true\nONBUILD COPY --from=Builder /x /x\nFROM alpine:3.20 AS ok\n"
        );
    }

    #[test]
    fn each_stage_fixes_only_its_own_later_references() {
        // `COPY --from=B` on line 2 comes before stage B: it names an image, not the stage, and stays.
        let src =
            "FROM a:1 AS A\nCOPY --from=B /x /x\nFROM b:1 AS B\nCOPY --from=A /y /y\nFROM A\nCOPY --from=B /z /z\n";
        let mut fixed = src.to_string();
        // Two passes: the two fixes interleave, so one pass applies the first only.
        for _ in 0..2 {
            let diags = check(&LintInput::dockerfile("Dockerfile", &fixed), &Settings::only("DD103"));
            fixed = apply_safe_fixes(&fixed, &diags).0;
        }
        assert_eq!(
            fixed,
            "FROM a:1 AS a\nCOPY --from=B /x /x\nFROM b:1 AS b\nCOPY --from=a /y /y\nFROM a\nCOPY --from=b /z /z\n"
        );
    }

    #[test]
    fn no_fix_when_names_differ_only_in_case() {
        let src = "FROM a:1 AS Build\nFROM b:1 AS build\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DD103"));
        assert_eq!(diags.len(), 1);
        assert!(diags[0].fix.is_none());
    }
}
