use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds stages with no `HEALTHCHECK`, neither their own nor one from the
    /// earlier stage they are built `FROM`. The rule is off by default, as in
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
        let mut has = vec![false; model.stages.len()];
        for stage in &model.stages {
            let inherited = match stage.base {
                Base::Stage(j) => has.get(j).copied().unwrap_or(false),
                _ => false,
            };
            let own = stage
                .body
                .clone()
                .filter_map(|i| file.instructions.get(i))
                .any(|inst| inst.keyword == Keyword::Healthcheck);
            if let Some(slot) = has.get_mut(stage.index) {
                *slot = inherited || own;
            }
            if inherited || own {
                continue;
            }
            let Some(from) = file.instructions.get(stage.from) else { continue };
            cx.report(self, from.name_range, "this stage has no `HEALTHCHECK`")
                .help("add `HEALTHCHECK CMD …` that probes the service, or `HEALTHCHECK NONE` to say there is none");
        }
    }
}
