use crate::lint::HashSet;

use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a build stage that nothing can ever use: it has no name (so
    /// `--target` cannot select it and no `FROM` can build on it), it is not
    /// the last stage, and no `COPY --from=<index>` or
    /// `RUN --mount=from=<index>` refers to it.
    ///
    /// Named stages that nothing refers to are not reported: they may be
    /// build targets (`docker build --target test`).
    ///
    /// ## Why is this bad?
    /// `BuildKit` skips stages the target does not need, so the stage is
    /// dead code: whatever it was meant to produce never reaches the image,
    /// and readers spend time on it. It is often a leftover after a `COPY
    /// --from` was removed, or a stage meant to be named.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-slim
    /// RUN npm ci && npm run build
    /// FROM nginx:1.27-alpine
    /// COPY dist /usr/share/nginx/html
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-slim AS build
    /// RUN npm ci && npm run build
    /// FROM nginx:1.27-alpine
    /// COPY --from=build /app/dist /usr/share/nginx/html
    /// ```
    pub struct UnusedStage { code: "DD362", name: "unused-stage", tag: None, severity: Warning, fix: None }
}

impl Rule for UnusedStage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let Some(last) = model.stages.len().checked_sub(1) else { return };
        // Only a stage without a name that is not the last can be reported: most files have none, and their
        // references need not be read.
        if !model.stages.iter().any(|s| s.name.is_none() && s.index != last) {
            return;
        }
        let mut used: HashSet<usize> = HashSet::default();
        for (i, inst) in file.instructions.iter().enumerate() {
            let inst = inst.effective();
            let mut values: Vec<String> = Vec::new();
            if matches!(inst.keyword, Keyword::Copy | Keyword::Add)
                && let Some(v) = inst.flag("from").and_then(|f| f.value.clone())
            {
                values.push(v);
            }
            if inst.keyword == Keyword::Run {
                for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("mount")) {
                    let Some(v) = &flag.value else { continue };
                    values.extend(v.split(',').filter_map(|field| {
                        let (k, v) = field.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("from").then(|| v.trim_matches(['"', '\'']).to_string())
                    }));
                }
            }
            for v in values {
                // A variable could name any stage: assume each one is used.
                if v.contains('$') {
                    return;
                }
                if let Some(s) = model.stage_ref(&v, i) {
                    used.insert(s);
                }
            }
        }
        let mut found = Vec::new();
        for stage in &model.stages {
            if stage.name.is_some() || stage.index == last || used.contains(&stage.index) {
                continue;
            }
            if let Some(from) = file.instructions.get(stage.from) {
                let range = from.args.first().map_or(from.name_range, |a| from.name_range.cover(a.range));
                found.push((range, stage.index));
            }
        }
        for (range, index) in found {
            cx.report(self, range, format!("stage {index} has no name and no later stage uses it"))
                .help("name the stage and `COPY --from=<name>` what the image needs from it, or delete the stage");
        }
    }
}
