use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds stages with no `HEALTHCHECK`: not their own, not one from the
    /// earlier stage they are built `FROM`, and not one in a later stage built
    /// on them (a shared base stage is not an image of its own). The rule is off by default, as in
    /// hadolint: switch it on with `rules: {DL3057: on}` in `.drydock.yml` or
    /// hadolint's `override` in `.hadolint.yaml`. DD080 is the default-on
    /// variant that looks only at final stages that run a service.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker and Compose only know whether the main
    /// process runs, not whether it works: a server that hangs or lost its
    /// database keeps receiving traffic.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27.0
    /// COPY site/ /usr/share/nginx/html/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27.0
    /// COPY site/ /usr/share/nginx/html/
    /// HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
    /// ```
    ///
    /// ## References
    /// hadolint DL3057 (same code and meaning; hadolint's default severity is
    /// `ignore`, here the rule is off by default and reports at `info`).
    pub struct MissingHealthcheck { code: "DL3057", name: "missing-healthcheck", tag: None, severity: Info, fix: None, default: off }
}

impl Rule for MissingHealthcheck {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let parent = |s: &crate::lint::model::Stage| match s.base {
            Base::Stage(j) => Some(j),
            _ => None,
        };
        let mut has: Vec<bool> = model
            .stages
            .iter()
            .map(|s| s.body.clone().filter_map(|i| file.instructions.get(i)).any(|i| i.keyword == Keyword::Healthcheck))
            .collect();
        // From parents to children, then from children back to their parents.
        for s in &model.stages {
            if let Some(j) = parent(s)
                && has.get(j).copied().unwrap_or(false)
                && let Some(slot) = has.get_mut(s.index)
            {
                *slot = true;
            }
        }
        for s in model.stages.iter().rev() {
            if has.get(s.index).copied().unwrap_or(false)
                && let Some(slot) = parent(s).and_then(|j| has.get_mut(j))
            {
                *slot = true;
            }
        }
        for stage in &model.stages {
            if has.get(stage.index).copied().unwrap_or(false) {
                continue;
            }
            let Some(from) = file.instructions.get(stage.from) else { continue };
            cx.report(self, from.name_range, "this stage has no `HEALTHCHECK`")
                .help("add `HEALTHCHECK CMD …` that probes the service, or `HEALTHCHECK NONE` to say there is none");
        }
    }
}
