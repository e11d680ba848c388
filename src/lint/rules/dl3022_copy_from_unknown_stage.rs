use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds `COPY --from=<name>` where `<name>` is neither a stage defined
    /// earlier in the file nor the index of one, and does not look like an image
    /// reference either (it has no `/`, `:`, `@` or `.`). Such a name is most
    /// likely a misspelt stage name, or a stage defined further down. Values
    /// built from variables are skipped.
    ///
    /// ## Why is this bad?
    /// BuildKit treats an unknown `--from` name as an image (or a named build
    /// context) and pulls it: a typo such as `--from=biuld` then fails with a
    /// registry error, or worse, copies from a public image of that name. A bare
    /// image name without a tag is also unpinned.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22.5 AS build
    /// RUN go build -o /out/app ./cmd/app
    ///
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=biuld /out/app /app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22.5 AS build
    /// RUN go build -o /out/app ./cmd/app
    ///
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY --from=build /out/app /app
    /// ```
    ///
    /// ## References
    /// hadolint DL3022. Like hadolint, a reference with a tag, digest or registry
    /// (`busybox:1.36`, `ghcr.io/o/tool`) is taken as an image and not reported.
    pub struct CopyFromUnknownStage { code: "DL3022", name: "copy-from-unknown-stage", tag: None, severity: Warning, fix: None }
}

impl Rule for CopyFromUnknownStage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for (i, inst) in file.instructions.iter().enumerate() {
            if inst.keyword != Keyword::Copy {
                continue;
            }
            let Some(flag) = inst.flag("from") else {
                continue;
            };
            let (Some(name), Some(range)) = (flag.value.as_deref(), flag.value_range) else {
                continue;
            };
            if name.is_empty() || name.contains('$') || model.stage_ref(name, i).is_some() {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            let later = model.stages.iter().find(|s| s.from > i && s.name.as_deref() == Some(lower.as_str()));
            if let Ok(index) = name.parse::<usize>() {
                let (msg, help) = if model.stages.get(index).is_some() {
                    (
                        format!("`--from={name}` names a stage defined after this instruction"),
                        "copy from a stage defined above this one, or move that stage up".to_string(),
                    )
                } else {
                    (
                        format!("`--from={name}`: the file has no stage with index {name}"),
                        format!("stages are numbered from 0 in file order; this file has {}", model.stages.len()),
                    )
                };
                cx.report(self, range, msg).help(help);
                continue;
            }
            if name.contains(['/', ':', '@', '.']) {
                continue;
            }
            if let Some(stage) = later {
                let line = file.instructions.get(stage.from).map_or(0, |f| f.start_line);
                cx.report(self, range, format!("`--from={name}` names a stage defined later, on line {line}"))
                    .help(format!("move the `{lower}` stage above the one that copies from it"));
                continue;
            }
            let earlier: Vec<&str> =
                model.stages.iter().filter(|s| s.from < i).filter_map(|s| s.name.as_deref()).collect();
            let diag = cx.report(self, range, format!("`--from={name}` is not a stage defined earlier in the file"));
            match closest(&lower, &earlier) {
                Some(best) => diag.help(format!("did you mean the stage `{best}`?")),
                None => diag.help(format!(
                    "name a stage `AS {lower}` above this line, or if `{name}` is an image give it a tag and digest"
                )),
            };
        }
    }
}

/// The stage name within edit distance 2 of `word` (the nearest), if any.
fn closest<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    names.iter().map(|n| (distance(word, n), *n)).filter(|&(d, _)| d <= 2).min_by_key(|&(d, _)| d).map(|(_, n)| n)
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::{closest, distance};

    #[test]
    fn nearest_stage_name() {
        assert_eq!(distance("biuld", "build"), 2);
        assert_eq!(closest("buidl", &["base", "build"]), Some("build"));
        assert_eq!(closest("runtime", &["base", "build"]), None);
    }
}
